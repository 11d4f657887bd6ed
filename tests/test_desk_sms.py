"""The desk by SMS: staff replies sent through Twilio's REST API (mocked on loopback) with the SMS rules (never to
a number that sent STOP, within 1,600 characters), patient texts into the thread while held; and an opted-out
number's emergency told to staff truthfully (security review H3)."""

from __future__ import annotations

import asyncio
import json
from urllib.parse import urlencode

import pytest
from pydantic import SecretStr

from tests.slack_mock import STAFF_USER, SlackWebAPIMock, block_actions, channel_message, event_callback, signed_headers
from tests.test_twilio import CALLER, TOKEN, post_signed, sms_body, sms_form, twiml
from tests.twilio_mock import ACCOUNT_SID, FROM_NUMBER, TwilioRestMock

SECRET = "slack-signing-secret"
STAFF = "C0STAFF"


@pytest.fixture
async def api():
    async with SlackWebAPIMock() as mock:
        yield mock


@pytest.fixture
async def rest():
    async with TwilioRestMock() as mock:
        yield mock


@pytest.fixture
def desk(api, rest, serve):
    async def start(**overrides):
        conf = dict(
            slack_bot_token=SecretStr("xoxb-test"),
            slack_signing_secret=SecretStr(SECRET),
            slack_api_base_url=api.base_url,
            staff_channel=STAFF,
            twilio_auth_token=SecretStr(TOKEN),
            twilio_account_sid=ACCOUNT_SID,
            twilio_from_number=FROM_NUMBER,
            twilio_api_base_url=rest.base_url,
        )
        return await serve(**{**conf, **overrides})

    return start


async def sms(client, text: str) -> str | None:
    return sms_body(await twiml(await post_signed(client, "/twilio/sms", sms_form(text))))


async def slack_event(client, payload: dict, form: bool = False) -> None:
    if form:
        body = urlencode({"payload": json.dumps(payload)}).encode()
        headers = signed_headers(SECRET, body, "application/x-www-form-urlencoded")
    else:
        body = json.dumps(event_callback(payload)).encode()
        headers = signed_headers(SECRET, body, "application/json")
    assert (await client.post("/slack/events", data=body, headers=headers)).status == 200


async def thread_posts(api, ts: str, count: int):
    for _ in range(300):
        posts = [p for p in api.calls("chat.postMessage") if p.get("thread_ts") == ts]
        if len(posts) >= count:
            return posts
        await asyncio.sleep(0.01)
    raise AssertionError(f"expected {count} posts in thread {ts}")


async def taken(client, api) -> str:
    (post,) = await api.wait_for("chat.postMessage")
    ts = api.answers_to("chat.postMessage")[0]["ts"]
    conversation = post["blocks"][-1]["elements"][0]["value"]
    assert CALLER not in json.dumps(post)
    await slack_event(client, block_actions("desk_take_over", conversation, "http://127.0.0.1:9/x", STAFF, ts), True)
    return ts


async def test_staff_reply_by_sms_through_twilios_rest_api(desk, api, rest):
    client = await desk()
    asked = await sms(client, "can I talk to a real person please")
    assert "join this chat" in asked
    ts = await taken(client, api)
    (notice,) = await rest.wait_for(1)
    assert notice["To"] == CALLER and notice["From"] == FROM_NUMBER and notice["auth_user"] == ACCOUNT_SID
    assert notice["account"] == ACCOUNT_SID and "now chatting with Riverside Skin's staff" in notice["Body"]

    assert await sms(client, "ok, is bruising normal?") is None  # held: no bot reply, the thread has it
    assert (await thread_posts(api, ts, 2))[1]["text"] == "Patient: ok, is bruising normal?"

    long = "Some bruising is normal. " * 100  # 2,500 characters
    await slack_event(client, channel_message(long.strip(), channel=STAFF, thread_ts=ts, user=STAFF_USER))
    reply = (await rest.wait_for(2))[1]
    assert reply["Body"].startswith("Riverside Skin: Some bruising is normal.") and len(reply["Body"]) <= 1600
    await api.wait_for("reactions.add")


async def test_a_number_that_sent_stop_gets_no_staff_sms_and_staff_are_told(desk, api, rest):
    client = await desk()
    await sms(client, "can I talk to a real person please")
    ts = await taken(client, api)
    await rest.wait_for(1)
    await sms(client, "STOP")
    await slack_event(client, channel_message("Are you still there?", channel=STAFF, thread_ts=ts, user=STAFF_USER))
    said = await thread_posts(api, ts, 2)
    assert "Not delivered to the patient: the number opted out (STOP)" in said[-1]["text"]
    assert len(rest.sent) == 1  # the notice before the STOP, nothing after


async def test_twilio_refusing_is_said_in_the_thread(desk, api, rest):
    client = await desk()
    await sms(client, "can I talk to a real person please")
    rest.refuse = (21610, "Attempt to send to unsubscribed recipient")
    ts = await taken(client, api)
    said = (await thread_posts(api, ts, 1))[0]
    assert "could not be told" in said["text"] and "21610" in said["text"]


async def test_an_opted_out_numbers_emergency_tells_staff_no_reply_was_sent(desk, api, rest):
    client = await desk()
    await sms(client, "STOP")
    assert await sms(client, "I cant breathe properly since my botox") is None
    (post,) = await api.wait_for("chat.postMessage")
    assert "NO reply could be sent to the patient (opted out: the number sent STOP)" in post["text"]
    assert "answer sent" not in post["text"] and CALLER in json.dumps(post["blocks"])
    assert not any(b["type"] == "actions" for b in post["blocks"])  # nothing to take over: no SMS may be sent
    assert rest.sent == []
