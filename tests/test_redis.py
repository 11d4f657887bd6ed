"""Shared state in Redis: the store contract, two instances behaving as one, and a Redis outage survived."""

from __future__ import annotations

import asyncio
import json

import pytest
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr

from botox_bot.app import create_app
from botox_bot.core.engine import Engine
from botox_bot.store import MemoryStore
from botox_bot.store.failover import FailoverStore
from botox_bot.store.redis import RedisStore
from tests.redis_server import STORE_KEY
from tests.slack_mock import BOT_USER_ID, SlackWebAPIMock, app_mention, event_callback, signed_headers

pytestmark = pytest.mark.slow  # a real redis-server, started, stopped and restarted

HOOK = "/webhooks/rest/webhook"
SLACK_SECRET = "slack-signing-secret"


# -- the contract, for both stores -------------------------------------------------------------------
@pytest.fixture(params=["memory", "redis"])
async def store(request):
    if request.param == "memory":
        yield MemoryStore()
        return
    server = request.getfixturevalue("redis")
    shared = RedisStore(server.url, STORE_KEY)
    yield shared
    await shared.close()


async def test_context_expires(store):
    await store.set_context("rest:a", {"intent": "duration"}, 1)
    assert await store.get_context("rest:a") == {"intent": "duration"}
    await store.set_context("rest:b", {"x": 1}, 0)
    assert await store.get_context("rest:b") is None
    await asyncio.sleep(1.2)
    assert await store.get_context("rest:a") is None


async def test_claims_sets_rate_limits_counters(store):
    assert store.name in {"memory", "redis"}
    assert await store.claim("slack:event:Ev1", 60) is True
    assert await store.claim("slack:event:Ev1", 60) is False
    await store.add_member("opted-out", "+1555")
    assert await store.has_member("opted-out", "+1555") and not await store.has_member("opted-out", "+1666")
    assert not await store.has_member("other-set", "+1555")
    await store.remove_member("opted-out", "+1555")
    assert not await store.has_member("opted-out", "+1555")
    await store.remove_member("never-written", "+1555")  # removing from a set that does not exist is fine
    assert [await store.rate_limit("sms:+1", 2) for _ in range(3)][:2] == [None, None]
    assert 1 <= await store.rate_limit("sms:+1", 2) <= 60
    await store.increment("feedback", "duration:yes")
    await store.increment("feedback", "duration:yes")
    assert await store.status() == "ok"


async def test_gather_is_claim_rate_limit_and_context_in_one_call(store):
    await store.set_context("rest:g", {"topic": "duration"}, 60)
    first = await store.gather("rest:g", "rest:g", 2, claim_key="signature:s1", claim_ttl=60)
    assert first.claimed and first.retry_after is None and first.context == {"topic": "duration"}
    replay = await store.gather("rest:g", "rest:g", 2, claim_key="signature:s1", claim_ttl=60)
    assert not replay.claimed  # taken already: refused, and the limit not counted
    assert (await store.gather("rest:g", "rest:g", 2)).retry_after is None
    assert 1 <= (await store.gather("rest:g", "rest:g", 2)).retry_after <= 60
    assert (await store.gather("rest:none")).context is None


async def test_gather_counts_a_second_window_apart(store):
    """A client address that invents a sender per message is held by its own window, in the same call."""
    address = ("address:203.0.113.9", 2)
    first = [await store.gather("rest:x", f"rest:x{i}", 5, second_limit=address) for i in range(2)]
    assert [g.retry_after for g in first] == [None, None]
    third = await store.gather("rest:x", "rest:x9", 5, second_limit=address)
    assert third.retry_after is not None and 1 <= third.retry_after <= 60  # a new sender, the same address
    assert (await store.gather("rest:x", "rest:x9", 5)).retry_after is None  # the sender's own window allows it


async def test_gather_survives_redis_forgetting_its_scripts(redis):
    """After a restart or SCRIPT FLUSH, Redis has no cached script: the client sends it again, once."""
    store = RedisStore(redis.url, STORE_KEY)
    assert (await store.gather("rest:s", "rest:s", 5)).retry_after is None
    await store.client.execute("SCRIPT", "FLUSH")
    assert (await store.gather("rest:s", "rest:s", 5)).retry_after is None
    await store.close()


async def test_redis_keys_are_the_ones_older_releases_wrote(redis):
    """An upgrade keeps the opt-outs and feedback counts a running Redis already holds."""
    from botox_bot.channels.slack.feedback import count_feedback
    from botox_bot.channels.twilio.optouts import OptOuts

    shared = RedisStore(redis.url, STORE_KEY)
    await shared.client.execute("SADD", "botox-bot:opted-out", "+1555")  # as the release before the primitives wrote it
    assert await OptOuts(shared).opted_out("+1555")
    assert await shared.client.execute("SMEMBERS", "botox-bot:opted-out") == [
        shared.hashed("+1555").encode()
    ]  # hashed since
    await count_feedback(shared, "duration", "yes")
    assert await shared.client.execute("HGETALL", "botox-bot:feedback") == [b"duration:yes", b"1"]
    await shared.close()


