"""Property-based tests (hypothesis): any text gets a reply that ends with the consult prompt, and any body sent
to any channel endpoint gets a 2xx or a 4xx, never a 5xx.

Two halves:

1. The engine, in process: any text (control characters, NUL, emoji, right-to-left scripts, digits of every
   script, up to ~5,000 characters) and any payload (``/intent{json-ish}`` or anything at all), on every channel,
   gets a ``Reply`` whose ``text`` ends with its non-empty ``consult``, and never an exception.
2. The server, over real HTTP: the real app (``create_app``) runs once for the module in a thread of its own
   with its own event loop, with Slack (against a local mock of the Web API), Twilio, Teams (anonymous mode, its
   replies going to the same local mock) and the web chat all mounted. Three apps: no webhook secret; a webhook
   secret (requests signed or not); and a rate limit of 2 (so 429 is among the answers). Requests are sent with
   the standard library, synchronously, so hypothesis drives them directly. Bodies are arbitrary bytes, arbitrary
   JSON, pathological JSON text (deep nesting, 5,000-digit numbers, lone surrogates), form fields and multipart
   junk, under random content types; and each platform's own payloads with their fields replaced by arbitrary
   values, *signed properly* (Slack's v0 signature, Twilio's ``X-Twilio-Signature`` over the exact URL, the
   webhook's HMAC or a web token), so the fuzzing reaches the handlers behind the signature checks.

Every answer must be 2xx or 4xx (an ``invoke`` Teams sends that the bot does not handle is acknowledged with
200), an error in JSON must parse and never carry a
traceback, and the server must log no ``unhandled error`` (the line ``botox_bot.server.observe`` writes for a 500). The
server's log records are collected by a handler that notes the request id each was logged under; a failure
prints what the server logged for that request. At the end the server must still answer a normal question.

3. What no client library sends, over a bare socket: header values as any bytes (non-ASCII, invalid UTF-8, NUL)
   on the signature, token and web-token headers; bodies gzip- or deflate-compressed or labelled so, chunked,
   or declared far over the limit behind ``Expect: 100-continue``; several requests pipelined in one write. The
   apps run as ``botox-bot serve`` runs them (its runner options and connection guard).

Every outbound call the bot makes goes to 127.0.0.1: the Slack API base URL, the ``response_url`` and the Teams
``serviceUrl`` values generated here are all local; nothing reaches Slack, Twilio or Microsoft.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import http.client
import itertools
import json
import logging
import string
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

import pytest
from hypothesis import HealthCheck, given, note
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir
from hypothesis.database import DirectoryBasedExampleDatabase
from pydantic import SecretStr
from slack_sdk.signature import SignatureVerifier
from twilio.request_validator import RequestValidator

from botox_bot.core.engine import Engine
from botox_bot.core.models import Message, Reply
from botox_bot.server import signing
from tests.conftest import CONSULT
from tests.raw_http import RawResponse, chunked, exchange_sync
from tests.raw_http import request as raw_request

# The SDK's adapter reads request["claims_identity"] (a string key); aiohttp warns about string keys.
pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::aiohttp.web.NotAppKeyWarning")]

# Hypothesis keeps its files (failing examples, replayed first on the next run; caches) outside the repository,
# whose .gitignore has no .hypothesis/.
_HOME = Path(tempfile.gettempdir()) / "botox-bot-hypothesis"
set_hypothesis_home_dir(_HOME)
_DB = DirectoryBasedExampleDatabase(str(_HOME / "examples"))


def fuzz(examples: int):
    return hsettings(
        max_examples=examples,
        deadline=None,
        database=_DB,
        print_blob=True,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
        ],
    )


CHANNELS = ("rest", "web", "slack", "sms", "voice", "teams", "cli")
INTENTS = (
    "how_it_works",
    "duration",
    "repeat_treatment",
    "medical_uses",
    "safety",
    "emergency",
    "out_of_scope",
    "greet",
    "thanks",
    "handoff",
    "choose",
    "consult",
    "nope",
    "",
)
CHOICE_QUESTION = "how often side effects"  # close call between repeat_treatment and safety: the bot asks

# -- text strategies ---------------------------------------------------------------------------------
# sizes on both sides of Python's own limits: ~1,000 frames of recursion, 4,300 digits in int()
_depths = st.one_of(st.integers(1, 60), st.sampled_from([990, 1000, 1500, 3000, 6000]))
_digit_counts = st.one_of(st.integers(1, 40), st.sampled_from([4300, 4301, 5000, 6000]))
_unicode = st.characters(exclude_categories=("Cs",))  # any code point but a surrogate (UTF-8 cannot carry one)
_control = st.characters(codec="ascii", categories=("Cc",))  # NUL, \t, \r, ESC, DEL...
_numbers = st.characters(categories=("Nd", "No", "Nl"))  # 7, ٣ (Arabic-Indic), ² (superscript), ① , Ⅻ
_special = st.sampled_from(
    [
        "\x00",
        "\u200b",
        "\u200e",
        "\u200f",
        "\u202e",
        "\ufeff",
        "\u2028",
        "\u2029",
        "\U0001f489",
        "\U0001f642",
        "\U0001f469\u200d\u2695\ufe0f",
        "\u0645\u0631\u062d\u0628\u0627",
        "\u05e9\u05dc\u05d5\u05dd",
        "&amp;",
        "&lt;",
        "<@U0BOT>",
        "<at>Botox Bot</at>",
        "{clinic_name}",
        "{{sender}}",
        "%s",
        "\\",
        '"',
        "'",
        "`",
        "\r\n",
        "\t",
    ]
)
_words = st.sampled_from(
    [
        "how long does botox last?",
        CHOICE_QUESTION,
        "is it safe while pregnant",
        "my throat feels tight and I can't swallow",
        "can't breathe",
        "and for migraines?",
        "what about sweating",
        "talk to a person",
        "hi",
        "thanks",
        "STOP",
        "start",
        "HELP",
        "share",
        "help",
        "?",
        "1",
        "2",
        "0",
        "-1",
        " 1 ",
        "/duration",
        '/duration{"use":"migraine"}',
        "/emergency",
        "/safety{}",
        "/nope",
    ]
)
_mixed = st.lists(
    st.one_of(
        _words,
        _special,
        st.text(_unicode, max_size=12),
        st.text(_control, max_size=3),
        st.text(_numbers, min_size=1, max_size=4),
    ),
    max_size=8,
).map(" ".join)
any_text = st.one_of(
    st.text(_unicode, max_size=300),
    st.lists(st.one_of(_unicode, _control, _special), max_size=120).map("".join),
    st.text(_numbers, min_size=1, max_size=6),  # the number of an offered choice, typed in any script
    _mixed,
    st.text(_unicode, min_size=1000, max_size=5000),  # a pasted essay
    _digit_counts.map(lambda n: "1" * n),  # a very long number
)
_jsonish = st.text(alphabet='{}[]":,0123456789abcdeflnrstu_\\ .-', max_size=40)
# pathological JSON values: what json.dumps never writes, and what parsers trip on
raw_json_values = st.one_of(
    _depths.map(lambda n: "[" * n + "]" * n),
    _depths.map(lambda n: '{"a":' * n + "1" + "}" * n),
    _digit_counts.map(lambda n: "9" * n),
    _digit_counts.map(lambda n: "-0." + "1" * n),
    st.sampled_from(
        [
            "NaN",
            "Infinity",
            "-Infinity",
            "1e999999",
            '"\\ud800"',
            '"\\udfff x"',
            '"\\u0000"',
            "[]",
            "{}",
            "null",
            "true",
            '"²"',
            '"' + "1" * 4301 + '"',
        ]
    ),
)
any_payload = st.one_of(
    st.text(_unicode, max_size=200),
    st.builds(
        lambda intent, slots: f"/{intent}{slots}",
        st.one_of(st.sampled_from(INTENTS), st.text(string.ascii_lowercase + "_", max_size=12)),
        st.one_of(
            st.just(""),
            _jsonish,
            _jsonish.map(lambda s: "{" + s + "}"),
            st.deferred(lambda: any_json).map(lambda v: "{" + json.dumps(v)[1:-1] + "}"),
            st.deferred(lambda: any_json).map(json.dumps),
            _depths.map(lambda n: '{"use":' + "[" * n + "]" * n + "}"),
            _digit_counts.map(lambda n: '{"use":' + "1" * n + "}"),
        ),
    ),
    any_text,
)
# a typed or clicked payload of a real intent whose slots are pathological JSON
raw_slot_payloads = st.builds(
    lambda intent, raw: f'/{intent}{{"use":{raw}}}', st.sampled_from(INTENTS[:6]), raw_json_values
)

_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(_unicode, max_size=40),
    _words,
    st.text(_numbers, min_size=1, max_size=3),
)
any_json = st.recursive(
    _scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=5), st.dictionaries(st.text(max_size=12), inner, max_size=5)),
    max_leaves=12,
)


def either(good, junk=None):
    """The field's usual kind of value (four times in five), or anything at all."""
    junk = junk if junk is not None else any_json
    return st.integers(0, 4).flatmap(lambda i: junk if i == 4 else good)  # shrinks towards the usual value


