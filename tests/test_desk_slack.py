"""The desk from Slack, over real HTTP against the mock Slack: Take over, replies both ways, red flags while held,
Hand back, the timeout, business hours and a callback number, "forget me", names.

The patient side here is the webhook with a recording deliverer standing in for the web chat's outbox or SMS
(those have tests of their own, with the real page and Twilio's mocked REST API): what is tested is the desk.
"""

from __future__ import annotations

import asyncio
import json
from urllib.parse import urlencode

import pytest
from pydantic import SecretStr

from botox_bot.app import RUNTIME
from botox_bot.desk.handoff import Undeliverable
from tests.slack_mock import (
    STAFF_USER,
    SlackWebAPIMock,
    block_actions,
    channel_message,
    event_callback,
    signed_headers,
)

SECRET = "slack-signing-secret"
HOOK = "/webhooks/rest/webhook"
EVENTS = "/slack/events"
STAFF = "C0STAFF"


class Patient:
    """What reached the patient through the desk (as the web chat's outbox or an SMS would carry it)."""

    def __init__(self):
        self.got = []
        self.refuse: str | None = None

    async def __call__(self, case, outgoing) -> None:
        if self.refuse:
            raise Undeliverable(self.refuse)
        self.got.append(outgoing)

    async def wait(self, count: int = 1):
        for _ in range(300):
            if len(self.got) >= count:
                return self.got
            await asyncio.sleep(0.01)
        raise AssertionError(f"expected {count} deliveries, got {self.got}")


@pytest.fixture
async def api():
    async with SlackWebAPIMock() as mock:
        yield mock


@pytest.fixture
def desk(api, serve):
    async def start(**overrides):
        conf = dict(
            slack_bot_token=SecretStr("xoxb-test"),
            slack_signing_secret=SecretStr(SECRET),
            slack_api_base_url=api.base_url,
            staff_channel=STAFF,
        )
        client = await serve(**{**conf, **overrides})
        patient = Patient()
        client.app[RUNTIME].desk.add_deliverer("rest", patient)
        return client, patient

    return start


async def signed(client, body: bytes, content_type: str):
    return await client.post(EVENTS, data=body, headers=signed_headers(SECRET, body, content_type))


async def event(client, payload):
    response = await signed(client, json.dumps(event_callback(payload)).encode(), "application/json")
    assert response.status == 200


async def click(client, action_id: str, value: str, message_ts: str, user: str = STAFF_USER):
    payload = block_actions(action_id, value, "http://127.0.0.1:9/unused", STAFF, message_ts, user=user)
    body = urlencode({"payload": json.dumps(payload)}).encode()
    response = await signed(client, body, "application/x-www-form-urlencoded")
    assert response.status == 200


async def ask(client, text: str, sender: str = "pat-1"):
    response = await client.post(HOOK, json={"sender": sender, "message": text})
    assert response.status == 200
    return (await response.json())[0]


