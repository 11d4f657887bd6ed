"""The desk on the web chat: the privacy notice, staff replies by long poll (over HTTP, and in a real browser),
helpful / not helpful, and "forget me" from the page."""

from __future__ import annotations

import asyncio
import json
from urllib.parse import urlencode

import pytest
from pydantic import SecretStr

from botox_bot.app import RUNTIME
from tests.slack_mock import STAFF_USER, SlackWebAPIMock, block_actions, channel_message, event_callback, signed_headers

SECRET = "slack-signing-secret"
STAFF = "C0STAFF"
MESSAGES, UPDATES, FEEDBACK = "/chat/messages", "/chat/updates", "/chat/feedback"


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
        return await serve(**{**conf, **overrides})

    return start


async def slack_event(client, payload: dict, form: bool = False) -> None:
    if form:
        body = urlencode({"payload": json.dumps(payload)}).encode()
        headers = signed_headers(SECRET, body, "application/x-www-form-urlencoded")
    else:
        body = json.dumps(event_callback(payload)).encode()
        headers = signed_headers(SECRET, body, "application/json")
    assert (await client.post("/slack/events", data=body, headers=headers)).status == 200


async def take_over(client, api) -> str:
    """Press Take over on the (first) escalation; returns the escalation's ts."""
    (post,) = await api.wait_for("chat.postMessage")
    ts = api.answers_to("chat.postMessage")[0]["ts"]
    conversation = post["blocks"][-1]["elements"][0]["value"]
    await slack_event(client, block_actions("desk_take_over", conversation, "http://127.0.0.1:9/x", STAFF, ts), True)
    return ts


async def test_the_page_shows_the_privacy_notice_and_the_clinics_own(desk):
    client = await desk()
    page = await (await client.get("/")).text()
    assert "forget me" in page and "30 minutes" in page and 'data-updates="/chat/updates"' in page
    spanish = await (await client.get("/?lang=es")).text()
    assert "borra mis datos" in spanish
    own = await desk(privacy_notice="Riverside keeps nothing longer than a day.")
    assert "Riverside keeps nothing longer than a day." in await (await own.get("/")).text()


async def test_a_staff_reply_reaches_the_page_by_long_poll(desk, api):
    client = await desk()
    sender = "web-" + "a" * 32
    asked = await (
        await client.post(MESSAGES, json={"sender": sender, "message": "can I talk to a real person"})
    ).json()
    assert asked[0]["custom"]["handoff"] is True
    ts = await take_over(client, api)
    first = await (await client.get(UPDATES, params={"sender": sender})).json()
    assert [m["kind"] for m in first["messages"]] == ["notice"]

    waiting = asyncio.create_task(client.get(UPDATES, params={"sender": sender}))
    await asyncio.sleep(0.2)  # the poll is waiting when the reply is written
    await slack_event(
        client, channel_message("Hello, this is the clinic.", channel=STAFF, thread_ts=ts, user=STAFF_USER)
    )
    got = await (await waiting).json()
    assert got["messages"] == [
        {
            "kind": "staff",
            "text": "Hello, this is the clinic.",
            "author": "Riverside Skin",
            "t": got["messages"][0]["t"],
        }
    ]
    held = await client.post(MESSAGES, json={"sender": sender, "message": "thank you!"})
    assert await held.json() == []


async def test_the_long_poll_answers_empty_after_a_while(desk):
    client = await desk(request_timeout_seconds=4)  # the poll waits a second under the request timeout
    response = await client.get(UPDATES, params={"sender": "web-" + "b" * 32})
    assert response.status == 200 and (await response.json()) == {"messages": []}


async def test_updates_and_feedback_need_the_pages_own_web_token(desk):
    client = await desk(webhook_secret=SecretStr("w" * 40))
    assert (await client.get(UPDATES, params={"sender": "web-" + "c" * 32})).status == 401
    page = await (await client.get("/")).text()
    sender = page.split('data-sender="')[1].split('"')[0]
    token = page.split('data-token="')[1].split('"')[0]
    headers = {"X-Botox-Web-Token": token}
    other = await client.get(UPDATES, params={"sender": "web-" + "d" * 32}, headers=headers)
    assert other.status == 401  # a page cannot read another page's replies
    vote = await client.post(FEEDBACK, json={"sender": sender, "intent": "duration", "helpful": True}, headers=headers)
    assert vote.status == 204


async def test_not_helpful_keeps_the_question_for_review_scrubbed(desk, tmp_path):
    client = await desk(review=True, data_dir=tmp_path)  # review items of its own
    sender = "web-" + "e" * 32
    question = "how long does botox last? my name is Sarah Connor"
    answered = await (await client.post(MESSAGES, json={"sender": sender, "message": question})).json()
    intent = answered[0]["custom"]["intent"]
    vote = await client.post(FEEDBACK, json={"sender": sender, "intent": intent, "helpful": False})
    assert vote.status == 204
    (item,) = await client.app[RUNTIME].services.review.pending()
    assert item.reason == "not_helpful" and "Sarah" not in item.text and "how long does botox last?" in item.text
    metrics = await (await client.get("/metrics")).text()
    assert f'botox_bot_feedback_total{{channel="web",helpful="no",intent="{intent}"}} 1.0' in metrics


async def test_forget_me_from_the_page(desk):
    client = await desk()
    sender = "web-" + "f" * 32
    await client.post(MESSAGES, json={"sender": sender, "message": "how long does botox last"})
    runtime = client.app[RUNTIME]
    assert await runtime.store.get_context(f"web:{sender}")
    done = await (await client.post(MESSAGES, json={"sender": sender, "message": "forget me"})).json()
    assert done[0]["text"].startswith("Done: I have deleted") and not done[0]["custom"]["emergency"]
    assert await runtime.store.get_context(f"web:{sender}") is None


async def test_forget_me_never_hides_a_red_flag(desk):
    client = await desk()
    reply = await (
        await client.post(MESSAGES, json={"sender": "web-" + "g" * 32, "message": "forget me, my throat is closing"})
    ).json()
    assert reply[0]["custom"]["emergency"] is True