def check_reply(reply: Reply) -> None:
    assert isinstance(reply, Reply)
    assert reply.consult.strip(), reply
    assert reply.text.endswith(reply.consult), reply
    assert reply.intent


# == 1. the engine ===================================================================================
@fuzz(400)
@given(text=any_text, channel=st.sampled_from(CHANNELS), sender=st.sampled_from(["a", "b", "anonymous"]))
def test_any_text_gets_a_reply_ending_with_the_consult_prompt(fresh_engine, text, channel, sender):
    reply = asyncio.run(fresh_engine.answer(Message(text=text, channel=channel, sender_id=sender)))
    check_reply(reply)


@fuzz(300)
@given(
    payload=st.one_of(any_payload, raw_slot_payloads),
    text=st.one_of(st.just(""), any_text),
    channel=st.sampled_from(CHANNELS),
    sender=st.sampled_from(["a", "b"]),
)
def test_any_payload_gets_a_reply_ending_with_the_consult_prompt(fresh_engine, payload, text, channel, sender):
    reply = asyncio.run(fresh_engine.answer(Message(text=text, payload=payload, channel=channel, sender_id=sender)))
    check_reply(reply)


@fuzz(150)
@given(
    turns=st.lists(
        st.tuples(st.one_of(st.just(CHOICE_QUESTION), any_text), st.one_of(st.none(), any_payload)),
        min_size=1,
        max_size=6,
    ),
    channel=st.sampled_from(CHANNELS),
)
def test_any_conversation_gets_replies_ending_with_the_consult_prompt(fresh_engine, turns, channel):
    """One sender, several turns: choices offered, then numbers and payloads typed against them."""

    async def talk():
        for text, payload in turns:
            check_reply(
                await fresh_engine.answer(Message(text=text, payload=payload, channel=channel, sender_id="same"))
            )

    asyncio.run(talk())


# == 2. the server over HTTP =========================================================================
SLACK_SECRET = "fuzz-slack-signing-secret"
TWILIO_TOKEN = "fuzz-twilio-auth-token"
WEBHOOK_SECRET = "fuzz-webhook-secret"
HOOK = "/webhooks/rest/webhook"
WEB = "/chat/messages"  # the chat page's own route, same format as the webhook
SLACK = "/slack/events"
SMS, VOICE, CONNECT = "/twilio/sms", "/twilio/voice", "/twilio/voice/connect"
TEAMS = "/api/messages"
ENDPOINTS = [HOOK, WEB, SLACK, SMS, VOICE, CONNECT, TEAMS]
APPS = ("open", "signed", "limited")


