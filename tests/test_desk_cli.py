"""The desk's commands, run as a clinic would (subprocesses, so slow): review (label, discard, export), report,
forget and audit, reading the files the server writes when there is no Redis."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from botox_bot.desk.audit import AuditLog
from botox_bot.desk.ledger import FileLedger
from botox_bot.desk.review import ReviewQueue
from botox_bot.desk.scrub import Scrubber


@pytest.fixture
def desk_env(tmp_path, content_copy):
    data = tmp_path / "data"
    return data, {
        "BOTOX_BOT_DATA_DIR": str(data),
        "BOTOX_BOT_REVIEW": "true",
        "BOTOX_BOT_CONTENT_DIR": str(content_copy),
        "BOTOX_BOT_WEBHOOK_SECRET": "a-secret-for-keyed-conversation-ids-0123456789",
    }


def queue(data) -> ReviewQueue:
    """The review queue as the server keeps it without Redis: the same two files."""
    return ReviewQueue(
        FileLedger(data / "review.jsonl"), FileLedger(data / "review-labelled.jsonl"), Scrubber(), 30 * 86400
    )


async def seed(data) -> list[str]:
    review = queue(data)
    ids = []
    for text, guess, lang in [
        ("can I fly the day after my botox? I'm Dana, 555-201-3344", "out_of_scope", "en"),
        ("is it ok to get a spray tan after botox", "out_of_scope", "en"),
        ("does botox help with tmj clicking", "medical_uses", "en"),
        ("puedo ir a la piscina despues del botox", "out_of_scope", "es"),
    ]:
        item = await review.keep(
            text,
            guess=guess,
            answer_key=guess,
            confidence=0.1,
            reason="fallback",
            language=lang,
            channel="web",
            conversation="c-0000",
        )
        ids.append(item.id)
    return ids


def test_a_review_session_labels_discards_and_exports(run_cli, desk_env, content_copy):
    data, env = desk_env
    asyncio.run(seed(data))
    listed = run_cli("review", "--list", env=env)
    assert listed.returncode == 0 and "out_of_scope (3)" in listed.stdout and "medical_uses (1)" in listed.stdout
    assert "Dana" not in listed.stdout and "3344" not in listed.stdout  # scrubbed before it was stored

    # grouped by guess: out_of_scope first (3 items: en, en, es in stored order), then medical_uses
    session = run_cli("review", env=env, stdin="aftercare\nd\naftercare\nmedical_uses\n")
    assert session.returncode == 0, session.stderr
    assert "3 labelled, 1 discarded" in session.stdout
    assert "Nothing to review." in run_cli("review", "--list", env=env).stdout

    exported = run_cli("review", "--export", env=env)
    assert exported.returncode == 0 and "reviewed.yml: 2 new example(s)" in exported.stdout
    written = (content_copy / "intents" / "en" / "reviewed.yml").read_text(encoding="utf-8")
    assert "can I fly the day after my botox?" in written and "tmj clicking" in written
    checked = run_cli("check", env=env)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_review_refuses_an_unknown_intent_and_says_when_it_is_off(run_cli, desk_env):
    data, env = desk_env
    (first, *_) = asyncio.run(seed(data))
    wrong = run_cli("review", "--label", first, "no_such_intent", env=env)
    assert wrong.returncode == 2 and "not an intent" in wrong.stderr
    off = run_cli("review", env={**env, "BOTOX_BOT_REVIEW": "false"})
    assert off.returncode == 2 and "BOTOX_BOT_REVIEW=true" in off.stderr


def test_forget_deletes_review_items_and_is_audited(run_cli, desk_env):
    from botox_bot.desk.ids import ConversationIds

    data, env = desk_env
    conversation = ConversationIds(env["BOTOX_BOT_WEBHOOK_SECRET"]).conversation("sms", "+15551234567")

    async def keep() -> None:
        await queue(data).keep(
            "what about my appointment",
            guess="out_of_scope",
            answer_key="out_of_scope",
            confidence=0.1,
            reason="fallback",
            language="en",
            channel="sms",
            conversation=conversation,
        )

    asyncio.run(keep())
    done = run_cli("forget", "--channel", "sms", "--sender", "+15551234567", env=env)
    assert done.returncode == 0 and conversation in done.stdout and "without REDIS_URL" in done.stdout
    assert asyncio.run(queue(data).pending()) == []
    audit = run_cli("audit", "--event", "deletion", "--json", env=env)
    (record,) = [json.loads(line) for line in audit.stdout.splitlines()]
    assert record["actor"] == "cli" and record["conversation"] == conversation and "5551234567" not in audit.stdout


def test_audit_filters_by_time_conversation_and_event(run_cli, desk_env):
    data, env = desk_env

    async def write() -> None:
        log = AuditLog(FileLedger(data / "audit.jsonl"))
        await log.record("handoff.taken", actor="slack:U0AMY", conversation="c-aaa", channel="web")
        await log.record("staff.reply", actor="slack:U0AMY", conversation="c-aaa", channel="web", delivered=True)
        await log.record("deletion", actor="patient", conversation="c-bbb", channel="sms")

    asyncio.run(write())
    everything = run_cli("audit", env=env)
    assert everything.returncode == 0 and len(everything.stdout.splitlines()) == 3
    assert "handoff.taken" in everything.stdout and "delivered=True" in everything.stdout
    assert len(run_cli("audit", "--conversation", "c-aaa", env=env).stdout.splitlines()) == 2
    assert len(run_cli("audit", "--since", "1h", "--event", "handoff", env=env).stdout.splitlines()) == 1
    future = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 2 * 86400))
    assert run_cli("audit", "--since", future, env=env).stdout == ""
    assert run_cli("audit", "--since", "yesterday-ish", env=env).returncode == 2


def test_report_prints_the_weeks_digest(run_cli, desk_env):
    data, env = desk_env
    asyncio.run(seed(data))
    report = run_cli("report", "--week", "this", env=env)
    assert report.returncode == 0 and report.stdout.startswith("Weekly digest, ")
    assert "botox-bot review" in report.stdout
    assert run_cli("report", "--week", "last tuesday", env=env).returncode == 2
