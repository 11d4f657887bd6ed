"""Nothing the bot keeps in Redis names a patient: every channel is used against a real redis-server, then every
key and every value Redis holds is read and searched for the phone numbers, sender ids and message text sent.

Redis is written to disk (RDB, AOF) and into backups; the store keeps keyed hashes (HMAC-SHA256 with
``BOTOX_BOT_STORE_KEY``) in their place, and everything it keeps expires, except the opt-out set (which holds
hashes) and the feedback counts (which name no one).
"""

from __future__ import annotations

import asyncio
import json
import re

import pytest
import redis as sync_redis
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr

from botox_bot.app import create_app
from botox_bot.core.engine import Engine
from botox_bot.server import signing
from botox_bot.store.failover import FailoverStore
from botox_bot.store.redis import RedisStore
from tests.redis_server import STORE_KEY
from tests.slack_mock import SlackWebAPIMock, app_mention, event_callback, signed_headers
from tests.teams_mock import USER_AAD, USER_ID, ConnectorMock, KeySet, KeySetServer, TokenProviderMock
from tests.teams_mock import message as teams_message
from tests.test_twilio import call_form, post_signed, sms_form

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::aiohttp.web.NotAppKeyWarning")]

WEBHOOK_SECRET = "privacy-test-webhook-secret-0123456789abcdef"
SLACK_SECRET = "privacy-test-slack-signing-secret"
TWILIO_TOKEN = "privacy-test-twilio-token"
MARKER = "quokkazebra"  # in every message, so message text would be found wherever it went
SMS_PHONE, STOP_PHONE, CALLER = "+15557654321", "+15558889999", "+15559876543"
WEBHOOK_SENDER = "alice.patient@example.com"
SLACK_USER = "U0PATIENT7"


def _needles(web_sender: str) -> list[str]:
    """Every way the people in this test could be named at rest."""
    phones = [SMS_PHONE, STOP_PHONE, CALLER]
    return [
        *phones,
        *(p.lstrip("+") for p in phones),
        *(p[-10:] for p in phones),
        WEBHOOK_SENDER,
        web_sender,
        web_sender.removeprefix("web-"),
        SLACK_USER,
        USER_AAD,
        USER_ID,
        MARKER,
    ]


def _everything(url: str) -> list[tuple[str, str, int, list[bytes]]]:
    """(key, type, ttl, values) for every key Redis holds, values as raw bytes."""
    client = sync_redis.Redis.from_url(url)
    found = []
    for raw_key in client.scan_iter(count=1000):
        kind = client.type(raw_key).decode()
        if kind == "string":
            values = [client.get(raw_key) or b""]
        elif kind == "hash":
            values = [b for pair in client.hgetall(raw_key).items() for b in pair]
        elif kind == "set":
            values = list(client.smembers(raw_key))
        elif kind == "zset":
            values = [m for m, _ in client.zrange(raw_key, 0, -1, withscores=True)]
        elif kind == "list":
            values = client.lrange(raw_key, 0, -1)
        else:
            values = [kind.encode()]
        found.append((raw_key.decode("utf-8", "replace"), kind, client.ttl(raw_key), values))
    client.close()
    return found