class LogRecorder(logging.Handler):
    """Every record at ERROR or above, with the id of the request it was logged under (``-`` for none)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[tuple[str, logging.LogRecord, str]] = []
        self._lock = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        from botox_bot.server.logs import request_id

        text = record.getMessage()
        if record.exc_info:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        with self._lock:
            self.records.append((request_id.get(), record, text))

    def for_request(self, rid: str) -> list[str]:
        with self._lock:
            return [text for r, _, text in self.records if r == rid]

    def unhandled(self, rid: str | None = None) -> list[str]:
        """What the server logged as a failure of its own: the wrapper's 500 line, aiohttp's own 500 line
        (a request its parser refused is a 400, not a failure), an exception nobody retrieved."""
        from aiohttp.http_exceptions import BadHttpMessage

        with self._lock:
            return [
                f"[{rec.name}] request {r}: {text}"
                for r, rec, text in self.records
                if (rid is None or r == rid)
                and (
                    "unhandled error" in text
                    or "never retrieved" in text
                    or (
                        "Error handling request" in text
                        and not (rec.exc_info and isinstance(rec.exc_info[1], BadHttpMessage))
                    )
                )
            ]

    def matching(self, predicate) -> list[str]:
        with self._lock:
            return [f"[{rec.name}] request {r}: {text}" for r, rec, text in self.records if predicate(rec, text)]


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    rid: str


class Live:
    """The apps, the local mock of everything outside, and the thread and loop they run in."""

    def __init__(self, engine: Engine, settings) -> None:
        self.engine, self.settings = engine, settings
        self.loop = asyncio.new_event_loop()
        self.ports: dict[str, int] = {}
        self.mock_port = 0
        self.recorder = LogRecorder()
        self.statuses: Counter = Counter()  # (app, path, status): what the fuzzing got back
        self.loop_errors: list[str] = []
        self._runners: list = []
        self._ids = itertools.count(1)

    def __repr__(self) -> str:
        return f"Live(ports={self.ports}, outside={self.mock_port})"

    def start(self) -> None:
        self.thread = threading.Thread(target=self.loop.run_forever, name="fuzz-server", daemon=True)
        self.thread.start()
        self.call(self._start())

    def call(self, coro, timeout: float = 60):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    async def _start(self) -> None:
        from aiohttp import web

        from botox_bot.app import create_app

        asyncio.get_running_loop().set_exception_handler(
            lambda loop, context: self.loop_errors.append(f"{context.get('message')}: {context.get('exception')!r}")
        )
        mock = web.Application()
        mock.router.add_route("*", "/{tail:.*}", _mock_outside)
        self.mock_port = await self._serve(mock)
        base = dict(
            slack_bot_token=SecretStr("xoxb-test"),
            slack_signing_secret=SecretStr(SLACK_SECRET),
            slack_api_base_url=f"http://127.0.0.1:{self.mock_port}/api/",
            twilio_auth_token=SecretStr(TWILIO_TOKEN),
            rate_limit=0,
            address_rate_limit=0,  # every request comes from 127.0.0.1 here
            teams_allow_anonymous_unsafe=True,
        )
        overrides = {
            "open": {"staff_channel": "C0STAFF"},
            "signed": {"webhook_secret": SecretStr(WEBHOOK_SECRET), "signature_max_age_seconds": 300},
            "limited": {"rate_limit": 2},
        }
        for name in APPS:
            conf = self.settings.model_copy(update={**base, **overrides[name]})
            engine = Engine(self.engine.content, self.engine.classifier, conf.engine_config())
            self.ports[name] = await self._serve_bot(create_app(conf, engine=engine), conf)

    async def _serve(self, app) -> int:
        from aiohttp import web

        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        self._runners.append(runner)
        return runner.addresses[0][1]

    async def _serve_bot(self, app, conf) -> int:
        """As ``botox-bot serve`` runs it: its runner options (no body inflated) and its connection guard."""
        from botox_bot.app import connection_limits
        from botox_bot.server.connections import start_site

        runner, _ = await start_site(app, "127.0.0.1", 0, connection_limits(conf.server))
        self._runners.append(runner)
        return runner.addresses[0][1]

    def stop(self) -> None:
        async def cleanup():
            await asyncio.sleep(0.5)  # Slack listeners and escalations still on their way to the mock
            for runner in reversed(self._runners):
                await runner.cleanup()

        try:
            self.call(cleanup())
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(10)
            self.loop.close()

    # -- the client side -------------------------------------------------------------------------
    def url(self, app: str, path: str) -> str:
        return f"http://127.0.0.1:{self.ports[app]}{path}"

    @property
    def outside(self) -> str:
        return f"http://127.0.0.1:{self.mock_port}"

    def send(self, app: str, path: str, body: bytes, headers: dict[str, str], method: str = "POST") -> Answer:
        rid = f"fuzz{next(self._ids)}"
        conn = http.client.HTTPConnection("127.0.0.1", self.ports[app], timeout=60)
        try:
            # header values as UTF-8 bytes: http.client would insist on latin-1, and a web token carries its sender
            conn.request(
                method,
                path,
                body=body,
                headers={k: v.encode("utf-8") for k, v in {**headers, "X-Request-ID": rid}.items()},
            )
            response = conn.getresponse()
            answer = Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read(), rid)
        finally:
            conn.close()
        self.statuses[(app, path.partition("?")[0], answer.status)] += 1
        return answer

    def send_raw(self, app: str, path: str, data: bytes, responses: int = 1) -> list[RawResponse]:
        """Bytes as they are, on a socket of their own; every answer counted as ``send`` counts them."""
        got = exchange_sync(self.ports[app], data, responses)
        for response in got:
            if response.status >= 200:
                self.statuses[(app, path, response.status)] += 1
        return got

    def check(self, app: str, path: str, answer: Answer, method: str = "POST") -> None:
        """2xx or 4xx (429 included), JSON errors that parse, no traceback, nothing logged as unhandled."""
        logged = self.recorder.for_request(answer.rid)
        note(f"{app} {path}: {answer.status} {answer.body[:300]!r}")
        where = f"{method} {path} on the {app!r} app answered {answer.status}: {answer.body[:500]!r}"
        server_log = "\n".join(logged) or "(nothing at ERROR)"
        ok = 200 <= answer.status < 500
        assert ok, f"{where}\nthe server logged:\n{server_log}"
        assert b"Traceback" not in answer.body, where
        unhandled = self.recorder.unhandled(answer.rid)
        assert not unhandled, f"{where}\nbut the server logged:\n{server_log}"
        if 400 <= answer.status < 500 and "json" in answer.headers.get("content-type", ""):
            assert isinstance(json.loads(answer.body), dict), where


async def _mock_outside(request):
    """Slack's Web API (``/api/<method>``), Slack's ``response_url`` and the Teams Bot Connector, all at once."""
    from aiohttp import web

    await request.read()
    if request.path.startswith("/api/"):
        return web.json_response(
            {
                "ok": True,
                "user_id": "U0BOT",
                "team_id": "T0",
                "bot_id": "B0",
                "channel": "C0FRONT",
                "ts": f"{time.time():.6f}",
            }
        )
    if "/v3/conversations/" in request.path:
        return web.json_response({"id": str(time.time_ns())}, status=201)
    return web.json_response({"ok": True})


@pytest.fixture(scope="module")
def live(engine, settings):
    server = Live(engine, settings)
    root = logging.getLogger()
    root.addHandler(server.recorder)
    try:
        server.start()
        yield server
    finally:
        try:
            server.stop()
        finally:
            root.removeHandler(server.recorder)


# -- signing ---------------------------------------------------------------------------------------
def slack_headers(body: bytes, timestamp: int | None = None) -> dict[str, str]:
    timestamp = int(time.time()) if timestamp is None else timestamp
    try:
        signature = SignatureVerifier(SLACK_SECRET).generate_signature(timestamp=str(timestamp), body=body)
    except UnicodeDecodeError:  # slack_sdk signs text; Slack's scheme itself is over the raw bytes
        mac = hmac.new(SLACK_SECRET.encode(), f"v0:{timestamp}:".encode() + body, hashlib.sha256).hexdigest()
        signature = f"v0={mac}"
    return {"X-Slack-Request-Timestamp": str(timestamp), "X-Slack-Signature": signature}


def twilio_headers(url: str, params: dict[str, str]) -> dict[str, str]:
    return {"X-Twilio-Signature": RequestValidator(TWILIO_TOKEN).compute_signature(url, params)}


def webhook_headers(body: bytes, now: float | None = None) -> dict[str, str]:
    return signing.signature_headers(WEBHOOK_SECRET, body, now)


# -- body strategies -------------------------------------------------------------------------------
_header_value = st.text(string.printable.strip() + " ", max_size=40)
_charsets = st.sampled_from(
    [
        "",
        "; charset=utf-8",
        "; charset=UTF-8",
        "; charset=latin-1",
        "; charset=utf-16",
        "; charset=ascii",
        "; charset=bogus",
        "; charset=",
        "; boundary=x",
    ]
)
content_types = st.one_of(
    st.none(),
    st.builds(
        lambda t, c: t + c,
        st.sampled_from(
            [
                "application/json",
                "application/x-www-form-urlencoded",
                "text/plain",
                "multipart/form-data",
                "application/vnd.api+json",
                "application/xml",
                "text/xml",
                "application/octet-stream",
                "",
                "*/*",
                "multipart/form-data; boundary=fuzzboundary",
            ]
        ),
        _charsets,
    ),
    _header_value,
)


def _multipart(fields: list[tuple[str, str]], junk: bytes, boundary: str) -> bytes:
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode("utf-8", "replace")
        for k, v in fields
    ]
    return b"".join(parts) + junk + f"--{boundary}--\r\n".encode()


_form_pairs = st.lists(
    st.tuples(
        st.one_of(
            st.sampled_from(
                ["Body", "From", "SpeechResult", "Digits", "payload", "command", "text", "CallSid", "ssl_check"]
            ),
            st.text(max_size=10),
        ),
        st.one_of(any_text, _words),
    ),
    max_size=6,
)
_HOLE = "\x00hole\x00"


@st.composite
def with_raw_json(draw, shaped) -> bytes:
    """A body drawn from ``shaped`` with one value (or the whole body) replaced by raw pathological JSON text."""
    value = draw(shaped)
    raw = draw(raw_json_values)
    if isinstance(value, dict) and value and draw(st.booleans()):
        value = {**value, draw(st.sampled_from(sorted(value))): _HOLE}
        return json.dumps(value).replace(json.dumps(_HOLE), raw).encode()
    return raw.encode()


pathological_json = st.one_of(
    with_raw_json(st.just({"sender": "s", "message": "hi", "metadata": {}})),
    with_raw_json(
        st.just(
            {
                "type": "message",
                "serviceUrl": "not a url",
                "channelId": "msteams",
                "conversation": {"id": "a:1"},
                "from": {"id": "u"},
                "recipient": {"id": "b"},
            }
        )
    ),
    st.sampled_from(
        [
            b'{"sender":"s","sender":7,"message":"hi"}',
            b'{"message":"hi"}garbage',
            b"\xef\xbb\xbf{}",
            b'{"message":"hi","sender":"s","metadata":[]}',
            b"",
            b'"text"',
            b'{"type":"invoke"}',
            b'{"type":"url_verification","challenge":"\\ud800"}',
        ]
    ),
)
any_body = st.one_of(
    st.binary(max_size=400),
    st.binary(min_size=16_000, max_size=20_000),
    any_json.map(lambda v: json.dumps(v).encode()),
    any_json.map(lambda v: json.dumps(v, ensure_ascii=False).encode()),
    pathological_json,
    _form_pairs.map(lambda pairs: urlencode(pairs).encode()),
    st.builds(_multipart, _form_pairs, st.binary(max_size=60), st.sampled_from(["fuzzboundary", "x", ""])),
)


def _header_safe(value: str) -> bool:
    """What a header value can carry at all (no line breaks, no NUL)."""
    return not any(c in value for c in "\r\n\x00")


@dataclass
class Request:
    path: str
    body: bytes
    headers: dict[str, str]
    method: str = "POST"


@st.composite
def arbitrary_requests(draw, live: Live, app: str) -> Request:
    """Any endpoint, any body, any content type, signed for no one, for one channel, or for all of them."""
    path = draw(st.sampled_from([*ENDPOINTS, "/", "/nowhere", f"{VOICE}?attempt=1"]))
    kind = draw(st.sampled_from(["json", "form", "multipart", "bytes"]))
    body = draw(
        {
            "json": st.one_of(any_json.map(lambda v: json.dumps(v, ensure_ascii=False).encode()), pathological_json),
            "form": _form_pairs.map(lambda pairs: urlencode(pairs).encode()),
            "multipart": st.builds(
                _multipart, _form_pairs, st.binary(max_size=60), st.sampled_from(["fuzzboundary", "x", ""])
            ),
            "bytes": any_body,
        }[kind]
    )
    headers: dict[str, str] = {}
    matching = {
        "json": "application/json",
        "form": "application/x-www-form-urlencoded",
        "multipart": "multipart/form-data; boundary=fuzzboundary",
        "bytes": None,
    }[kind]
    ctype = draw(st.one_of(st.just(matching), content_types))
    if ctype is not None:
        headers["Content-Type"] = ctype
    signs = draw(st.sets(st.sampled_from(["slack", "twilio", "webhook", "web_token", "junk", "teams_bearer"])))
    if "slack" in signs:
        headers.update(slack_headers(body))
    if "twilio" in signs:  # over the form fields the server will see (none, unless the body is a form)
        params = {}
        if ctype in (None, "application/x-www-form-urlencoded"):
            try:
                params = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
            except UnicodeDecodeError:
                pass
        headers.update(twilio_headers(live.url(app, path), params))
    if "webhook" in signs:
        headers.update(webhook_headers(body))
    if "web_token" in signs:
        headers[signing.WEB_TOKEN_HEADER] = signing.issue_web_token(
            WEBHOOK_SECRET, draw(st.text(max_size=10).filter(_header_safe)), 60
        )
    if "teams_bearer" in signs:
        headers["Authorization"] = "Bearer " + draw(_header_value)
    if "junk" in signs:
        for name in draw(
            st.sets(
                st.sampled_from(
                    [
                        "X-Slack-Request-Timestamp",
                        "X-Slack-Signature",
                        "X-Slack-Retry-Num",
                        "X-Twilio-Signature",
                        signing.TIMESTAMP_HEADER,
                        signing.SIGNATURE_HEADER,
                        signing.WEB_TOKEN_HEADER,
                        "Authorization",
                        "Origin",
                        "Content-Encoding",
                        "Transfer-Encoding-Fuzz",
                    ]
                ),
                max_size=4,
            )
        ):
            headers[name] = draw(_header_value)
    method = draw(st.sampled_from(["POST"] * 8 + ["GET", "PUT", "DELETE", "PATCH"]))
    if method == "GET":
        body = b""  # a GET with a body is not what a client sends
    return Request(path, body, headers, method)


def _send_and_check(live: Live, app: str, request: Request) -> Answer:
    answer = live.send(app, request.path, request.body, request.headers, request.method)
    live.check(app, request.path, answer, method=request.method)
    return answer


@pytest.mark.parametrize("app", APPS)
@fuzz(200)
@given(data=st.data())
def test_any_body_to_any_endpoint_is_never_a_5xx(live, app, data):
    request = data.draw(arbitrary_requests(live, app))
    _send_and_check(live, app, request)


# -- the patient webhook -----------------------------------------------------------------------------
rest_bodies = st.fixed_dictionaries(
    {},
    optional={
        "sender": either(st.one_of(st.sampled_from(["p1", "p2"]), st.text(_unicode, min_size=1, max_size=20))),
        "message": either(st.one_of(any_text, any_payload, raw_slot_payloads)),
        "metadata": either(st.dictionaries(st.text(max_size=8), any_json, max_size=3)),
        "input_channel": any_json,
    },
)


@fuzz(250)
@given(
    payload=either(rest_bodies),
    app=st.sampled_from(APPS),
    how=st.sampled_from(["plain", "signed", "token", "stale", "unicode"]),
    path=st.sampled_from([HOOK, WEB]),
    data=st.data(),
)
def test_any_webhook_message_is_never_a_5xx(live, payload, app, how, path, data):
    body = json.dumps(payload, ensure_ascii=how != "unicode").encode()
    if data.draw(st.integers(0, 3)) == 3:
        body = data.draw(with_raw_json(st.just(payload)))
    headers = {"Content-Type": data.draw(st.sampled_from(["application/json", "application/json; charset=utf-8"]))}
    if how == "signed":
        headers.update(webhook_headers(body))
    elif how == "stale":
        headers.update(webhook_headers(body, now=time.time() - data.draw(st.integers(-10_000, 10_000))))
    elif how == "token":
        sender = payload.get("sender") if isinstance(payload, dict) else None
        sender = sender if isinstance(sender, str) and _header_safe(sender) else "p1"
        headers[signing.WEB_TOKEN_HEADER] = signing.issue_web_token(WEBHOOK_SECRET, sender, 60)
    answer = _send_and_check(live, app, Request(path, body, headers))
    if answer.status == 200:
        (message,) = json.loads(answer.body)
        assert message["text"].endswith(message["custom"]["consult"]) and message["custom"]["consult"]


# -- Slack ---------------------------------------------------------------------------------------------
_slack_ids = st.sampled_from(["U0STAFF", "U0BOT", "W0GUEST", "", "-"])
_channels = st.sampled_from(["C0FRONT", "D0DM", "G0PRIV", "C0STAFF", ""])
_ts = st.one_of(
    st.builds(lambda n: f"{1_700_000_000 + n}.{n % 1_000_000:06d}", st.integers(0, 10**8)),
    st.sampled_from(["", "0", "1.2.3", "abc"]),
)
slack_events = st.fixed_dictionaries(
    {
        "type": either(
            st.sampled_from(
                [
                    "app_mention",
                    "message",
                    "reaction_added",
                    "app_home_opened",
                    "member_joined_channel",
                    "tokens_revoked",
                ]
            )
        )
    },
    optional={
        "text": either(st.one_of(any_text, any_text.map(lambda t: f"<@U0BOT> {t}"))),
        "user": either(_slack_ids),
        "channel": either(_channels),
        "ts": either(_ts),
        "thread_ts": either(_ts),
        "event_ts": either(_ts),
        "channel_type": either(st.sampled_from(["im", "channel", "group", "mpim", "app_home"])),
        "subtype": either(st.sampled_from(["bot_message", "message_changed", "thread_broadcast", "file_share"])),
        "bot_id": either(st.sampled_from(["B0BOT", "B0OTHER"])),
        "message": any_json,
        "blocks": any_json,
        "files": any_json,
    },
)
slack_callbacks = st.fixed_dictionaries(
    {"type": either(st.sampled_from(["event_callback", "url_verification", "app_rate_limited"]))},
    optional={
        "event": either(slack_events),
        "event_id": either(
            st.text(string.ascii_letters + string.digits, min_size=1, max_size=12).map(lambda s: "Ev" + s)
        ),
        "team_id": either(st.sampled_from(["T0", "T0CLINIC"])),
        "api_app_id": either(st.just("A0BOTOX")),
        "event_time": either(st.integers(0, 2**40)),
        "challenge": any_json,
        "token": any_json,
        "authorizations": any_json,
        "enterprise_id": any_json,
        "is_ext_shared_channel": any_json,
    },
)


@st.composite
def response_urls(draw, live: Live) -> Any:
    """Always local: the mock, a closed port, or something that is not a URL."""
    return draw(
        either(
            st.sampled_from(
                [f"{live.outside}/response_url/1", "http://127.0.0.1:9/closed", "", "not a url", "/relative"]
            ),
            st.one_of(st.none(), st.integers()),
        )
    )


@st.composite
def slack_forms(draw, live: Live) -> list[tuple[str, str]]:
    """A slash command, an interaction (``payload=<JSON>``), or Slack's ``ssl_check``, fields fuzzed."""
    kind = draw(st.sampled_from(["command", "interaction", "ssl_check"]))
    if kind == "ssl_check":
        return [("ssl_check", draw(st.sampled_from(["1", "0", ""]))), ("token", draw(st.text(max_size=8)))]
    if kind == "command":
        fields = {
            "token": "t",
            "team_id": draw(st.sampled_from(["T0", "", "T0CLINIC"])),
            "team_domain": "clinic",
            "channel_id": draw(_channels),
            "user_id": draw(_slack_ids),
            "user_name": "nurse.amy",
            "command": draw(st.one_of(st.sampled_from(["/botox", "/other", "", "botox"]), st.text(max_size=8))),
            "text": draw(
                st.one_of(
                    any_text,
                    any_payload,
                    _words.map(lambda w: "share " + w),
                    st.sampled_from(["", "help", "?", "how-it-works", "duration", "safety", "medical uses", "share "]),
                )
            ),
            "api_app_id": "A0BOTOX",
            "response_url": draw(response_urls(live)),
            "trigger_id": draw(st.text(max_size=10)),
        }
        drop = draw(st.sets(st.sampled_from(sorted(fields))))
        return [(k, v if isinstance(v, str) else json.dumps(v)) for k, v in fields.items() if k not in drop]
    action = st.fixed_dictionaries(
        {},
        optional={
            "action_id": either(
                st.sampled_from(
                    [
                        "botox_choice_0",
                        "botox_choice_1",
                        "botox_choice_99",
                        "botox_feedback_yes",
                        "botox_feedback_no",
                        "botox_other",
                        "",
                    ]
                )
            ),
            "value": either(st.one_of(any_payload, st.sampled_from(["/duration", "/safety", "duration", "nope"]))),
            "text": either(st.fixed_dictionaries({"type": st.just("plain_text"), "text": either(any_text)})),
            "block_id": any_json,
            "type": either(st.just("button")),
            "action_ts": any_json,
        },
    )
    payload = draw(
        either(
            st.fixed_dictionaries(
                {
                    "type": either(
                        st.sampled_from(
                            [
                                "block_actions",
                                "view_submission",
                                "shortcut",
                                "message_action",
                                "interactive_message",
                                "block_suggestion",
                            ]
                        )
                    )
                },
                optional={
                    "user": either(st.fixed_dictionaries({"id": either(_slack_ids)}, optional={"team_id": any_json})),
                    "actions": either(st.lists(action, max_size=3)),
                    "container": either(
                        st.fixed_dictionaries(
                            {},
                            optional={
                                "is_ephemeral": any_json,
                                "message_ts": either(_ts),
                                "channel_id": either(_channels),
                                "thread_ts": either(_ts),
                                "type": any_json,
                            },
                        )
                    ),
                    "channel": either(st.fixed_dictionaries({"id": either(_channels)})),
                    "message": either(
                        st.fixed_dictionaries(
                            {},
                            optional={
                                "ts": either(_ts),
                                "thread_ts": either(_ts),
                                "text": any_json,
                                "blocks": any_json,
                            },
                        )
                    ),
                    "team": either(st.fixed_dictionaries({"id": either(st.sampled_from(["T0", "T0CLINIC"]))})),
                    "response_url": response_urls(live),
                    "api_app_id": any_json,
                    "trigger_id": any_json,
                    "token": any_json,
                    "state": any_json,
                    "view": any_json,
                    "callback_id": any_json,
                    "enterprise": any_json,
                },
            )
        )
    )
    raw = draw(
        st.one_of(st.just(json.dumps(payload)), st.just(json.dumps(payload, ensure_ascii=False)), st.text(max_size=40))
    )
    return [("payload", raw)]


