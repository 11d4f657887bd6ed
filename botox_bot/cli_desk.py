"""The desk's commands: ``review``, ``report``, ``forget``, ``audit`` (docs/desk.md).

They read what the server keeps: in Redis when ``REDIS_URL`` is set (every instance's), else the files in
``BOTOX_BOT_DATA_DIR``. The conversation state the server holds in its own memory (no Redis) is out of a
command's reach; ``forget`` says so.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import time
from datetime import UTC, datetime, timedelta

from botox_bot.core.content import default_content_dir, load_content
from botox_bot.settings import Settings

_AGE = re.compile(r"^(\d+)([dhm])$")


def add_commands(sub, common: argparse.ArgumentParser) -> None:
    review = sub.add_parser("review", parents=[common], help="label the questions the bot could not answer")
    review.add_argument("--list", action="store_true", help="list the items waiting, grouped; label nothing")
    review.add_argument("--label", nargs=2, action="append", metavar=("ID", "INTENT"), help="label one item")
    review.add_argument("--discard", action="append", metavar="ID", help="discard one item")
    review.add_argument("--export", action="store_true", help="write the labelled items to intents/<lang>/reviewed.yml")
    review.set_defaults(run=_review)

    report = sub.add_parser("report", parents=[common], help="the weekly digest (last week by default)")
    report.add_argument("--week", help="an ISO week such as 2025-W10 (default: last week; 'this' for this week)")
    report.set_defaults(run=_report)

    forget = sub.add_parser("forget", parents=[common], help="delete what the bot keeps about one sender")
    forget.add_argument("--channel", required=True, help="web, rest, sms, voice, slack or teams")
    forget.add_argument("--sender", required=True, help="the sender id (an SMS number such as +15551234567)")
    forget.set_defaults(run=_forget)

    audit = sub.add_parser("audit", parents=[common], help="read the audit log")
    audit.add_argument("--since", help="7d, 12h, 30m, or a date (2025-03-01); default: everything")
    audit.add_argument("--conversation", help="one conversation's keyed id (c-...)")
    audit.add_argument("--event", help="events starting with this (escalation, handoff, staff, deletion...)")
    audit.add_argument("--json", action="store_true", help="print JSON lines as stored")
    audit.set_defaults(run=_audit)


def _services(settings: Settings):
    from botox_bot.runtime import desk_services, store_for

    store = store_for(settings)
    return desk_services(settings, store), store


def _run(settings: Settings, work) -> int:
    async def main() -> int:
        services, store = _services(settings)
        try:
            return int(await work(services))
        finally:
            await store.close()

    return asyncio.run(main())


# -- review ---------------------------------------------------------------------------------------------
def _review(args, settings: Settings) -> int:
    if not settings.review:
        print("botox-bot: the review loop is off; set BOTOX_BOT_REVIEW=true (see docs/desk.md)", file=sys.stderr)
        return 2
    content_dir = settings.content_dir or default_content_dir()
    content = load_content(content_dir)
    intents = sorted(content.examples)

    async def work(services) -> int:
        queue = services.review
        for item_id, intent in args.label or []:
            if intent not in intents:
                print(f"botox-bot: {intent} is not an intent of the content", file=sys.stderr)
                return 2
            print(f"{item_id}: {'labelled ' + intent if await queue.label(item_id, intent) else 'not found'}")
        for item_id in args.discard or []:
            print(f"{item_id}: {'discarded' if await queue.label(item_id, 'discard') else 'not found'}")
        if args.export:
            gained = await queue.export(content_dir / "intents")
            for language, count in gained.items():
                print(f"{content_dir / 'intents' / language / 'reviewed.yml'}: {count} new example(s)")
            print("Now run `botox-bot check`, then `botox-bot train`." if gained else "Nothing labelled to export.")
            return 0
        if args.label or args.discard:
            return 0
        items = await queue.pending()
        if args.list or not items:
            _print_groups(items)
            return 0
        return await _label_interactively(queue, items, intents)

    return _run(settings, work)


def _print_groups(items) -> None:
    from botox_bot.desk.review import grouped

    if not items:
        print("Nothing to review.")
        return
    for guess, group in grouped(items).items():
        print(f"\n{guess} ({len(group)})")
        for item in group:
            when = datetime.fromtimestamp(item.t, UTC).strftime("%Y-%m-%d")
            print(f"  {item.id}  {item.reason:<11} {item.language} {item.channel:<5} {when}  {item.text}")


async def _label_interactively(queue, items, intents: list[str]) -> int:
    """One item at a time, grouped by the bot's guess: an intent name (or the number of a listed topic), Enter to
    skip, d to discard, ? for the intents, q to stop. Reads stdin, so it can be scripted."""
    from botox_bot.desk.review import grouped

    topics = sorted({name.split("/")[0] for name in intents})
    interactive = sys.stdin.isatty()
    print(
        f"{len(items)} question(s) to review. Answer with an intent (or a topic's number), Enter to skip, "
        "d to discard, ? to list intents, q to stop."
    )
    print("Topics: " + ", ".join(f"{n}={t}" for n, t in enumerate(topics, 1)))
    labelled = discarded = 0
    for guess, group in grouped(items).items():
        print(f"\n== the bot guessed {guess} ({len(group)})")
        for item in group:
            while True:
                print(f"[{item.id}] ({item.reason}, {item.language}) {item.text}")
                try:
                    answer = input("label> " if interactive else "").strip()
                except EOFError:
                    answer = "q"
                if not interactive:
                    print(f"label> {answer}")
                if answer == "?":
                    print("  " + "\n  ".join(intents))
                    continue
                break
            if answer == "q":
                print(f"\nStopped. {labelled} labelled, {discarded} discarded.")
                return 0
            if answer == "":
                continue
            if answer == "d":
                await queue.label(item.id, "discard")
                discarded += 1
                continue
            if answer.isdigit() and 1 <= int(answer) <= len(topics):
                answer = topics[int(answer) - 1]
            if answer not in intents:
                print(f"  {answer!r} is not an intent; skipped (? lists them)")
                continue
            await queue.label(item.id, answer)
            labelled += 1
    print(f"\nDone. {labelled} labelled, {discarded} discarded. Export them with `botox-bot review --export`.")
    return 0


# -- report -----------------------------------------------------------------------------------------------
def _report(args, settings: Settings) -> int:
    from botox_bot.desk.digest import build, previous_week, render, week_bounds, week_of

    now = datetime.now(UTC)
    week = week_of(now) if args.week == "this" else (args.week or previous_week(now))
    if not re.fullmatch(r"\d{4}-W\d{2}", week):
        print(f"botox-bot: {week!r} is not an ISO week such as 2025-W10", file=sys.stderr)
        return 2

    async def work(services) -> int:
        start, end = week_bounds(week, UTC)
        unanswered = [i for i in await services.review.pending() if start <= i.t < end] if services.review else []
        digest = await build(services.store, week, unanswered)
        print(render(digest))
        if not settings.review:
            print("(The review loop is off, so nothing is counted: set BOTOX_BOT_REVIEW=true.)")
        return 0

    return _run(settings, work)


# -- forget -----------------------------------------------------------------------------------------------
def _forget(args, settings: Settings) -> int:
    async def work(services) -> int:
        complete = await services.forget(args.channel, args.sender, actor="cli")
        conversation = services.ids.conversation(args.channel, args.sender)
        print(f"Deleted what the bot keeps about conversation {conversation} (context, handoff, review items).")
        if settings.redis.url is None:
            print(
                "Note: without REDIS_URL the server keeps conversations in its own memory, out of this command's "
                f"reach; they expire by themselves within {max(settings.context_ttl_seconds, 1800) // 60} minutes, "
                "or at the next restart. Review items and the audit log (files) were handled here."
            )
        if not complete:
            print("Redis could not be reached: run this again when it is back.", file=sys.stderr)
            return 1
        return 0

    return _run(settings, work)


# -- audit ------------------------------------------------------------------------------------------------
def _since(value: str | None) -> float | None:
    if not value:
        return None
    match = _AGE.match(value)
    if match:
        amount, unit = int(match[1]), match[2]
        return time.time() - timedelta(**{{"d": "days", "h": "hours", "m": "minutes"}[unit]: amount}).total_seconds()
    return datetime.fromisoformat(value).replace(tzinfo=UTC).timestamp()


def _audit(args, settings: Settings) -> int:
    try:
        since = _since(args.since)
    except ValueError:
        print(f"botox-bot: --since {args.since!r}: use 7d, 12h, 30m or a date such as 2025-03-01", file=sys.stderr)
        return 2

    async def work(services) -> int:
        entries = await services.audit.entries(since=since, conversation=args.conversation, event=args.event)
        for entry in entries:
            if args.json:
                print(json.dumps(entry, ensure_ascii=False))
                continue
            when = datetime.fromtimestamp(entry.get("t", 0), UTC).strftime("%Y-%m-%d %H:%M:%SZ")
            rest = {k: v for k, v in entry.items() if k not in {"t", "event", "actor", "conversation", "channel"}}
            extra = " ".join(f"{k}={v}" for k, v in rest.items())
            print(
                f"{when}  {entry.get('event', ''):<22} {entry.get('actor', ''):<14} "
                f"{entry.get('conversation', '-'):<22} {entry.get('channel', '-'):<6} {extra}".rstrip()
            )
        if not entries:
            print("No audit records match.", file=sys.stderr)
        return 0

    return _run(settings, work)
