"""What no well-behaved client sends, over a bare socket to the server as ``botox-bot serve`` runs it: header
bytes that are not text, compressed bodies, ``Expect: 100-continue`` with a body far over the limit.

Each gets a 4xx and at most one log line, never a 500 with a traceback (a log flood per 300-byte request), and
a compressed body is never inflated, by any route.
"""

from __future__ import annotations

import gzip
import json
import logging
import time
import zlib

import jwt
import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from pydantic import SecretStr

from botox_bot.server import signing
from tests.raw_http import chunked, exchange, request
from tests.teams_mock import CLIENT_ID, TENANT_ID

pytestmark = pytest.mark.filterwarnings("ignore::aiohttp.web.NotAppKeyWarning")

SECRET = "hostile-input-webhook-secret-0123456789"
HOOK = "/webhooks/rest/webhook"
QUESTION = json.dumps({"sender": "p1", "message": "how long does botox last?"}).encode()


@pytest.fixture
async def everything(listen):
    """Every channel mounted, a webhook secret set, Teams on the SDK's own validator (no key-set URL)."""
    port, _ = await listen(
        webhook_secret=SecretStr(SECRET),
        slack_bot_token=SecretStr("xoxb-test"),
        slack_signing_secret=SecretStr("slack-signing-secret"),
        slack_api_base_url="http://127.0.0.1:9/api/",
        twilio_auth_token=SecretStr("twilio-token"),
        teams_client_id=CLIENT_ID,
        teams_client_secret=SecretStr("client-secret"),
        teams_tenant_id=TENANT_ID,
    )
    return port