@fuzz(300)
@given(
    data=st.data(),
    app=st.sampled_from(APPS),
    form=st.booleans(),
    signed=st.sampled_from(["yes"] * 6 + ["no", "stale", "future", "wrong"]),
)
def test_any_slack_request_is_never_a_5xx(live, data, app, form, signed):
    if form:
        body = urlencode(data.draw(slack_forms(live))).encode()
        ctype = "application/x-www-form-urlencoded"
    else:
        callback = data.draw(either(slack_callbacks))
        body = json.dumps(callback, ensure_ascii=data.draw(st.booleans())).encode()
        if data.draw(st.integers(0, 3)) == 3:
            body = data.draw(with_raw_json(st.just(callback)))
        ctype = "application/json"
    headers = {"Content-Type": ctype}
    if signed != "no":
        timestamp = int(time.time()) + {"yes": 0, "stale": -600, "future": 600, "wrong": 0}[signed]
        headers.update(slack_headers(body + (b"x" if signed == "wrong" else b""), timestamp))
    if data.draw(st.booleans()):
        headers["X-Slack-Retry-Num"] = data.draw(st.sampled_from(["1", "2", "x", ""]))
        headers["X-Slack-Retry-Reason"] = data.draw(st.sampled_from(["http_timeout", "http_error", ""]))
    _send_and_check(live, app, Request(SLACK, body, headers))


