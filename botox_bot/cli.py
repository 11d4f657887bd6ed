"""The ``botox-bot`` command line: serve, ask, shell, classify, train, check, evaluate, teams-package, and the
desk's review, report, forget and audit (``cli_desk.py``).

Every command takes ``--content DIR`` and ``--settings FILE``. Errors in content or settings end the command
with exit code 2 and messages that name what is wrong, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import errno
import json
import logging
import secrets
import shutil
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from pydantic import SecretStr

from botox_bot.core.content import ContentError, default_content_dir, load_content
from botox_bot.core.models import Message
from botox_bot.settings import Settings, SettingsError, load_settings

EXIT_CONTENT = 2


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    _utf8_streams()
    try:
        settings = load_settings(
            args.settings,
            content_dir=args.content,
            host=getattr(args, "host", None),
            port=getattr(args, "port", None),
            workers=getattr(args, "workers", None),
        )
        return args.run(args, settings)
    except (SettingsError, ContentError) as exc:
        print(f"botox-bot: {exc}", file=sys.stderr)
        return EXIT_CONTENT
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `botox-bot classify | head`
        return 0
    except OSError as exc:  # an unreadable file or folder, or (serve) an address already in use
        if exc.errno == errno.EADDRINUSE:  # one process or a supervisor's workers: said the same way
            port = getattr(args, "port", None)
            print(f"botox-bot: port {port if port is not None else '(from the settings)'}: address already in use "
                  "(another server is listening there)", file=sys.stderr)  # fmt: skip
            return EXIT_CONTENT
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"botox-bot: {where}{exc.strerror or exc}", file=sys.stderr)
        return EXIT_CONTENT
    except Exception as exc:  # last resort: a clear line, never a traceback, for the person at the terminal
        print(f"botox-bot: unexpected error ({type(exc).__name__}: {exc}); please report it", file=sys.stderr)
        return 1


def _utf8_streams() -> None:
    """Questions may hold any script or stray bytes: never fail on printing or reading them."""
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    if hasattr(sys.stdin, "reconfigure"):
        sys.stdin.reconfigure(encoding="utf-8", errors="replace")


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--content", metavar="DIR", help="content folder with intents/ and responses/")
    common.add_argument("--settings", metavar="FILE", help="YAML settings file (see docs/settings.md)")
    parser = argparse.ArgumentParser(prog="botox-bot", description="Answers questions about Botox for clinics.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = sub.add_parser("serve", parents=[common], help="run the server: web chat, webhook, channels")
    serve.add_argument("--host", help="address to listen on (default 127.0.0.1; BOTOX_BOT_HOST)")
    serve.add_argument("--port", type=int, help="port to listen on (default 3000; 0 picks a free one)")
    serve.add_argument(
        "--workers", type=int, help="processes sharing the port (default: one a core; 1: a single process)"
    )
    serve.set_defaults(run=_serve)

    ask = sub.add_parser("ask", parents=[common], help="answer one question")
    ask.add_argument("question", nargs="+", help="the question (quote it)")
    ask.add_argument("--json", action="store_true", help="print the reply as JSON")
    ask.add_argument("--channel", default="cli", help="answer as on this channel (cli, sms, voice, ...)")
    ask.set_defaults(run=_ask)

    shell = sub.add_parser("shell", parents=[common], help="chat in the terminal")
    shell.add_argument("--debug", action="store_true", help="show intent and confidence")
    shell.set_defaults(run=_shell)

    classify = sub.add_parser("classify", parents=[common], help="classify stdin, one question a line, to JSON lines")
    classify.set_defaults(run=_classify)

    train = sub.add_parser("train", parents=[common], help="train the classifier now and cache it (like rasa train)")
    train.set_defaults(run=_train)

    check = sub.add_parser("check", parents=[common], help="validate the content")
    check.add_argument("--unreviewed", action="store_true", help="list translations no translator has reviewed")
    check.set_defaults(run=_check)

    evaluate = sub.add_parser("evaluate", parents=[common], help="measure understanding (like rasa test nlu)")
    evaluate.add_argument("file", nargs="?", help="TSV with question and acceptable columns; none: cross-validate")
    evaluate.add_argument("--folds", type=int, default=5, help="cross-validation folds (default 5)")
    evaluate.add_argument("--out", metavar="DIR", help="write a JSON report and a confusion-matrix PNG here")
    evaluate.add_argument("--lang", help="only this language's rows (en, es, ...); reports show each language")
    evaluate.add_argument(
        "--triage", action="store_true", help="FILE is a red-flag corpus (tests/data/triage): score the screen alone"
    )
    evaluate.set_defaults(run=_evaluate)

    teams = sub.add_parser("teams-package", parents=[common], help="write the Teams app package (manifest, icons)")
    teams.add_argument(
        "--out", metavar="FILE", default="botox-bot-teams.zip", help="zip to write (default botox-bot-teams.zip)"
    )
    teams.add_argument("--app-version", help="the app's version, e.g. 1.0.1; raise it for each upload")
    teams.add_argument("--website-url", help="the clinic's https site (default: the booking link's site)")
    teams.add_argument("--privacy-url", help="privacy statement (default: the website)")
    teams.add_argument("--terms-url", help="terms of use (default: the website)")
    teams.set_defaults(run=_teams_package)

    from botox_bot.cli_desk import add_commands  # review, report, forget, audit (the clinic's desk)

    add_commands(sub, common)
    return parser


def _engine(settings: Settings):
    from botox_bot.core.engine import Engine

    return Engine.from_config(settings.engine_config())


def _serve(args, settings: Settings) -> int:
    """Check the content first (a broken file stops start-up, named), then serve until SIGTERM."""
    from botox_bot import workers
    from botox_bot.server.logs import configure_logging

    configure_logging(settings.log_level)
    count, redis_server = workers.plan(settings.workers, settings.redis.url)
    folder = workers.private_folder() if count > 1 else None
    if folder is not None:
        workers.use_multiprocess_metrics(folder / "metrics")  # before any metric exists
        (folder / "metrics").mkdir()
    try:
        from botox_bot.app import create_app, run
        from botox_bot.channels import channel_names
        from botox_bot.core.clinic import load_clinic

        content = load_content(settings.content_dir or default_content_dir(), channel_names())
        load_clinic(settings.clinic_file, content)
        emergency_number, crisis_line = settings.emergency_numbers()
        if not emergency_number or not crisis_line:
            logging.getLogger("botox_bot.server").warning(
                "no emergency number or crisis line set: replies say 'your local emergency number'; set "
                "BOTOX_BOT_COUNTRY (US, CA, GB, ...) or BOTOX_BOT_EMERGENCY_NUMBER and BOTOX_BOT_CRISIS_LINE",
                extra={"emergency_number_set": bool(emergency_number), "crisis_line_set": bool(crisis_line)},
            )
        if folder is None:  # one process, as always: it listens at once and loads in the background
            app = create_app(settings)
            asyncio.run(run(app, settings.host, settings.port, settings.shutdown_timeout_seconds))
            return 0
        return _serve_workers(settings, count, redis_server, folder)
    finally:
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)


def _serve_workers(settings: Settings, count: int, redis_server: str | None, folder: Path) -> int:
    """Load once, then fork ``count`` workers on one port under a supervisor (``botox_bot.workers``)."""
    from botox_bot import workers
    from botox_bot.app import create_app, run
    from botox_bot.channels import channel_names
    from botox_bot.core.engine import Engine
    from botox_bot.runtime import store_for

    log = logging.getLogger("botox_bot.server")
    redis = workers.EmbeddedRedis(redis_server, folder) if redis_server else None
    try:
        if redis is not None:
            redis.start()
            # a Redis of these workers alone (a 0700 folder, gone when they stop): a key of its own, unless one is set
            key = settings.store_key or SecretStr(secrets.token_hex(32))
            settings = settings.model_copy(update={"redis_url": redis.url, "store_key": key})
            log.info("shared state: a private redis-server for the workers", extra={"workers": count})
        log.info("loading content and model")
        engine = Engine.from_config(settings.engine_config(), channels=channel_names())
        shared = settings

        def run_worker(index: int, port: int) -> int:
            app = create_app(shared, engine=engine, store=store_for(shared))
            asyncio.run(run(app, shared.host, port, shared.shutdown_timeout_seconds, reuse_port=True))
            return 0

        supervisor = workers.Supervisor(
            count,
            settings.host,
            settings.port,
            settings.shutdown_timeout_seconds,
            run_worker,
            redis=redis,
            metrics_folder=folder / "metrics",
        )
        return supervisor.serve()
    finally:
        if redis is not None:
            redis.stop()  # also when loading failed or the port was taken


def _ask(args, settings: Settings) -> int:
    engine = _engine(settings)
    text = " ".join(args.question)
    reply = asyncio.run(engine.answer(Message(text=text, sender_id="cli", channel=args.channel)))
    if args.json:
        print(reply.model_dump_json(indent=2))
    else:
        print(_terminal(reply))
    return 0


def _terminal(reply) -> str:
    text = reply.text
    if reply.choices:
        options = "\n".join(f"  {n}. {c.title}" for n, c in enumerate(reply.choices, 1))
        text = f"{reply.answer}\n{options}\n\n{reply.consult}"
    if reply.emergency:
        text = f"!! URGENT !!\n{text}"
    return text


def _shell(args, settings: Settings) -> int:
    engine = _engine(settings)
    interactive = sys.stdin.isatty()
    if interactive:
        print("botox-bot shell: ask a question, or type /stop to leave. Answer a choice with its number.")

    async def chat() -> None:
        while True:
            try:
                line = input("you> " if interactive else "")
            except EOFError:
                return
            if line.strip() in {"/stop", "/quit", "/exit"}:
                return
            reply = await engine.answer(Message(text=line, sender_id="shell", channel="cli"))
            if args.debug:
                print(f"[{reply.intent} {reply.confidence:.2f} {reply.slots}]")
            print(f"bot> {_terminal(reply)}\n", flush=True)

    asyncio.run(chat())
    return 0


def _classify(args, settings: Settings) -> int:
    """Stream stdin to stdout in order; one JSON object a line, written in blocks for speed."""
    engine = _engine(settings)
    out = sys.stdout
    batch: list[str] = []
    for line in sys.stdin:
        text = line.rstrip("\r\n")
        record = {"text": text, **engine.classify(text)}
        record["emergency"] = record["intent"] == "emergency"
        batch.append(json.dumps(record, ensure_ascii=False))
        if len(batch) >= 512:
            out.write("\n".join(batch) + "\n")
            batch.clear()
    if batch:
        out.write("\n".join(batch) + "\n")
    out.flush()
    return 0


def _train(args, settings: Settings) -> int:
    from botox_bot.core.classifier import cache_key

    engine = _engine(settings)
    where = (
        f"cached in {settings.cache_dir}/intent-model-{cache_key(engine.content.digest)}.npz"
        if settings.cache_dir
        else "not cached (no cache_dir)"
    )
    print(f"model for {engine.content.root} ({len(engine.classifier.labels)} intents): {where}")
    return 0


def _check(args, settings: Settings) -> int:
    from botox_bot.channels import channel_names
    from botox_bot.core.clinic import load_clinic

    root = settings.content_dir or default_content_dir()
    content = load_content(root, channel_names())  # raises ContentError with every problem
    clinic = load_clinic(settings.clinic_file, content)
    for warning in content.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(f"content OK: {root}")
    for lang in content.languages:
        texts, labels = content.training_data(lang)
        print(
            f"  {lang}: {len(set(labels))} intents and specific answers, {len(texts)} examples, "
            f"{len(content.responses.get(lang, {}))} responses"
        )
    print(f"  topics: {', '.join(content.topics)}")
    print("  keyword slots: " + ", ".join(f"{s} ({len(v)} values)" for s, v in sorted(content.keywords.items())))
    if settings.clinic_file:
        print(f"  clinic file {settings.clinic_file}: {len(clinic.answers)} answers of the clinic's own")
    unreviewed = content.unreviewed()
    if args.unreviewed:
        for lang, name, n in unreviewed:
            print(f"unreviewed translation: {lang} {name} variation {n}")
    elif unreviewed:
        print(
            f"  {len(unreviewed)} translated variations not yet reviewed by a qualified translator "
            "(botox-bot check --unreviewed lists them)"
        )
    return 0


def _evaluate(args, settings: Settings) -> int:
    from botox_bot import evaluate as ev

    if args.triage:
        return _evaluate_triage(args)
    if args.file:
        try:
            rows = ev.read_tsv(Path(args.file))
        except (OSError, ValueError) as exc:
            print(f"botox-bot: {exc}", file=sys.stderr)
            return EXIT_CONTENT
        if args.lang:
            rows = [r for r in rows if r.language in ("", args.lang)]
        engine = _engine(settings)
        report = ev.score(rows, _predictor(engine, args.lang))
        title, name = f"evaluation on {args.file}", Path(args.file).stem
    else:
        report = _cross_validate(args, settings)
        title, name = f"{args.folds}-fold cross-validation", "cross-validation"
    print(ev.format_report(report, title))
    if args.out:
        try:
            for path in ev.write_outputs(report, Path(args.out), name):
                print(f"wrote {path}")
        except RuntimeError as exc:
            print(f"botox-bot: {exc}", file=sys.stderr)
            return 1
    return 0


def _evaluate_triage(args) -> int:
    """The red-flag corpus on the screen alone: recall per concept and urgency, false alarms, preface accuracy."""
    from botox_bot.core.triage.corpus import format_score, read_corpus, score

    if not args.file:
        print("botox-bot: evaluate --triage needs a corpus TSV or a folder of them", file=sys.stderr)
        return EXIT_CONTENT
    try:
        rows = read_corpus(Path(args.file))
    except (OSError, ValueError, KeyError) as exc:
        print(f"botox-bot: {exc}", file=sys.stderr)
        return EXIT_CONTENT
    if args.lang:
        rows = [r for r in rows if r.lang == args.lang]
    result = score(rows)
    print(format_score(result, f"triage corpus {args.file}" + (f" ({args.lang})" if args.lang else "")))
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "triage-report.json").write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
        print(f"wrote {out / 'triage-report.json'}")
    return 0 if all(result["gates"].values()) else 1


def _predictor(engine, language: str | None):
    """Classify a row alone; a row that says what a useful reply contains is answered by the whole engine."""
    from botox_bot import evaluate as ev

    def predict(row: ev.Row) -> ev.Prediction:
        found = engine.classify(row.text)
        text = ""
        if row.must:
            message = Message(
                text=row.text, sender_id=f"evaluate-{row.id}", channel="cli", language=row.language or language
            )
            text = asyncio.run(engine.answer(message)).text
        return ev.Prediction(found["intent"], found["answer_key"], text)

    return predict


def _cross_validate(args, settings: Settings):
    from botox_bot import evaluate as ev
    from botox_bot.core.engine import Engine

    content = load_content(settings.content_dir or default_content_dir())
    texts, labels, languages = [], [], []
    for lang in content.languages:
        t, lab = content.training_data(lang)
        texts += t
        labels += lab
        languages += [lang] * len(t)
    no_cache = replace(settings.engine_config(), cache_dir=None)

    def predictor(model):  # each fold's model behind a whole engine: the screen runs first, as in production
        fold_engine = Engine(content, model, no_cache)

        def predict(text: str) -> ev.Prediction:
            found = fold_engine.classify(text)
            return ev.Prediction(found["intent"], found["answer_key"])

        return predict

    report = ev.cross_validate(texts, labels, languages, folds=args.folds, predict_factory=predictor)
    if args.lang:
        keep = [i for i, row in enumerate(report.rows) if row.language == args.lang]
        report = ev.Report([report.rows[i] for i in keep], [report.predictions[i] for i in keep], False)
    return report


def _teams_package(args, settings: Settings) -> int:
    from botox_bot.channels.teams.package import write

    content = load_content(settings.content_dir or default_content_dir())  # the topics the app suggests
    path = write(
        Path(args.out),
        settings,
        [content.title(topic) for topic in content.topics],
        version=args.app_version,
        website_url=args.website_url,
        privacy_url=args.privacy_url,
        terms_url=args.terms_url,
    )
    print(f"wrote {path}: upload it in Teams (Apps > Manage your apps > Upload an app) or the Developer Portal")
    return 0
