"""The desk across instances, with a real Redis (slow): staff take over on one instance while the patient is
served by the other, replies cross over through the shared outbox; and Redis going down mid-handoff.

The patient side is the webhook with the desk's own shared outbox as its deliverer (what the web chat uses), so
what reaches the patient is read from the outbox by the other instance, as the web page's poll would.
"""

from __future__ import annotations

import asyncio
import json
from urllib.parse import urlencode

import pytest
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr

from botox_bot.app import RUNTIME, create_app
from botox_bot.core.engine import Engine
from botox_bot.store.failover import FailoverStore
from botox_bot.store.redis import RedisStore
from tests.redis_server import STORE_KEY
from tests.slack_mock import STAFF_USER, SlackWebAPIMock, block_actions, channel_message, event_callback, signed_headers

pytestmark = pytest.mark.slow

SECRET = "slack-signing-secret"
HOOK = "/webhooks/rest/webhook"
STAFF = "C0STAFF"


@pytest.fixture
async def two(redis, engine, settings):
    """Instance A (where Slack's events land) and instance B (where the patient's requests land)."""
    async with SlackWebAPIMock() as slack:
        conf = settings.model_copy(
            update=dict(
                slack_bot_token=SecretStr("xoxb-test"),
                slack_signing_secret=SecretStr(SECRET),
                slack_api_base_url=slack.base_url,
                staff_channel=STAFF,
                redis_url=redis.url,
                store_key=SecretStr(STORE_KEY),
                webhook_secret=None,
            )
        )
        clients = []
        for _ in range(2):
            store = FailoverStore(RedisStore(redis.url, STORE_KEY), retry_seconds=0.2)
            app = create_app(
                conf, engine=Engine(engine.content, engine.classifier, conf.engine_config(), store), store=store
            )
            desk = app[RUNTIME].desk
            desk.add_deliverer("rest", desk.push_outbox)  # the web chat's deliverer: the shared outbox
            client = TestClient(TestServer(app, host="127.0.0.1"))
            await client.start_server()
            clients.append(client)
        yield clients, slack
        for client in clients:
            await client.close()


async def slack_post(client, payload: dict, form: bool = False):
    if form:
        body = urlencode({"payload": json.dumps(payload)}).encode()
        headers = signed_headers(SECRET, body, "application/x-www-form-urlencoded")
    else:
        body = json.dumps(event_callback(payload)).encode()
        headers = signed_headers(SECRET, body, "application/json")
    response = await client.post("/slack/events", data=body, headers=headers)
    assert response.status == 200


async def thread_posts(slack, ts: str, count: int):
    for _ in range(300):
        posts = [p for p in slack.calls("chat.postMessage") if p.get("thread_ts") == ts]
        if len(posts) >= count:
            return posts
        await asyncio.sleep(0.01)
    raise AssertionError(f"expected {count} posts in thread {ts}")


async def test_take_over_on_one_instance_with_the_patient_on_the_other(two):
    (a, b), slack = two
    asked = await (await b.post(HOOK, json={"sender": "pat", "message": "can I talk to a real person"})).json()
    assert asked[0]["custom"]["intent"] == "handoff"
    (post,) = await slack.wait_for("chat.postMessage")
    ts = slack.answers_to("chat.postMessage")[0]["ts"]
    conversation = post["blocks"][-1]["elements"][0]["value"]

    await slack_post(a, block_actions("desk_take_over", conversation, "http://127.0.0.1:9/x", STAFF, ts), form=True)
    b_desk = b.app[RUNTIME].desk
    (notice,) = await b_desk.wait_outbox(conversation, timeout=5)  # written by A, read by B
    assert notice["kind"] == "notice" and "now chatting" in notice["text"]

    held = await (await b.post(HOOK, json={"sender": "pat", "message": "are you there?"})).json()
    assert held == []  # B knows A's staff hold the conversation
    relayed = (await thread_posts(slack, ts, 2))[1]
    assert relayed["text"] == "Patient: are you there?"

    await slack_post(a, channel_message("Yes, I'm here.", channel=STAFF, thread_ts=ts, user=STAFF_USER))
    (reply,) = await b_desk.wait_outbox(conversation, timeout=5)
    assert (reply["kind"], reply["text"]) == ("staff", "Yes, I'm here.")


async def test_redis_down_during_a_handoff_tells_staff_plainly(two, redis):
    (a, b), slack = two
    await b.post(HOOK, json={"sender": "pat2", "message": "can I talk to a real person"})
    (post,) = await slack.wait_for("chat.postMessage")
    ts = slack.answers_to("chat.postMessage")[0]["ts"]
    conversation = post["blocks"][-1]["elements"][0]["value"]
    await slack_post(a, block_actions("desk_take_over", conversation, "http://127.0.0.1:9/x", STAFF, ts), form=True)
    await thread_posts(slack, ts, 1)

    redis.stop()
    await slack_post(a, channel_message("Still there?", channel=STAFF, thread_ts=ts, user=STAFF_USER))
    posts = await thread_posts(slack, ts, 2)
    assert any(p["text"].startswith("Not sent.") and "(Redis) is unreachable" in p["text"] for p in posts[1:])
    # the patient still gets an answer from B, from the bot (B cannot see A's hold)
    answered = await b.post(HOOK, json={"sender": "pat2", "message": "how long does botox last"})
    assert answered.status == 200 and (await answered.json())[0]["custom"]["intent"] == "duration"
    redis.start()