# -- Twilio --------------------------------------------------------------------------------------------
_phone = st.one_of(
    st.sampled_from(["+15555550123", "+15555550999", "", "anonymous", "client:alice"]), st.text(max_size=16)
)
twilio_fields = st.fixed_dictionaries(
    {},
    optional={
        "Body": st.one_of(
            any_text, _words, st.sampled_from(["STOP", "stop.", "Start!", "HELP", "info", "UNSUBSCRIBE"])
        ),
        "From": _phone,
        "To": _phone,
        "Caller": _phone,
        "SpeechResult": st.one_of(any_text, _words, st.sampled_from(["", " ", "yes", "connect me please"])),
        "Confidence": st.one_of(st.sampled_from(["0.92", "", "nan"]), st.text(max_size=5)),
        "Digits": st.one_of(st.sampled_from(["1", "2", "", "#", "1" * 50]), st.text(max_size=5)),
        "CallSid": st.one_of(st.just("CA" + "1" * 32), st.text(max_size=34)),
        "MessageSid": st.text(max_size=34),
        "NumMedia": st.sampled_from(["0", "1", "x"]),
        "AccountSid": st.just("AC" + "0" * 32),
        "ApiVersion": st.just("2010-04-01"),
    },
).flatmap(
    lambda fields: st.dictionaries(st.text(max_size=10), st.text(max_size=20), max_size=3).map(
        lambda extra: {**extra, **fields}
    )
)