def _unhandled(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


NOW = str(int(time.time())).encode()
KIDLESS = jwt.encode({"aud": CLIENT_ID, "exp": int(time.time()) + 600}, "k" * 32, algorithm="HS256")


@pytest.mark.parametrize(
    ("path", "headers", "status"),
    [
        (HOOK, [("X-Botox-Timestamp", NOW), ("X-Botox-Signature", b"v1=\xff")], 401),
        (HOOK, [("X-Botox-Timestamp", NOW), ("X-Botox-Signature", "v1=é".encode())], 401),
        (HOOK, [("X-Botox-Timestamp", "١٧٠٠".encode()), ("X-Botox-Signature", b"v1=00")], 401),
        ("/chat/messages", [(signing.WEB_TOKEN_HEADER, b"a.1.\xff")], 401),
        ("/chat/messages", [(signing.WEB_TOKEN_HEADER, "web-é.99999999999.00".encode())], 401),
        ("/slack/events", [("X-Slack-Request-Timestamp", NOW), ("X-Slack-Signature", "v0=é".encode())], 401),
        ("/slack/events", [("X-Slack-Request-Timestamp", NOW), ("X-Slack-Signature", b"v0=\xff\xfe")], 401),
        ("/twilio/sms", [("X-Twilio-Signature", b"\xff\xfe")], 403),
        ("/api/messages", [("Authorization", b"Bearer \xff\xfe.\xfd")], 401),
        ("/api/messages", [("Authorization", f"Bearer {KIDLESS}".encode())], 401),  # no kid: the SDK's KeyError
    ],
    ids=[
        "webhook-signature-invalid-utf8",
        "webhook-signature-non-ascii",
        "webhook-timestamp-arabic-digits",
        "web-token-invalid-utf8",
        "web-token-non-ascii-sender",
        "slack-signature-non-ascii",
        "slack-signature-invalid-utf8",
        "twilio-signature-invalid-utf8",
        "teams-token-invalid-utf8",
        "teams-token-without-kid",
    ],
)
async def test_header_bytes_that_are_not_text_are_refused_never_a_500(everything, caplog, path, headers, status):
    ctype = "application/x-www-form-urlencoded" if path.startswith("/twilio") else "application/json"
    body = b"Body=hi&From=%2B1555" if path.startswith("/twilio") else QUESTION
    (response,) = await exchange(everything, request("POST", path, [("Content-Type", ctype), *headers], body))
    assert response.status == status, response.body
    assert b"Traceback" not in response.body and response.json()["error"]["code"]
    assert _unhandled(caplog) == []


def _bomb(inflated_mb: int = 100) -> bytes:
    """About 100 KB of gzip that inflates to ``inflated_mb`` MB of zeros (the review's was 1 MB for 1 GB)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    return b"".join(packer.compress(b"\0" * 2**20) for _ in range(inflated_mb)) + packer.flush()


@pytest.fixture
def inflations(monkeypatch) -> list[int]:
    """Every call to aiohttp's decompressor (what ``auto_decompress`` runs on a request body)."""
    from aiohttp import compression_utils

    calls: list[int] = []
    for name in ("decompress_sync", "decompress"):
        real = getattr(compression_utils.ZLibDecompressor, name)

        def spy(self, data, *args, _real=real, **kwargs):
            calls.append(len(data))
            return _real(self, data, *args, **kwargs)

        monkeypatch.setattr(compression_utils.ZLibDecompressor, name, spy)
    return calls


@pytest.mark.parametrize("path", [HOOK, "/chat/messages", "/slack/events", "/twilio/sms", "/api/messages", "/healthz"])
async def test_a_compressed_body_is_refused_unread_on_every_route(everything, inflations, path):
    method = "GET" if path == "/healthz" else "POST"
    headers = [("Content-Type", "application/json"), ("Content-Encoding", "gzip")]
    (response,) = await exchange(everything, request(method, path, headers, gzip.compress(QUESTION)))
    assert response.status == 415 and response.json()["error"]["code"] == "unsupported_media_type"
    assert response.headers.get("connection", "").lower() == "close"
    assert inflations == []


async def test_a_gzip_bomb_is_never_inflated_even_where_no_route_answers(everything, inflations):
    bomb = _bomb()
    for method, path in (("POST", HOOK), ("GET", "/healthz"), ("POST", "/nowhere")):
        headers = [("Content-Type", "application/json"), ("Content-Encoding", "gzip")]
        (response,) = await exchange(everything, request(method, path, headers, bomb))
        assert response.status in (404, 415), (path, response.status)
    assert inflations == []
    (answer,) = await exchange(everything, request("GET", "/healthz"))
    assert answer.status == 200


async def test_identity_encoding_is_no_encoding(listen):
    port, _ = await listen()
    headers = [("Content-Type", "application/json"), ("Content-Encoding", "identity")]
    (response,) = await exchange(port, request("POST", HOOK, headers, QUESTION))
    assert response.status == 200 and response.json()[0]["custom"]["intent"] == "duration"


async def test_expect_100_continue_over_the_limit_gets_413_before_any_upload(listen):
    port, _ = await listen()
    headers = [("Content-Type", "application/json"), ("Expect", "100-continue"), ("Content-Length", "100000000")]
    responses = await exchange(port, request("POST", HOOK, headers), responses=2)
    assert [r.status for r in responses] == [413]  # no "100 Continue" first: the client never starts the upload
    assert responses[0].json()["error"]["code"] == "body_too_large"


async def test_expect_100_continue_within_the_limit_is_continued_and_answered(listen):
    port, _ = await listen()
    headers = [("Content-Type", "application/json"), ("Expect", "100-continue"), ("Content-Length", str(len(QUESTION)))]
    responses = await exchange(port, request("POST", HOOK, headers), responses=2, then=QUESTION)
    assert [r.status for r in responses] == [100, 200]
    assert responses[1].json()[0]["custom"]["intent"] == "duration"


async def test_expect_over_a_routes_own_limit_is_refused_below_the_applications(listen):
    """The webhook reads 16 KB; the application allows 1 MB (Slack, Teams): the webhook's own limit counts."""
    port, _ = await listen()
    headers = [("Content-Type", "application/json"), ("Expect", "100-continue"), ("Content-Length", "200000")]
    (response,) = await exchange(port, request("POST", HOOK, headers))
    assert response.status == 413
    (other,) = await exchange(
        port, request("POST", HOOK, [("Expect", "something-else"), ("Content-Length", "2")], b"{}")
    )
    assert other.status == 417


async def test_a_chunked_body_is_read_and_counted_against_the_limit(listen):
    port, _ = await listen()
    headers = [("Content-Type", "application/json"), ("Transfer-Encoding", "chunked")]
    (small,) = await exchange(port, request("POST", HOOK, headers, chunked(QUESTION)))
    assert small.status == 200
    big = json.dumps({"sender": "p", "message": "x" * 40_000}).encode()
    (large,) = await exchange(port, request("POST", HOOK, headers, chunked(big, 4096)))
    assert large.status == 413


async def test_pipelined_requests_are_answered_in_order(listen):
    port, _ = await listen()
    texts = ["how long does botox last?", "is it safe when pregnant?", "thanks"]
    data = b"".join(
        request(
            "POST",
            HOOK,
            [("Content-Type", "application/json")],
            json.dumps({"sender": f"p{i}", "message": t}).encode(),
        )
        for i, t in enumerate(texts)
    )
    responses = await exchange(port, data, responses=3)
    assert [r.json()[0]["recipient_id"] for r in responses] == ["p0", "p1", "p2"]


_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
    max_leaves=20,
)


def _read(parse, raw: bytes) -> tuple[str, str | None]:
    try:
        return "ok", repr(parse(raw))
    except Exception:
        return "refused", None


@hypothesis_settings(max_examples=2000)
@given(_JSON_VALUES.map(lambda v: json.dumps(v).encode()) | st.binary(max_size=80))
def test_a_body_is_read_to_the_same_value_or_refused_as_the_standard_library_would(raw):
    """Bodies are parsed by orjson where it can (faster), by the stdlib otherwise: every value, huge integers,
    NaN and broken bytes included, must come out as the stdlib alone would read it, or be refused as it would."""
    from botox_bot.server.body import parse_json

    assert _read(parse_json, raw) == _read(lambda b: json.loads(b.decode("utf-8")), raw)