# -- two instances, one Redis ------------------------------------------------------------------------
@pytest.fixture
async def two_instances(redis, engine, settings):
    """Two apps on their own ports, sharing Redis (and a mock Slack), as behind a load balancer."""
    async with SlackWebAPIMock() as slack:
        conf = settings.model_copy(
            update=dict(
                rate_limit=3,
                slack_bot_token=SecretStr("xoxb-test"),
                slack_signing_secret=SecretStr(SLACK_SECRET),
                slack_api_base_url=slack.base_url,
                twilio_auth_token=SecretStr("tw"),
                redis_url=redis.url,
                store_key=SecretStr(STORE_KEY),
                choice_margin=1.0,  # a close call offers choices, whatever the model's exact scores
            )
        )
        clients = []
        for _ in range(2):
            store = FailoverStore(RedisStore(redis.url, STORE_KEY))
            app = create_app(
                conf, engine=Engine(engine.content, engine.classifier, conf.engine_config(), store), store=store
            )
            client = TestClient(TestServer(app, host="127.0.0.1"))
            await client.start_server()
            clients.append(client)
        yield clients, slack
        for client in clients:
            await client.close()


async def test_a_slack_retry_to_the_other_instance_is_not_answered_again(two_instances):
    (a, b), slack = two_instances
    body = json.dumps(event_callback(app_mention(f"<@{BOT_USER_ID}> how long does botox last?"))).encode()
    first = await a.post("/slack/events", data=body, headers=signed_headers(SLACK_SECRET, body, "application/json"))
    retry = await b.post(
        "/slack/events",
        data=body,
        headers={
            **signed_headers(SLACK_SECRET, body, "application/json"),
            "X-Slack-Retry-Num": "1",
            "X-Slack-Retry-Reason": "http_timeout",
        },
    )
    assert first.status == retry.status == 200
    await slack.wait_for("chat.postMessage")
    await asyncio.sleep(0.3)
    assert len(slack.calls("chat.postMessage")) == 1


async def test_a_follow_up_reaches_the_context_the_other_instance_stored(two_instances):
    (a, b), _ = two_instances
    first = await (await a.post(HOOK, json={"sender": "p1", "message": "repeat treatment side effects"})).json()
    second = first[0]["buttons"][1]["payload"].lstrip("/").split("{")[0]
    picked = await (await b.post(HOOK, json={"sender": "p1", "message": "2"})).json()
    assert picked[0]["custom"]["intent"] == second


async def test_the_rate_limit_counts_across_instances(two_instances):
    (a, b), _ = two_instances
    statuses = [
        (await (a if i % 2 else b).post(HOOK, json={"sender": "fast", "message": "hi"})).status for i in range(4)
    ]
    assert statuses == [200, 200, 200, 429]


async def test_an_opt_out_holds_everywhere(two_instances):
    from tests.test_twilio import post_signed, sms_body, sms_form, twiml

    (a, b), _ = two_instances
    await post_signed(a, "/twilio/sms", sms_form("STOP"), token="tw")
    silent = await twiml(await post_signed(b, "/twilio/sms", sms_form("how long does botox last?"), token="tw"))
    assert sms_body(silent) is None


# -- Redis down, and back ----------------------------------------------------------------------------
async def test_redis_down_keeps_answering_says_degraded_and_recovers(redis, engine, settings):
    from tests.test_twilio import post_signed, sms_form

    conf = settings.model_copy(
        update=dict(redis_url=redis.url, store_key=SecretStr(STORE_KEY), twilio_auth_token=SecretStr("tw"))
    )
    store = FailoverStore(RedisStore(redis.url, STORE_KEY), retry_seconds=0.2)
    app = create_app(conf, engine=Engine(engine.content, engine.classifier, conf.engine_config(), store), store=store)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        assert (await (await client.get("/readyz")).json())["degraded"] is False
        redis.stop()
        answer = await client.post(HOOK, json={"sender": "p", "message": "how long does botox last?"})
        assert answer.status == 200 and (await answer.json())[0]["custom"]["intent"] == "duration"
        ready = await client.get("/readyz")
        assert ready.status == 200 and (await ready.json())["degraded"] is True
        await post_signed(client, "/twilio/sms", sms_form("STOP", sender="+15550001"), token="tw")

        redis.start()  # the same port, empty
        for _ in range(50):
            if not (await (await client.get("/readyz")).json())["degraded"]:
                break
            await asyncio.sleep(0.1)
        assert (await (await client.get("/readyz")).json())["degraded"] is False
        check = RedisStore(redis.url, STORE_KEY, timeout=5)  # its own patience: CI machines are loaded
        assert await check.has_member("opted-out", "+15550001")  # the STOP taken during the outage reached Redis
        await check.close()
        assert (await client.post(HOOK, json={"sender": "p", "message": "thanks"})).status == 200