@fuzz(300)
@given(
    fields=twilio_fields,
    app=st.sampled_from(APPS),
    path=st.sampled_from([SMS, VOICE, CONNECT]),
    attempt=st.one_of(st.none(), st.integers(-5, 10).map(str), st.text(max_size=8)),
    signed=st.sampled_from(["yes"] * 6 + ["no", "wrong"]),
    multipart=st.booleans(),
)
def test_any_twilio_request_is_never_a_5xx(live, fields, app, path, attempt, signed, multipart):
    if attempt is not None:
        path = f"{path}?attempt={quote(attempt, safe='')}"
    if multipart:
        body = _multipart(list(fields.items()), b"", "fuzzboundary")
        ctype = "multipart/form-data; boundary=fuzzboundary"
    else:
        body = urlencode(fields).encode()
        ctype = "application/x-www-form-urlencoded"
    headers = {"Content-Type": ctype}
    if signed != "no":
        headers.update(twilio_headers(live.url(app, path), fields if signed == "yes" else {**fields, "x": "y"}))
    answer = _send_and_check(live, app, Request(path, body, headers))
    if answer.status == 200:
        assert answer.headers["content-type"].startswith("text/xml")


# -- Teams ---------------------------------------------------------------------------------------------
TEAMS_BOT = {"id": "28:fuzz-bot", "name": "Botox Bot"}