async def test_what_redis_holds_after_every_channel_names_no_patient(redis, engine, settings, monkeypatch):
    from botox_bot.channels.teams import TeamsChannel

    provider = TokenProviderMock()
    monkeypatch.setattr(TeamsChannel, "token_provider_factory", provider.factory)
    keys = KeySet()
    async with SlackWebAPIMock() as slack, KeySetServer(keys) as key_server, ConnectorMock() as connector:
        conf = settings.model_copy(
            update=dict(
                webhook_secret=SecretStr(WEBHOOK_SECRET),
                slack_bot_token=SecretStr("xoxb-test"),
                slack_signing_secret=SecretStr(SLACK_SECRET),
                slack_api_base_url=slack.base_url,
                staff_channel="C0STAFF",
                twilio_auth_token=SecretStr(TWILIO_TOKEN),
                teams_client_id="7c1f3b2a-4d5e-4f60-8a9b-0c1d2e3f4a5b",
                teams_client_secret=SecretStr("client-secret"),
                teams_tenant_id="4e2d1c0b-9a8f-4e7d-b6c5-a4b3c2d1e0f9",
                teams_jwks_url=key_server.url,
                redis_url=redis.url,
                store_key=SecretStr(STORE_KEY),
                rate_limit=50,
            )
        )
        store = FailoverStore(RedisStore(redis.url, STORE_KEY))
        app = create_app(
            conf, engine=Engine(engine.content, engine.classifier, conf.engine_config(), store), store=store
        )
        async with TestClient(TestServer(app, host="127.0.0.1")) as client:
            # the webhook, signed (its signature is claimed against replays)
            for text in (f"how long does botox last {MARKER}", f"my throat is swelling {MARKER}"):
                body = json.dumps({"sender": WEBHOOK_SENDER, "message": text}).encode()
                headers = {"Content-Type": "application/json", **signing.signature_headers(WEBHOOK_SECRET, body)}
                assert (await client.post("/webhooks/rest/webhook", data=body, headers=headers)).status == 200
            # the web chat, with the page's own sender and token
            page = await (await client.get("/")).text()
            web_sender = re.search(r'data-sender="(web-[0-9a-f]+)"', page)[1]
            token = re.search(r'data-token="([^"]+)"', page)[1]
            answer = await client.post(
                "/chat/messages",
                json={"sender": web_sender, "message": f"is it safe when pregnant {MARKER}"},
                headers={signing.WEB_TOKEN_HEADER: token},
            )
            assert answer.status == 200
            # SMS: a question, STOP and START from one number; STOP (kept) from another
            for sender, text in (
                (SMS_PHONE, f"how long does it last {MARKER}"),
                (SMS_PHONE, "STOP"),
                (SMS_PHONE, "START"),
                (STOP_PHONE, "STOP"),
                (STOP_PHONE, f"I can't breathe {MARKER}"),
            ):
                response = await post_signed(client, "/twilio/sms", sms_form(text, sender), token=TWILIO_TOKEN)
                assert response.status == 200
            # the phone line
            for form in (
                call_form(From=CALLER, Caller=CALLER),
                call_form(f"how long does it last {MARKER}", From=CALLER),
            ):
                assert (await post_signed(client, "/twilio/voice", form, token=TWILIO_TOKEN)).status == 200
            # Slack (staff, but its user ids are people too)
            body = json.dumps(event_callback(app_mention(f"<@U0BOT> how long {MARKER}", user=SLACK_USER))).encode()
            headers = signed_headers(SLACK_SECRET, body, "application/json")
            assert (await client.post("/slack/events", data=body, headers=headers)).status == 200
            await slack.wait_for("chat.postMessage")
            # Teams
            activity = teams_message(f"how long does botox last {MARKER}", connector.service_url)
            response = await client.post(
                "/api/messages",
                json=activity,
                headers={"Authorization": f"Bearer {keys.token(connector.service_url)}"},
            )
            assert response.status == 202
            await connector.wait_for(1)
            await asyncio.sleep(0.2)  # escalations and Slack answers still on their way

    held = _everything(redis.url)
    kinds = {kind for _, kind, _, _ in held}
    assert {"string", "set"} <= kinds and any("context" in key for key, _, _, _ in held), held  # it did keep things
    needles = [n.lower().encode() for n in _needles(web_sender)]
    named = [
        (key, needle.decode())
        for key, _, _, values in held
        for needle in needles
        if needle in key.lower().encode() or any(needle in v.lower() for v in values)
    ]
    assert named == [], named
    forever = sorted(key for key, _, ttl, _ in held if ttl < 0)
    # kept for good: the opt-outs (hashes), the feedback counts and the desk's append-only audit log (keyed ids)
    assert set(forever) - {"botox-bot:feedback", "botox-bot:list:desk:audit"} == {"botox-bot:opted-out"}, forever
    (members,) = [values for key, _, _, values in held if key == "botox-bot:opted-out"]
    assert len(members) == 1 and re.fullmatch(rb"[0-9a-f]{64}", members[0])  # STOP_PHONE, hashed; SMS_PHONE left


async def test_the_same_key_finds_the_same_people_and_another_key_finds_no_one(redis):
    """Hashes are keyed: the bot finds its own data again; without the key a phone number cannot be tested."""
    mine = RedisStore(redis.url, STORE_KEY)
    await mine.add_member("opted-out", SMS_PHONE)
    await mine.set_context(f"sms:{SMS_PHONE}", {"topic": "duration"}, 60)
    again = RedisStore(redis.url, STORE_KEY)
    assert await again.has_member("opted-out", SMS_PHONE)
    assert await again.get_context(f"sms:{SMS_PHONE}") == {"topic": "duration"}
    other = RedisStore(redis.url, "another-store-key-with-enough-characters-xyz")
    assert not await other.has_member("opted-out", SMS_PHONE)
    assert await other.get_context(f"sms:{SMS_PHONE}") is None
    with pytest.raises(ValueError):
        RedisStore(redis.url, "short")
    for store in (mine, again, other):
        await store.close()