async def test_a_flood_from_one_sender_is_held_to_the_shared_limit(two_instances):
    (a, b), _ = two_instances

    async def send(client, sender):
        return (await client.post(HOOK, json={"sender": sender, "message": "how long does it last"})).status

    flood = await asyncio.gather(*(send(a if i % 2 else b, "flooder") for i in range(60)))
    assert flood.count(200) == 3 and flood.count(429) == 57  # rate_limit=3 a minute, counted across both
    others = await asyncio.gather(*(send(a if i % 2 else b, f"patient-{i}") for i in range(10)))
    assert others == [200] * 10


async def test_an_instance_killed_mid_conversation_loses_nothing(redis, model_cache, tmp_path):
    """Two real processes: the first is killed (SIGKILL) after storing context; the second carries on."""
    import os
    import signal
    import sys

    from tests.conftest import REPO

    env = {k: v for k, v in os.environ.items() if not k.startswith("BOTOX_BOT_")}
    env.update(
        BOTOX_BOT_CACHE_DIR=str(model_cache),
        PYTHONPATH=str(REPO),
        REDIS_URL=redis.url,
        BOTOX_BOT_STORE_KEY=STORE_KEY,
        BOTOX_BOT_CHOICE_MARGIN="1",
    )
    procs, urls = [], []
    try:
        for _ in range(2):
            proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "botox_bot",
                "serve",
                "--port",
                "0",
                env=env,
                cwd=tmp_path,
                stderr=asyncio.subprocess.PIPE,
            )
            procs.append(proc)
            while True:
                line = json.loads(await asyncio.wait_for(proc.stderr.readline(), 30))
                if line["message"] == "listening":
                    urls.append(line["url"])
                if line["message"] == "ready":
                    break
        from aiohttp import ClientSession

        async with ClientSession() as session:
            first = await (
                await session.post(urls[0] + HOOK, json={"sender": "k", "message": "repeat treatment side effects"})
            ).json()
            second = first[0]["buttons"][1]["payload"].lstrip("/").split("{")[0]
            procs[0].send_signal(signal.SIGKILL)
            await procs[0].wait()
            picked = await (await session.post(urls[1] + HOOK, json={"sender": "k", "message": "2"})).json()
            assert picked[0]["custom"]["intent"] == second
            ready = await (await session.get(urls[1] + "/readyz")).json()
            assert ready["store"] == "redis" and ready["degraded"] is False
    finally:
        for proc in procs:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()


async def test_after_a_redis_restart_every_pooled_connection_recovers(redis):
    """Connections opened before the restart are dead after it; none of them may fail a call."""
    store = RedisStore(redis.url, STORE_KEY)
    await asyncio.gather(*(store.get_context(f"c{i}") for i in range(30)))  # fill the pool
    redis.stop()
    redis.start()
    results = await asyncio.gather(*(store.get_context(f"c{i}") for i in range(30)), return_exceptions=True)
    assert [r for r in results if isinstance(r, BaseException)] == []
    await store.close()


async def _until_recovered(store: FailoverStore) -> None:
    for _ in range(100):
        if not store.degraded:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the store did not recover")


async def test_a_claim_made_while_redis_was_up_still_holds_through_an_outage_and_an_empty_restart(redis):
    """A signed request (or a Slack event) seen once is refused again while Redis is down and after it comes
    back empty (no persistence): the instance keeps its own record of what it accepted."""
    store = FailoverStore(RedisStore(redis.url, STORE_KEY), retry_seconds=0.05)
    assert await store.claim("signature:v1=abc", 600) is True
    redis.stop()
    assert await store.claim("signature:v1=abc", 600) is False  # degraded: refused from the local record
    assert store.degraded
    redis.start()  # the same port, empty
    await _until_recovered(store)
    assert await store.claim("signature:v1=abc", 600) is False
    assert await store.claim("signature:v1=new", 600) is True
    await store.close()


async def test_recovery_does_not_flip_back_to_degraded_on_the_next_rate_limited_message(redis):
    """The rate limiter keeps a connection pool of its own; after an outage its dead connections are reset too."""
    store = FailoverStore(RedisStore(redis.url, STORE_KEY), retry_seconds=0.05)
    assert await store.rate_limit("rest:p", 20) is None  # the limiter's pool now holds a connection
    redis.stop()
    redis.start()
    await store.get_context("x")  # the first call after the restart...
    await _until_recovered(store)  # (...may or may not have noticed; either way the store is back)
    for _ in range(3):
        assert await store.rate_limit("rest:p", 20) is None
    assert not store.degraded
    await store.close()