@st.composite
def teams_activities(draw, live: Live) -> Any:
    """An activity as the Bot Connector posts it, each field kept or replaced by anything at all."""
    conversation = st.fixed_dictionaries(
        {
            "id": either(
                st.one_of(
                    st.sampled_from(["a:1", "a:2", "19:x@thread.tacv2;messageid=1", "19:y@thread.v2"]),
                    st.text(max_size=20),
                )
            )
        },
        optional={
            "conversationType": either(st.sampled_from(["personal", "channel", "groupChat"])),
            "tenantId": either(st.just("t1")),
            "isGroup": any_json,
            "name": any_json,
        },
    )
    mentioned = st.fixed_dictionaries({"id": either(st.just(TEAMS_BOT["id"])), "name": any_json})
    mention = st.fixed_dictionaries(
        {
            "type": either(st.just("mention")),
            "mentioned": either(mentioned),
            "text": either(st.just("<at>Botox Bot</at>")),
        }
    )
    value = st.one_of(
        st.fixed_dictionaries({"botox_choice": either(any_payload)}),
        st.fixed_dictionaries(
            {
                "msteams": either(
                    st.fixed_dictionaries(
                        {"value": either(st.fixed_dictionaries({"botox_choice": either(any_payload)}))}
                    )
                )
            }
        ),
    )
    person = st.fixed_dictionaries(
        {"id": either(st.sampled_from(["29:u1", "29:u2"]) | st.text(max_size=10))},
        optional={"aadObjectId": any_json, "name": any_json},
    )
    return draw(
        st.fixed_dictionaries(
            {
                "type": either(
                    st.sampled_from(
                        ["message"] * 4
                        + [
                            "conversationUpdate",
                            "invoke",
                            "typing",
                            "messageReaction",
                            "installationUpdate",
                            "event",
                            "endOfConversation",
                            "messageUpdate",
                        ]
                    )
                ),
                # always local, never a name to look up; never an unreachable one either: a reply the Bot Connector
                # does not take is a 500 by design (test_teams.py). A serviceUrl that is no URL at all is a 400.
                "serviceUrl": either(
                    st.sampled_from([f"{live.outside}/amer/", f"{live.outside}/"]),
                    st.sampled_from(["not a url", "", "http://[::1", "http://127.0.0.1:99999/"]),
                ),
                "channelId": either(st.just("msteams")),
                "conversation": either(conversation),
                "from": either(person),
                "recipient": either(st.just(TEAMS_BOT)),
                "text": either(st.one_of(any_text, any_text.map(lambda t: f"<at>Botox Bot</at> {t}"))),
            },
            optional={
                "id": either(st.text(max_size=12)),
                "textFormat": any_json,
                "value": either(value),
                "entities": either(st.lists(either(mention), max_size=3)),
                "channelData": any_json,
                "membersAdded": either(st.lists(either(st.just(TEAMS_BOT)), max_size=2)),
                "replyToId": any_json,
                "name": any_json,
                "locale": any_json,
                "timestamp": any_json,
                "attachments": any_json,
                "action": any_json,
            },
        )
    )


@fuzz(250)
@given(data=st.data(), app=st.sampled_from(APPS))
def test_any_teams_activity_is_never_a_5xx(live, data, app):
    activity = data.draw(teams_activities(live))
    body = json.dumps(activity, ensure_ascii=data.draw(st.booleans())).encode()
    if data.draw(st.integers(0, 3)) == 3:
        body = data.draw(with_raw_json(st.just(activity)))
    headers = {"Content-Type": "application/json"}
    authorization = data.draw(st.sampled_from([None] * 9 + ["Bearer", "Bearer x", "Basic abc", ""]))
    if authorization is not None:  # anonymous mode: any token at all is refused
        headers["Authorization"] = authorization
    _send_and_check(live, app, Request(TEAMS, body, headers))


# == what no client library sends: raw bytes on a socket =============================================
# Header values as any bytes (non-ASCII, invalid UTF-8, NUL), bodies compressed or chunked, Expect headers,
# several requests in one write. Sent to the same apps (run as ``botox-bot serve`` runs them) over a bare socket.
RAW_PATHS = [HOOK, WEB, SLACK, SMS, VOICE, TEAMS, "/healthz", "/metrics", "/", "/nowhere"]
SECURITY_HEADERS = [
    "X-Slack-Signature",
    "X-Slack-Request-Timestamp",
    "X-Twilio-Signature",
    signing.SIGNATURE_HEADER,
    signing.TIMESTAMP_HEADER,
    signing.WEB_TOKEN_HEADER,
    "Authorization",
    "X-Request-ID",
    "Content-Type",
    "Origin",
    "Expect",
    "Content-Encoding",
    "X-Forwarded-For",
]
_raw_bytes = st.binary(max_size=80).filter(lambda b: b"\r" not in b and b"\n" not in b)
_raw_values = st.one_of(
    _raw_bytes,
    st.builds(
        lambda prefix, rest: prefix + rest, st.sampled_from([b"v0=", b"v1=", b"Bearer ", b"web-a.1."]), _raw_bytes
    ),
    st.text(max_size=30).map(lambda t: t.encode("utf-8")).filter(lambda b: b"\r" not in b and b"\n" not in b),
    st.sampled_from([b"v0=\xc3\xa9", b"v1=\xff", b"a.1.\xff", "١٧٠٠".encode(), b"Bearer \xff\xfe", b"\xef\xbb\xbf"]),
)
_bodies = st.one_of(
    st.just(json.dumps({"sender": "raw", "message": "how long does botox last?"}).encode()),
    st.just(urlencode({"Body": "hi", "From": "+15550001"}).encode()),
    any_body,
)


def _finals(responses: list[RawResponse]) -> list[RawResponse]:
    return [r for r in responses if r.status >= 200]


def _check_raw(live: Live, where: str, responses: list[RawResponse], unhandled_before: int) -> None:
    for response in _finals(responses):
        note(f"{where}: {response.status} {response.body[:200]!r}")
        assert 200 <= response.status < 500, f"{where} answered {response.status}: {response.body[:300]!r}"
        assert b"Traceback" not in response.body, where
    unhandled = live.recorder.unhandled()
    assert len(unhandled) == unhandled_before, f"{where}; the server logged:\n" + "\n".join(
        unhandled[unhandled_before:]
    )


@fuzz(250)
@given(data=st.data(), app=st.sampled_from(APPS))
def test_any_header_bytes_are_never_a_5xx(live, data, app):
    path = data.draw(st.sampled_from(RAW_PATHS))
    method = data.draw(st.sampled_from(["POST"] * 4 + ["GET"]))
    body = data.draw(_bodies) if method == "POST" else b""
    ctype = "application/x-www-form-urlencoded" if path.startswith("/twilio") else "application/json"
    headers: list[tuple[str, str | bytes]] = [("Content-Type", ctype)]
    if data.draw(st.booleans()) and path in (HOOK, WEB):  # a valid signature, then the raw header after it
        headers += list(webhook_headers(body).items())
    for name in data.draw(st.lists(st.sampled_from(SECURITY_HEADERS), min_size=1, max_size=4)):
        headers.append((name, data.draw(_raw_values)))
    before = len(live.recorder.unhandled())
    _check_raw(
        live, f"{method} {path} on {app!r}", live.send_raw(app, path, raw_request(method, path, headers, body)), before
    )


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_an_expect_header_that_is_not_text_is_417_even_where_no_route_takes_the_method(live, method):
    """Found by the fuzzer above: aiohttp's own Expect handler (a 404 or 405) answered 500 on a byte like 0x80."""
    request = raw_request(method, HOOK, [("Content-Type", "application/json"), ("Expect", b"\x80")], b"")
    (answer,) = _finals(live.send_raw("open", HOOK, request))
    assert answer.status == 417