async def escalated(client, api, sender: str = "pat-1", text: str = "can I talk to a real person"):
    """The patient asks for a person; returns the escalation post, its ts and the conversation id."""
    reply = await ask(client, text, sender)
    assert reply["custom"]["intent"] == "handoff"
    (post,) = await api.wait_for("chat.postMessage")
    ts = api.answers_to("chat.postMessage")[0]["ts"]
    (button,) = [e for b in post["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert button["action_id"] == "desk_take_over" and button["text"]["text"] == "Take over"
    return post, ts, button["value"], reply


async def thread_posts(api, ts: str, count: int):
    for _ in range(300):
        posts = [p for p in api.calls("chat.postMessage") if p.get("thread_ts") == ts]
        if len(posts) >= count:
            return posts
        await asyncio.sleep(0.01)
    raise AssertionError(f"expected {count} posts in thread {ts}: {api.calls('chat.postMessage')}")


async def test_take_over_reply_both_ways_and_hand_back(desk, api):
    client, patient = await desk()
    post, ts, conversation, reply = await escalated(client, api)
    assert "join this chat" in reply["text"] and conversation.startswith("c-") and "pat-1" not in json.dumps(post)

    await click(client, "desk_take_over", conversation, ts)
    (taken,) = await thread_posts(api, ts, 1)
    assert f"<@{STAFF_USER}> took over" in taken["text"]
    (notice,) = await patient.wait(1)
    assert notice.kind == "notice" and "now chatting with Riverside Skin's staff" in notice.text

    # the patient writes: the bot stays quiet, the message goes into the thread
    held = await client.post(HOOK, json={"sender": "pat-1", "message": "is it ok to exercise today?"})
    assert await held.json() == []  # nothing from the bot: staff have it
    relayed = (await thread_posts(api, ts, 2))[1]
    assert relayed["text"] == "Patient: is it ok to exercise today?"

    # staff reply in the thread: to the patient, signed as the clinic, and a check mark for staff
    await event(client, channel_message("Light exercise is fine after 24 hours.", channel=STAFF, thread_ts=ts))
    staff = (await patient.wait(2))[1]
    assert (staff.kind, staff.text, staff.author) == (
        "staff",
        "Light exercise is fine after 24 hours.",
        "Riverside Skin",
    )
    await api.wait_for("reactions.add")

    # hand back: the patient is told, and the bot answers again
    await click(client, "desk_hand_back", conversation, ts)
    back = (await patient.wait(3))[2]
    assert "back with Riverside Skin's automated assistant" in back.text
    answered = await ask(client, "how long does botox last")
    assert answered["custom"]["intent"] == "duration"

    audit = await client.app[RUNTIME].services.audit.entries(conversation=conversation)
    events = [r["event"] for r in audit]
    assert events[:1] == ["handoff.requested"] and "handoff.taken" in events and "staff.reply" in events
    assert "handoff.returned" in events and all("text" not in r for r in audit)  # no message text by default
    assert all(r.get("actor", "").startswith(("slack:", "bot", "patient")) for r in audit)


async def test_a_red_flag_while_staff_hold_the_conversation_is_answered_at_once(desk, api):
    client, patient = await desk()
    _, ts, conversation, _ = await escalated(client, api)
    await click(client, "desk_take_over", conversation, ts)
    await thread_posts(api, ts, 1)
    reply = await ask(client, "now my throat is closing up")
    assert reply["custom"]["emergency"] is True and reply["custom"]["urgency"] == "call_now"
    posts = await thread_posts(api, ts, 2)
    assert any("RED FLAG" in p["text"] for p in posts)
    escalations = [p for p in await api.wait_for("chat.postMessage", 4) if "Emergency" in p.get("text", "")]
    assert escalations  # and staff at large are told, as for any emergency


async def test_only_one_person_holds_a_conversation(desk, api):
    client, _ = await desk()
    _, ts, conversation, _ = await escalated(client, api)
    await click(client, "desk_take_over", conversation, ts, user="U0AMY")
    await click(client, "desk_take_over", conversation, ts, user="U0BEN")
    second = (await thread_posts(api, ts, 2))[1]
    assert "Already taken over by <@U0AMY>" in second["text"]


async def test_a_reply_before_anyone_took_over_is_not_sent(desk, api):
    client, patient = await desk()
    _, ts, _, _ = await escalated(client, api)
    await event(client, channel_message("hello?", channel=STAFF, thread_ts=ts))
    (said,) = await thread_posts(api, ts, 1)
    assert "Take over" in said["text"] and not patient.got


async def test_a_reply_the_channel_cannot_deliver_says_why(desk, api):
    client, patient = await desk()
    _, ts, conversation, _ = await escalated(client, api)
    await click(client, "desk_take_over", conversation, ts)
    await thread_posts(api, ts, 1)
    patient.refuse = "the number opted out (STOP)"
    await event(client, channel_message("Are you there?", channel=STAFF, thread_ts=ts))
    said = (await thread_posts(api, ts, 2))[1]
    assert "Not delivered to the patient: the number opted out (STOP)" in said["text"]


async def test_staff_names_sign_replies_when_the_setting_says_so(desk, api):
    client, patient = await desk(staff_names=True)
    _, ts, conversation, _ = await escalated(client, api)
    await click(client, "desk_take_over", conversation, ts)
    await event(client, channel_message("Hi, Amy here.", channel=STAFF, thread_ts=ts))
    staff = (await patient.wait(2))[1]
    assert staff.author == "Amy"


async def test_the_handoff_times_out_back_to_the_bot(desk, api):
    client, patient = await desk(handoff_timeout_seconds=0.2)
    _, ts, conversation, _ = await escalated(client, api)
    await click(client, "desk_take_over", conversation, ts)
    await patient.wait(1)
    await asyncio.sleep(0.3)
    answered = await ask(client, "how long does botox last")
    assert answered["custom"]["intent"] == "duration"  # the bot answers again
    timed_out = (await patient.wait(2))[1]
    assert "stepped away" in timed_out.text
    posts = await thread_posts(api, ts, 2)
    assert "no staff reply within the handoff timeout" in posts[-1]["text"]


CLOSED = """
version: "1"
hours:
  time_zone: America/New_York
  open: {}
"""


async def test_outside_business_hours_the_patient_is_told_and_can_leave_a_number(desk, api, tmp_path):
    clinic = tmp_path / "clinic.yml"
    clinic.write_text(CLOSED.replace("{}", '{"mon": "09:00-17:00"}'), encoding="utf-8")
    client, _ = await desk(clinic_file=clinic)
    runtime = client.app[RUNTIME]
    runtime.services.hours.is_open = lambda when: False  # whatever the day the test runs
    post, ts, conversation, reply = await escalated(client, api)
    assert "desk is closed now; it opens" in reply["text"] and "Monday" in reply["text"] or "tomorrow" in reply["text"]
    assert "Outside business hours" in json.dumps(post["blocks"])
    thanks = await ask(client, "yes please call me at 212-555-0147")
    assert "call you back" in thanks["text"]
    (callback,) = await thread_posts(api, ts, 1)
    assert "212-555-0147" in callback["text"]


async def test_forget_me_deletes_the_conversation_and_is_audited(desk, api):
    client, patient = await desk()
    _, ts, conversation, _ = await escalated(client, api)
    runtime = client.app[RUNTIME]
    assert await runtime.desk.case(conversation) is not None
    assert await runtime.store.get_context("rest:pat-1") is not None
    reply = await ask(client, "please forget me")
    assert reply["text"].startswith("Done: I have deleted")
    assert await runtime.desk.case(conversation) is None
    assert await runtime.store.get_context("rest:pat-1") is None
    (deletion,) = await runtime.services.audit.entries(conversation=conversation, event="deletion")
    assert deletion["actor"] == "patient" and deletion["complete"] is True
    await click(client, "desk_take_over", conversation, ts)
    (said,) = await thread_posts(api, ts, 1)
    assert "asked to be forgotten" in said["text"]


async def test_borra_mis_datos_is_answered_in_spanish(desk):
    client, _ = await desk()
    await ask(client, "cuánto dura el bótox", sender="es-1")
    reply = await ask(client, "borra mis datos por favor", sender="es-1")
    assert reply["text"].startswith("Hecho: he borrado")


async def test_the_weekly_digest_is_posted_once_on_monday_morning(desk, api, tmp_path):
    from datetime import UTC, datetime

    client, _ = await desk(review=True, data_dir=tmp_path)
    runtime = client.app[RUNTIME]
    await ask(client, "how long does botox last")
    await ask(client, "what is the capital of france")
    tuesday, monday = datetime(2025, 3, 4, 14, tzinfo=UTC), datetime(2025, 3, 10, 14, tzinfo=UTC)
    assert not await runtime.post_digest(tuesday)
    assert await runtime.post_digest(monday)
    assert not await runtime.post_digest(monday)  # once a week, whichever instance is first
    (digest,) = [p for p in await api.wait_for("chat.postMessage") if p["text"].startswith("Weekly digest")]
    assert digest["channel"] == STAFF and "2025-W10" in digest["text"]
