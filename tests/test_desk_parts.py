"""The desk's parts, one by one: business hours, "forget me" rules, PII scrubbing, the review queue and its export,
the ledgers (JSON lines and the store), the audit log, the weekly digest."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

import pytest
from pydantic import ValidationError

from botox_bot.core.clinic import BusinessHours, ClinicFile
from botox_bot.core.models import Choice, Reply
from botox_bot.desk.audit import AuditLog
from botox_bot.desk.digest import Stats, build, render, week_bounds
from botox_bot.desk.forget import forget_request
from botox_bot.desk.hours import OpeningHours
from botox_bot.desk.ids import ConversationIds
from botox_bot.desk.ledger import FileLedger, StoreLedger
from botox_bot.desk.review import ReviewQueue, example_text, grouped, write_nlu
from botox_bot.desk.scrub import Scrubber
from botox_bot.store import MemoryStore

NY = "America/New_York"


# -- business hours -----------------------------------------------------------------------------------
def hours(**overrides) -> OpeningHours:
    spec = {"time_zone": NY, "open": {"mon": "09:00-17:00", "tue": "09:00-12:00, 13:00-17:00", "sat": "10:00-14:00"}}
    spec.update(overrides)
    return OpeningHours(BusinessHours(**spec))


def at(text: str) -> datetime:
    """A clinic-local time, as UTC (New York is UTC-5 in winter, UTC-4 in summer)."""
    from zoneinfo import ZoneInfo

    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(NY)).astimezone(UTC)


@pytest.mark.parametrize(
    ("when", "open_"),
    [
        ("2025-03-03 09:00", True),  # Monday, opening minute
        ("2025-03-03 16:59", True),
        ("2025-03-03 17:00", False),  # closing time is closed
        ("2025-03-03 08:59", False),
        ("2025-03-04 12:30", False),  # Tuesday lunch break
        ("2025-03-04 13:00", True),
        ("2025-03-05 10:00", False),  # Wednesday: not listed, closed
        ("2025-03-08 11:00", True),  # Saturday
    ],
)
def test_open_in_the_clinics_own_time_zone(when, open_):
    assert hours().is_open(at(when)) is open_


def test_public_holidays_and_listed_days_close_the_desk():
    desk = hours(holidays="US", closed=[date(2025, 3, 10)])
    assert not desk.is_open(at("2025-05-26 10:00"))  # Memorial Day, a Monday
    assert not desk.is_open(at("2025-03-10 10:00"))  # listed
    assert desk.is_open(at("2025-03-17 10:00"))


def test_the_next_opening_skips_closed_days_and_reads_for_a_patient():
    desk = hours(holidays="US")
    friday_evening = at("2025-05-23 18:00")  # Memorial Day weekend: Saturday opens
    opening = desk.next_opening(friday_evening)
    assert opening.isoformat() == "2025-05-24T10:00:00-04:00"
    assert desk.describe(opening, friday_evening) == "tomorrow at 10:00 AM"
    saturday_evening = at("2025-05-24 15:00")
    tuesday = desk.next_opening(saturday_evening)  # Sunday closed, Monday a holiday
    assert tuesday.isoformat() == "2025-05-27T09:00:00-04:00"
    assert desk.describe(tuesday, saturday_evening) == "Tuesday May 27 at 9:00 AM"
    assert desk.describe(tuesday, saturday_evening, "es") == "el martes 27 a las 9:00"


def test_no_hours_means_always_open():
    assert OpeningHours(None).is_open(datetime.now(UTC))


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("time_zone", "Mars/Olympus", "not a time zone"),
        ("open", {"mon": "9-5"}, "not a time range"),
        ("open", {"mon": "17:00-09:00"}, "before the closing"),
        ("open", {"funday": "09:00-17:00"}, "funday"),
        ("holidays", "XX", "holidays"),
    ],
)
def test_wrong_hours_are_refused_with_a_reason(field, value, message):
    spec = {"time_zone": NY, "open": {"mon": "09:00-17:00"}, field: value}
    with pytest.raises(ValidationError) as error:
        ClinicFile(hours=spec)
    assert message in str(error.value)


def test_the_clinic_file_keeps_its_answers_next_to_its_hours(tmp_path, engine):
    from botox_bot.core.clinic import load_clinic

    path = tmp_path / "clinic.yml"
    path.write_text(
        'version: "1"\nanswers:\n  costs/price:\n    en: "From $250."\nhours:\n  time_zone: Europe/Madrid\n'
        "  holidays: ES\n  open:\n    mon: 09:00-14:00\n",
        encoding="utf-8",
    )
    clinic = load_clinic(path, engine.content)
    assert clinic.answers["costs/price"]["en"] == "From $250." and clinic.hours.holidays == "ES"


# -- forget me ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("forget me", "en"),
        ("Please forget me.", "en"),
        ("delete my data", "en"),
        ("can you erase everything you have on me", "en"),
        ("remove this conversation please", "en"),
        ("I want to exercise my right to be forgotten", "en"),
        ("borra mis datos", "es"),
        ("Olvídame por favor", "es"),
        ("elimina esta conversación", "es"),
        ("quiero borrar toda mi información", "es"),
        ("borrar todo lo que sabes de mí", "es"),
    ],
)
def test_a_request_to_be_forgotten_is_recognised_in_english_and_spanish(text, language):
    assert forget_request(text) == language


@pytest.mark.parametrize(
    "text",
    [
        "forget about it",
        "I forgot my appointment",
        "delete the app",
        "will botox erase my forehead lines",
        "how do I remove botox if I don't like it",
        "olvidé mi cita",
        "¿el bótox borra las arrugas?",
        "my data plan ran out",
        "clear skin after botox?",
    ],
)
def test_everyday_words_near_it_are_not_a_request(text):
    assert forget_request(text) is None


# -- scrubbing --------------------------------------------------------------------------------------------
SCRUBBER = Scrubber(["botox", "dysport", "xeomin", "migraine", "forehead", "eyelid", "drooping", "pregnant"])


@pytest.mark.parametrize(
    ("text", "scrubbed"),
    [
        ("my name is Sarah Connor, call 555-867-5309", "my name is [NAME], call [PHONE]"),
        ("text me on +44 20 7946 0958 or (212) 555 0147", "text me on [PHONE] or [PHONE]"),
        ("llámame al +34 612 345 678", "llámame al [PHONE]"),
        ("email jane.doe@example.com", "email [EMAIL]"),
        (
            "I saw Dr. Patel on March 3rd, is my eyelid drooping normal?",
            "I saw Dr. [NAME] on [DATE], is my eyelid drooping normal?",
        ),
        ("born 03/04/1985, record 12345678", "born [DATE], record [NUMBER]"),
        ("the 2024-03-04 visit", "the [DATE] visit"),
        (
            "me llamo ana, vivo en calle Mayor 5, cumple el 4 de marzo",
            "me llamo [NAME], vivo en [ADDRESS], cumple el [DATE]",
        ),
        ("I live at 123 Elm Street Apt 4, Springfield", "I live at [ADDRESS], [NAME]"),
        ("Can Xeomin help with migraine? Jessica said yes", "Can Xeomin help with migraine? Jessica said yes"),
        ("is it ok? Jessica said yes and Tom agreed", "is it ok? Jessica said yes and [NAME] agreed"),
        ("see www.example.com/page", "see [URL]"),
        ("im jenny, had 20 units 3 months ago", "im [NAME], had 20 units 3 months ago"),
    ],
)
def test_personal_details_are_scrubbed(text, scrubbed):
    assert SCRUBBER.scrub(text) == scrubbed


@pytest.mark.parametrize(
    "text",
    [
        "I am pregnant, can I get botox?",
        "how long does Botox last in the forehead?",
        "Is Dysport better than Botox?",
        "soy alérgica a la leche",
        "I had 20 units 3 months ago and 2 weeks later it wore off",
        "¿Cuánto dura el bótox? Gracias",
    ],
)
def test_questions_without_personal_details_are_kept_as_written(text):
    assert SCRUBBER.scrub(text) == text


def test_a_callback_number_is_found_as_written():
    assert SCRUBBER.phone_number("yes call me at 212-555-0147 tomorrow") == "212-555-0147"
    assert SCRUBBER.phone_number("no thanks") is None


# -- ledgers and the audit log ----------------------------------------------------------------------------
@pytest.fixture(params=["file", "store"])
def ledger(request, tmp_path):
    if request.param == "file":
        return FileLedger(tmp_path / "desk" / "audit.jsonl")
    return StoreLedger(MemoryStore(), "desk:audit", 1000)


async def test_a_ledger_appends_reads_and_removes(ledger):
    for i in range(3):
        await ledger.append({"t": i, "n": i})
    assert [r["n"] for r in await ledger.records()] == [0, 1, 2]
    assert await ledger.remove_where(lambda r: r["n"] == 1) == 1
    assert [r["n"] for r in await ledger.records()] == [0, 2]


async def test_the_ledger_file_is_private_and_survives_a_cut_line(tmp_path):
    path = tmp_path / "audit.jsonl"
    ledger = FileLedger(path)
    await ledger.append({"t": 1, "event": "deletion"})
    with path.open("a", encoding="utf-8") as handle:
        handle.write('{"t": 2, "event": "cut sh')  # a crash mid-line
    assert [r["event"] for r in await ledger.records()] == ["deletion"]
    assert path.stat().st_mode & 0o777 == 0o600


async def test_the_audit_log_keeps_text_only_when_message_text_logging_is_on(tmp_path):
    quiet = AuditLog(FileLedger(tmp_path / "a.jsonl"))
    await quiet.record("staff.reply", actor="slack:U1", conversation="c-1", channel="web", text="hello")
    loud = AuditLog(FileLedger(tmp_path / "b.jsonl"), message_text=True)
    await loud.record("staff.reply", actor="slack:U1", conversation="c-1", channel="web", text="hello")
    (q,), (l_,) = await quiet.entries(), await loud.entries()
    assert "text" not in q and l_["text"] == "hello"
    assert set(q) == {"t", "event", "actor", "conversation", "channel"}
    assert await quiet.entries(event="staff") and not await quiet.entries(event="deletion")


def test_conversation_ids_are_keyed_and_stable():
    keyed, other = ConversationIds("secret-1"), ConversationIds("secret-2")
    a = keyed.conversation("sms", "+15551234567")
    assert a == keyed.conversation("sms", "+15551234567") and a.startswith("c-") and len(a) == 22
    assert a != other.conversation("sms", "+15551234567") and "5551234567" not in a
    assert a != keyed.conversation("web", "+15551234567")


# -- the review queue -------------------------------------------------------------------------------------
@pytest.fixture
def queue(tmp_path):
    now = [1_000_000.0]
    review = ReviewQueue(
        FileLedger(tmp_path / "review.jsonl"),
        FileLedger(tmp_path / "labelled.jsonl"),
        SCRUBBER,
        retention_seconds=86400,
        clock=lambda: now[0],
    )
    review.now = now
    return review


async def keep(queue, text, guess="out_of_scope", conversation="c-1", language="en"):
    return await queue.keep(
        text,
        guess=guess,
        answer_key=guess,
        confidence=0.1,
        reason="fallback",
        language=language,
        channel="web",
        conversation=conversation,
    )


async def test_review_items_are_scrubbed_before_they_are_stored(queue, tmp_path):
    await keep(queue, "my name is Sarah, can I fly after botox? call 555-867-5309")
    raw = (tmp_path / "review.jsonl").read_text(encoding="utf-8")
    assert "Sarah" not in raw and "867" not in raw and "can I fly after botox?" in raw


async def test_review_items_are_labelled_discarded_forgotten_and_expire(queue):
    a = await keep(queue, "can I fly after botox")
    b = await keep(queue, "can I drink wine after", guess="aftercare")
    c = await keep(queue, "is it halal", conversation="c-2")
    assert [g for g in grouped(await queue.pending())] == ["out_of_scope", "aftercare"]
    assert (await queue.label(a.id, "aftercare/flying")).label == "aftercare/flying"
    assert await queue.label(b.id, "discard") is not None
    assert [i.id for i in await queue.pending()] == [c.id]
    assert [i.id for i in await queue.labelled()] == [a.id]
    assert await queue.forget("c-2") == 1 and not await queue.pending()
    queue.now[0] += 86401
    assert await queue.labelled() == []  # past the retention: gone, labelled or not


async def test_export_writes_rasa_nlu_that_check_accepts(queue, content_copy, run_cli):
    a = await keep(queue, "Hi, I'm Tom. can I take a flight the day after my botox?")
    b = await keep(queue, "puedo viajar en avion despues del botox", language="es")  # the content has it
    c = await keep(queue, "me puedo teñir el pelo la misma tarde del bótox", language="es")
    await queue.label(a.id, "aftercare")
    await queue.label(b.id, "aftercare")
    await queue.label(c.id, "aftercare")
    gained = await queue.export(content_copy / "intents")
    assert gained == {"en": 1, "es": 1}
    written = (content_copy / "intents" / "en" / "reviewed.yml").read_text(encoding="utf-8")
    assert "- intent: aftercare" in written and "can I take a flight the day after my botox?" in written
    assert "Tom" not in written and "[NAME]" not in written
    assert await queue.labelled() == []
    again = await queue.export(content_copy / "intents")  # nothing left: the file is unchanged
    assert again == {} and (content_copy / "intents" / "en" / "reviewed.yml").read_text(encoding="utf-8") == written
    checked = run_cli("check", "--content", str(content_copy))
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_write_nlu_merges_without_duplicates(tmp_path):
    path = tmp_path / "reviewed.yml"
    assert write_nlu(path, [("costs", "how much is it"), ("costs", "How much is it")]) == 1
    assert write_nlu(path, [("costs", "how much is it"), ("visit/length", "how long is the visit")]) == 1
    import yaml

    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert [b["intent"] for b in data["nlu"]] == ["costs", "visit/length"]
    assert example_text("hi [NAME], is it safe? call [PHONE]") == "hi, is it safe? call"


# -- the weekly digest ------------------------------------------------------------------------------------
async def test_the_digest_counts_the_week_and_names_the_unanswered_themes(queue):
    store = MemoryStore()
    stats = Stats(store)
    week = "2025-W10"
    replies = [
        Reply(intent="duration", confidence=0.9, text="x"),
        Reply(intent="duration", confidence=0.9, text="x"),
        Reply(intent="out_of_scope", confidence=0.1, text="x", fallback=True),
        Reply(intent="safety", confidence=0.5, text="x", choices=[Choice(title="a", payload="/a")]),
        Reply(intent="emergency", confidence=1, text="x", emergency=True, urgency="call_now"),
        Reply(intent="handoff", confidence=1, text="x", handoff=True),
    ]
    for reply in replies:
        await stats.count(reply, week)
    await stats.feedback(False, week)
    await stats.feedback(True, week)
    for text in ("can I fly after botox", "flying after botox ok?", "is botox halal"):
        await keep(queue, text)
    digest = await build(store, week, await queue.pending())
    assert (digest.total, digest.fell_through, digest.emergencies, digest.handoffs) == (6, 2, 1, 1)
    assert digest.by_intent["duration"] == 2 and digest.not_helpful_rate == 0.5
    text = render(digest)
    assert "6 patient messages" in text and "(33%)" in text and "Emergencies: 1" in text
    assert "Marked not helpful: 1 of 2 votes (50%)" in text
    start, end = week_bounds(week, UTC)
    assert datetime.fromtimestamp(start, UTC).date() == date(2025, 3, 3) and end - start == 7 * 86400
    assert digest.themes and "Top unanswered themes" in text


async def test_a_burst_of_file_ledger_lines_is_written_whole_in_order_in_few_writes(tmp_path, monkeypatch):
    """Lines that arrive while a write is under way go in the next write; each append returns once its line is in
    the file, and a failed write is told to every append of its batch."""
    ledger = FileLedger(tmp_path / "audit.jsonl")
    writes: list[int] = []
    write = ledger._write
    monkeypatch.setattr(ledger, "_write", lambda text: (writes.append(text.count("\n")), write(text)))
    await asyncio.gather(*(ledger.append({"n": i, "what": "escalation.undelivered"}) for i in range(300)))
    assert [r["n"] for r in await ledger.records()] == list(range(300))
    assert sum(writes) == 300 and len(writes) <= 3, writes

    broken = FileLedger(tmp_path / "not-a-folder.txt" / "audit.jsonl")
    (tmp_path / "not-a-folder.txt").write_text("a file where the folder should be")
    results = await asyncio.gather(*(broken.append({"n": i}) for i in range(20)), return_exceptions=True)
    assert all(isinstance(r, OSError) for r in results), results