def _compress(body: bytes, how: str) -> bytes:
    import gzip
    import zlib

    if how == "gzip":
        return gzip.compress(body)
    if how == "deflate":
        return zlib.compress(body)
    return body


@fuzz(200)
@given(data=st.data(), app=st.sampled_from(APPS))
def test_any_compressed_chunked_or_expecting_body_is_never_a_5xx(live, data, app):
    path = data.draw(st.sampled_from(RAW_PATHS))
    body = data.draw(_bodies)
    headers: list[tuple[str, str | bytes]] = [
        ("Content-Type", data.draw(st.sampled_from(["application/json", "application/x-www-form-urlencoded"])))
    ]
    if app == "signed" and path == HOOK:
        headers += list(webhook_headers(body).items())
    encoding = data.draw(st.sampled_from([None, "gzip", "deflate", "br", "zstd", "identity", "gzip, deflate", "x"]))
    if encoding is not None:
        body = _compress(body, encoding) if data.draw(st.booleans()) else body
        headers.append(("Content-Encoding", encoding))
    expect = data.draw(st.sampled_from([None, None, "100-continue", "100-Continue", "200-ok", ""]))
    if expect is not None:
        headers.append(("Expect", expect))
    framing = data.draw(
        st.sampled_from(["length", "chunked", "huge"] if expect == "100-continue" else ["length", "chunked"])
    )
    if framing == "chunked":
        headers.append(("Transfer-Encoding", "chunked"))
        payload = chunked(body, data.draw(st.integers(1, 4096)))
    elif framing == "huge":  # declared far over any limit: refused before "100 Continue", the body never sent
        headers.append(("Content-Length", str(data.draw(st.integers(2_000_000, 10**12)))))
        payload = b""
    else:
        payload = body
    before = len(live.recorder.unhandled())
    responses = live.send_raw(app, path, raw_request("POST", path, headers, payload))
    _check_raw(live, f"POST {path} on {app!r} ({encoding}, {framing}, Expect {expect})", responses, before)
    finals = _finals(responses)
    assert finals, f"no answer to POST {path} ({encoding}, {framing}, Expect {expect})"
    if path in ("/", "/nowhere", "/healthz", "/metrics"):
        return  # no POST route: 404 or 405, checked above for what matters (no 5xx)
    if expect not in (None, "") and expect.lower() != "100-continue":
        assert finals[0].status == 417, finals[0]
    elif encoding not in (None, "identity"):
        assert finals[0].status == 415, finals[0]  # refused unread, never inflated
    elif framing == "huge":
        assert responses[0].status == 413, responses  # never "100 Continue" first: the upload never starts


@fuzz(80)
@given(
    kinds=st.lists(
        st.sampled_from(["question", "question", "bad_json", "health", "gzip", "form"]), min_size=2, max_size=6
    )
)
def test_pipelined_requests_are_answered_in_order_never_a_5xx(live, kinds):
    """Several requests in one write: each answered in order, until one that closes the connection."""
    parts = []
    for i, kind in enumerate(kinds):
        body = json.dumps({"sender": f"pipe-{i}", "message": "how long does botox last?"}).encode()
        if kind == "question":
            parts.append(raw_request("POST", HOOK, [("Content-Type", "application/json")], body))
        elif kind == "bad_json":
            parts.append(raw_request("POST", HOOK, [("Content-Type", "application/json")], b"{not json"))
        elif kind == "health":
            parts.append(raw_request("GET", "/healthz"))
        elif kind == "gzip":
            headers = [("Content-Type", "application/json"), ("Content-Encoding", "gzip")]
            parts.append(raw_request("POST", HOOK, headers, _compress(body, "gzip")))
        else:
            parts.append(raw_request("POST", HOOK, [("Content-Type", "application/x-www-form-urlencoded")], b"a=b"))
    before = len(live.recorder.unhandled())
    responses = _finals(live.send_raw("open", HOOK, b"".join(parts), responses=len(kinds)))
    _check_raw(live, f"pipelined {kinds}", responses, before)
    closing = next((n for n, r in enumerate(responses) if r.headers.get("connection", "").lower() == "close"), None)
    expected = len(kinds) if closing is None else closing + 1
    assert len(responses) == expected, (kinds, [r.status for r in responses])
    for i, (kind, response) in enumerate(zip(kinds, responses)):
        want = {"question": 200, "bad_json": 400, "health": 200, "gzip": 415, "form": 415}[kind]
        assert response.status == want, (i, kind, response.status)
        if kind == "question":
            assert response.json()[0]["recipient_id"] == f"pipe-{i}"


# == after the fuzzing: still answering, nothing logged as unhandled ====================================
def test_the_server_survived_and_logged_no_unhandled_error(live):
    for app in APPS:
        body = json.dumps({"sender": f"after-{app}", "message": "how long does botox last?"}).encode()
        headers = {"Content-Type": "application/json"}
        if app == "signed":
            headers.update(webhook_headers(body))
        answer = live.send(app, HOOK, body, headers)
        assert answer.status == 200, (app, answer)
        (message,) = json.loads(answer.body)
        assert "3 to 4 months" in message["text"] and CONSULT in message["text"]
    flood = [
        live.send(
            "limited",
            HOOK,
            json.dumps({"sender": "flood", "message": "hi"}).encode(),
            {"Content-Type": "application/json"},
        )
        for _ in range(3)
    ]
    assert [a.status for a in flood] == [200, 200, 429]  # the limit the fuzzing ran into is still there
    assert json.loads(flood[-1].body)["error"]["code"] == "rate_limited"
    time.sleep(0.5)  # let Slack listeners that answer after the ack finish
    unhandled = live.recorder.unhandled()
    assert not unhandled, "the server logged unhandled errors:\n" + "\n\n".join(unhandled)
    assert not live.loop_errors, live.loop_errors
    print("\nstatuses (app, path, status):", dict(sorted(live.statuses.items())))
    background = live.recorder.matching(lambda rec, text: "Failed to run listener" in text)
    if background:  # a Slack listener runs after the ack: its failure is no 5xx, but the person got no answer
        print(f"{len(background)} Slack listener failure(s) after the ack, e.g.:", *background[:5], sep="\n")
    failed = [k for k, n in live.statuses.items() if k[2] >= 500]
    if live.statuses and not failed:  # the fuzz tests above ran and passed: check they reached the handlers
        reached = {path for (_, path, status) in live.statuses if 200 <= status < 300}
        assert set(ENDPOINTS) <= reached, f"never answered 2xx: {set(ENDPOINTS) - reached}; {live.statuses}"
