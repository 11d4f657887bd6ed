"""Every command, run as a subprocess the way a clinic would run it."""

from __future__ import annotations

import json

ROWS = (
    "id\tquestion\tacceptable\tsource\n"
    "1\thow long until my forehead botox kicks in\tduration\tmine\n"
    "2\tdoes botox hurt my baby if im pregnant\tsafety\tmine\n"
    "3\twhere do i park\tother\tmine\n"
    "4\tnow i see double after my botox\temergency\tmine\n"
)


def test_ask_prints_the_answer_with_the_consult_prompt(run_cli):
    result = run_cli("ask", "how long does botox last?")
    assert result.returncode == 0, result.stderr
    assert "month" in result.stdout and "provider" in result.stdout
    assert result.stderr == ""


def test_ask_json_has_the_reply_fields(run_cli):
    result = run_cli("ask", "--json", "how", "long", "does", "botox", "last", "for", "sweating")
    reply = json.loads(result.stdout)
    assert {"intent", "confidence", "text", "sources"} <= reply.keys()
    assert reply["intent"] == "duration" and reply["slots"]["use"] == "sweating"


def test_ask_emergency_is_marked_and_never_a_silent_911(run_cli):
    result = run_cli("ask", "i cant breathe after my botox")
    assert result.returncode == 0 and "URGENT" in result.stdout
    assert "your local emergency number" in result.stdout and "911" not in result.stdout  # no country set
    result = run_cli("ask", "i cant breathe after my botox", env={"BOTOX_BOT_COUNTRY": "GB"})
    assert "Call 999 now." in result.stdout


def test_ask_in_spanish_is_answered_in_spanish(run_cli):
    result = run_cli("ask", "--json", "¿cuánto dura el bótox en la frente?", env={"BOTOX_BOT_COUNTRY": "US"})
    reply = json.loads(result.stdout)
    assert reply["language"] == "es" and reply["intent"] == "duration" and "meses" in reply["answer"]


def test_evaluate_triage_reports_the_corpus_gates(run_cli):
    from tests.conftest import REPO

    result = run_cli("evaluate", "--triage", str(REPO / "tests" / "data" / "triage"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "red flags caught" in result.stdout and "gates: call_now_at_call_now=PASS" in result.stdout


def test_classify_streams_json_lines_in_order(run_cli):
    lines = [
        "how long does botox last",
        "",
        "I have double vision since my injection",
        "🙂",
        "x" * 10_000,
        "can i talk to a person",
    ] * 50
    result = run_cli("classify", stdin="\n".join(lines) + "\n")
    assert result.returncode == 0, result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["text"] for o in out] == lines
    assert out[0]["intent"] == "duration" and out[2]["intent"] == "emergency" and out[5]["intent"] == "handoff"
    assert all({"text", "intent", "confidence"} <= o.keys() for o in out)


def test_classify_tolerates_invalid_utf8(run_cli, tmp_path):
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-m", "botox_bot", "classify"],
        input=b"\xff\xfe bad bytes\nhi\n",
        capture_output=True,
        env=_env(run_cli),
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert len(proc.stdout.decode().splitlines()) == 2


def _env(run_cli):
    import os

    return {k: v for k, v in os.environ.items() if not k.startswith("BOTOX_BOT_")}


def test_shell_answers_lines_and_numbered_choices(run_cli):
    result = run_cli("shell", "--debug", stdin="hello\nhow long does botox last\nand for sweating?\n/stop\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("bot>") == 3
    assert "[greet" in result.stdout and "[duration" in result.stdout


def test_check_accepts_the_shipped_content(run_cli):
    result = run_cli("check")
    assert result.returncode == 0 and "content OK" in result.stdout


def test_check_names_file_and_line_of_broken_content(run_cli, content_copy):
    (content_copy / "intents" / "en" / "oops.yml").write_text('version: "3.1"\nnlu:\n- intent: greet\n  exmples: x\n')
    result = run_cli("check", "--content", str(content_copy))
    assert result.returncode == 2
    assert "oops.yml:4" in result.stderr and "Traceback" not in result.stderr


def test_every_command_refuses_broken_content_cleanly(run_cli, content_copy):
    (content_copy / "responses" / "en" / "general.yml").write_text("responses: [\n")
    for args in (["ask", "hi"], ["classify"], ["shell"], ["evaluate"]):
        result = run_cli(*args, "--content", str(content_copy), stdin="hi\n")
        assert result.returncode == 2, args
        assert "general.yml:" in result.stderr and "Traceback" not in result.stderr


def test_bad_setting_is_named(run_cli):
    result = run_cli("ask", "hi", env={"BOTOX_BOT_CONFIDENCE_THRESHOLD": "lots"})
    assert result.returncode == 2 and "BOTOX_BOT_CONFIDENCE_THRESHOLD" in result.stderr


def test_settings_file_fills_the_clinic_details(run_cli, tmp_path):
    path = tmp_path / "clinic.yml"
    path.write_text("clinic_name: Harbor Derm\nclinic_phone: 555-0199\n")
    result = run_cli("ask", "--settings", str(path), "hello")
    assert result.returncode == 0, result.stderr
    assert "Harbor Derm" in result.stdout and "555-0199" in result.stdout


def test_evaluate_scores_a_tsv_and_writes_reports(run_cli, tmp_path):
    tsv = tmp_path / "mine.tsv"
    tsv.write_text(ROWS, encoding="utf-8")
    out = tmp_path / "out"
    result = run_cli("evaluate", str(tsv), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "accuracy:" in result.stdout and "precision" in result.stdout and "confusion matrix" in result.stdout
    assert "emergency-only rows caught: 1/1" in result.stdout
    report = json.loads((out / "mine-report.json").read_text())
    assert report["n"] == 4 and 0 <= report["accuracy"] <= 1
    assert (out / "mine-confusion.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_evaluate_cross_validates_without_a_file(run_cli):
    result = run_cli("evaluate", "--folds", "2", timeout=900)  # two trainings on the whole content
    assert result.returncode == 0, result.stderr
    assert "2-fold cross-validation" in result.stdout and "accuracy:" in result.stdout


def test_evaluate_rejects_a_bad_tsv(run_cli, tmp_path):
    tsv = tmp_path / "bad.tsv"
    tsv.write_text("q\ta\nhello\tx\n")
    result = run_cli("evaluate", str(tsv))
    assert result.returncode == 2 and "bad.tsv:1: needs a question column" in result.stderr


def test_console_script_and_train(run_cli, tmp_path):
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    script = Path(sys.executable).with_name("botox-bot")
    assert script.exists() or shutil.which("botox-bot"), "console script botox-bot not installed"
    cache = tmp_path / "cache"
    result = run_cli("train", env={"BOTOX_BOT_CACHE_DIR": str(cache)})
    assert result.returncode == 0, result.stderr
    assert list(cache.glob("intent-model-*.npz"))
    proc = subprocess.run(
        [str(script) if script.exists() else "botox-bot", "ask", "hello"],
        capture_output=True,
        text=True,
        env={**_env(run_cli), "BOTOX_BOT_CACHE_DIR": str(cache)},
        timeout=60,
    )
    assert proc.returncode == 0 and "provider" in proc.stdout


def test_unreadable_cache_dir_still_answers(run_cli, tmp_path):
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("x")
    result = run_cli("ask", "how long does botox last", env={"BOTOX_BOT_CACHE_DIR": str(blocker / "sub")})
    assert result.returncode == 0 and "month" in result.stdout
