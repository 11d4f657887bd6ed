"""Slack's side of the wire, on 127.0.0.1, for tests: the Web API, response_url targets, Socket Mode, payloads.

Nothing here reaches slack.com. ``SlackWebAPIMock`` answers ``POST /api/<method>`` the way Slack does (the bot
gets its ``base_url`` as ``SLACK_API_BASE_URL``) and records every call; ``SocketModeMock`` plays the WebSocket
end of Socket Mode. The payload builders copy the shapes Slack documents:

- Events API wrapper, ``app_mention``, ``message`` (``channel_type``), ``bot_message``, ``message_changed``:
  https://docs.slack.dev/reference/events/app_mention, .../events/message, .../message/bot_message,
  .../message/message_changed
- slash commands (form fields): https://docs.slack.dev/interactivity/implementing-slash-commands
- ``block_actions``: https://docs.slack.dev/reference/interaction-payloads/block_actions-payload
- Socket Mode ``hello``, envelopes and acks: https://docs.slack.dev/apis/events-api/using-socket-mode
- ``url_verification``: https://docs.slack.dev/reference/events/url_verification
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
import uuid
from typing import Any

from aiohttp import WSMsgType, web
from slack_sdk.signature import SignatureVerifier

TEAM_ID = "T0CLINIC"
APP_ID = "A0BOTOX"
BOT_USER_ID = "U0BOT"
BOT_ID = "B0BOT"
STAFF_USER = "U0STAFF"

AUTH_TEST = {
    "ok": True,
    "url": "https://clinic.slack.com/",
    "team": "Clinic",
    "user": "botox",
    "team_id": TEAM_ID,
    "user_id": BOT_USER_ID,
    "bot_id": BOT_ID,
}

_counter = itertools.count(1)
_BASE = int(time.time())


def next_ts() -> str:
    """A Slack message timestamp ("1700000000.000100"), increasing and unique within the test run."""
    n = next(_counter)
    return f"{_BASE + n}.{n * 100:06d}"


async def _start(app: web.Application) -> tuple[web.AppRunner, int]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    return runner, port


async def _poll(ready, timeout: float, what) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not ready():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(what())
        await asyncio.sleep(0.02)


# -- the Web API -------------------------------------------------------------------------------------
class SlackWebAPIMock:
    """``POST /api/<method>`` for any method, recorded as ``(method, params)``; ``POST /response_url/<id>``.

    ``params`` is the JSON body or the form body (plus query parameters); a ``blocks`` field sent as a JSON
    string in a form (as Slack allows) is decoded, so tests read blocks the same way whatever the client sent.
    """

    def __init__(self) -> None:
        self.recorded: list[tuple[str, dict[str, Any]]] = []
        self.answers: list[dict[str, Any]] = []  # what the mock answered each recorded call (e.g. the ts posted)
        self.authorizations: list[str | None] = []  # the Authorization header of each recorded call
        self.responses: list[tuple[str, dict[str, Any]]] = []  # (id, JSON body) posted to a response_url
        self.socket_mode: SocketModeMock | None = None
        # Slack under strain, for escalation tests: the next N chat.postMessage calls answer 429 ``ratelimited``
        # with ``Retry-After``; every chat.postMessage waits ``delay`` seconds first; and the most calls open at once
        self.ratelimited_next = 0
        self.retry_after = 1
        self.refused: list[dict[str, Any]] = []  # the calls answered 429
        self.delay = 0.0
        self.open_calls = 0
        self.most_open_calls = 0
        self._closing = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.port = 0
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)  # the SDK reads some methods (users.info) with GET
        app.router.add_post("/response_url/{id}", self._response_url)
        self._app = app

    # life cycle
    async def start(self) -> SlackWebAPIMock:
        self._runner, self.port = await _start(self._app)
        return self

    async def close(self) -> None:
        self._closing.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> SlackWebAPIMock:
        return await self.start()

    async def __aexit__(self, *exc) -> None:
        await self.close()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, id: str) -> str:
        return f"http://127.0.0.1:{self.port}/response_url/{id}"

    # what arrived
    def calls(self, method: str) -> list[dict[str, Any]]:
        return [params for name, params in self.recorded if name == method]

    def answers_to(self, method: str) -> list[dict[str, Any]]:
        return [answer for (name, _), answer in zip(self.recorded, self.answers) if name == method]

    def responses_to(self, id: str) -> list[dict[str, Any]]:
        return [body for rid, body in self.responses if rid == id]

    async def wait_for(self, method: str, count: int = 1, timeout: float = 5) -> list[dict[str, Any]]:
        """Poll until ``count`` calls of ``method`` arrived (the bot answers events after acking them)."""
        await _poll(
            lambda: len(self.calls(method)) >= count,
            timeout,
            lambda: f"expected {count} {method} call(s) in {timeout}s; got {self.recorded}",
        )
        return self.calls(method)

    async def wait_for_response(self, id: str, count: int = 1, timeout: float = 5) -> list[dict[str, Any]]:
        await _poll(
            lambda: len(self.responses_to(id)) >= count,
            timeout,
            lambda: f"expected {count} post(s) to response_url {id} in {timeout}s; got {self.responses}",
        )
        return self.responses_to(id)

    # handlers
    @staticmethod
    async def _params(request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            raw = await request.read()
            params.update(json.loads(raw) if raw else {})
        else:
            params.update((await request.post()).items())
        for key in ("blocks", "attachments"):
            if isinstance(params.get(key), str):
                params[key] = json.loads(params[key])
        return params

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await self._params(request)
        if method == "chat.postMessage":
            self.open_calls += 1
            self.most_open_calls = max(self.most_open_calls, self.open_calls)
            try:
                if self.delay:  # cut short when the mock closes, so a test never waits out a hanging Slack
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._closing.wait(), self.delay)
            finally:
                self.open_calls -= 1
            if self.ratelimited_next > 0:
                self.ratelimited_next -= 1
                self.refused.append(params)
                return web.json_response(
                    {"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": str(self.retry_after)}
                )
        answer = self._answer(method, params)
        self.recorded.append((method, params))
        self.authorizations.append(request.headers.get("Authorization"))
        self.answers.append(answer)
        return web.json_response(answer)

    def _answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return AUTH_TEST
        if method == "chat.postMessage":
            ts = next_ts()
            message = {
                "type": "message",
                "subtype": "bot_message",
                "text": params.get("text", ""),
                "user": BOT_USER_ID,
                "bot_id": BOT_ID,
                "app_id": APP_ID,
                "team": TEAM_ID,
                "ts": ts,
            }
            for key in ("blocks", "thread_ts"):
                if key in params:
                    message[key] = params[key]
            return {"ok": True, "channel": params.get("channel"), "ts": ts, "message": message}
        if method == "users.info":
            user = params.get("user", "")
            profile = {"display_name": "Amy", "real_name": "Amy Nurse"}
            return {"ok": True, "user": {"id": user, "name": "nurse.amy", "profile": profile}}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": next_ts()}
        if method == "apps.connections.open":
            if self.socket_mode is None:
                return {"ok": False, "error": "no SocketModeMock attached to this SlackWebAPIMock"}
            return {"ok": True, "url": self.socket_mode.ws_url}
        return {"ok": True}

    async def _response_url(self, request: web.Request) -> web.Response:
        self.responses.append((request.match_info["id"], await request.json()))
        return web.Response(text="ok")  # what hooks.slack.com answers


# -- Socket Mode -------------------------------------------------------------------------------------
class SocketModeMock:
    """Slack's end of a Socket Mode WebSocket: ``hello`` on connect, envelopes out, acks in."""

    def __init__(self, app_id: str = APP_ID) -> None:
        self.app_id = app_id
        self.acks: dict[str, dict[str, Any]] = {}
        self.received: list[Any] = []  # every message the client sent, acks included
        self.connections = 0
        self._sockets: list[web.WebSocketResponse] = []
        self._runner: web.AppRunner | None = None
        self.port = 0
        app = web.Application()
        app.router.add_get("/link/", self._link)
        self._app = app

    async def start(self) -> SocketModeMock:
        self._runner, self.port = await _start(self._app)
        return self

    async def close(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> SocketModeMock:
        return await self.start()

    async def __aexit__(self, *exc) -> None:
        await self.close()

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/link/?ticket={uuid.uuid4()}&app_id={self.app_id}"

    async def _link(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()  # answers the client's pings with pongs
        await ws.prepare(request)
        self.connections += 1
        self._sockets.append(ws)
        await ws.send_json(
            {
                "type": "hello",
                "num_connections": 1,
                "debug_info": {
                    "host": "applink-mock-127.0.0.1",
                    "build_number": 1,
                    "approximate_connection_time": 18060,
                },
                "connection_info": {"app_id": self.app_id},
            }
        )
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                data = json.loads(msg.data)
                self.received.append(data)
                if isinstance(data, dict) and "envelope_id" in data:
                    self.acks[data["envelope_id"]] = data
        finally:
            self._sockets.remove(ws)
        return ws

    async def wait_connected(self, timeout: float = 10) -> None:
        await _poll(lambda: bool(self._sockets), timeout, lambda: f"no Socket Mode client connected in {timeout}s")

    async def send_envelope(self, payload: dict[str, Any], type: str = "events_api") -> str:
        """Send ``payload`` in an envelope as Slack does; returns its ``envelope_id``."""
        await self.wait_connected()
        envelope_id = str(uuid.uuid4())
        envelope: dict[str, Any] = {
            "envelope_id": envelope_id,
            "payload": payload,
            "type": type,
            "accepts_response_payload": type != "events_api",
        }
        if type == "events_api":
            envelope.update(retry_attempt=0, retry_reason="")
        await self._sockets[-1].send_json(envelope)
        return envelope_id

    async def wait_ack(self, envelope_id: str, timeout: float = 5) -> dict[str, Any]:
        await _poll(
            lambda: envelope_id in self.acks,
            timeout,
            lambda: f"envelope {envelope_id} not acked in {timeout}s; received {self.received}",
        )
        return self.acks[envelope_id]


# -- payloads ----------------------------------------------------------------------------------------
def url_verification(challenge: str) -> dict[str, Any]:
    return {"token": "Jhj5dZrVaK7ZwHHjRyZWjbDl", "challenge": challenge, "type": "url_verification"}


def event_callback(
    event: dict[str, Any], event_id: str | None = None, team_id: str = TEAM_ID, api_app_id: str = APP_ID
) -> dict[str, Any]:
    """The Events API wrapper around one event."""
    return {
        "token": "XXYYZZ",
        "team_id": team_id,
        "api_app_id": api_app_id,
        "event": event,
        "type": "event_callback",
        "event_id": event_id or f"Ev{uuid.uuid4().hex[:10].upper()}",
        "event_time": int(time.time()),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": BOT_USER_ID,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": f"4-{uuid.uuid4().hex}",
    }


def _message_fields(text: str, user: str, channel: str, ts: str | None, thread_ts: str | None) -> dict[str, Any]:
    ts = ts or next_ts()
    event = {"user": user, "text": text, "ts": ts, "channel": channel, "event_ts": ts}
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def app_mention(
    text: str, user: str = STAFF_USER, channel: str = "C0FRONT", ts: str | None = None, thread_ts: str | None = None
) -> dict[str, Any]:
    return {"type": "app_mention", **_message_fields(text, user, channel, ts, thread_ts)}


def channel_message(
    text: str, channel: str = "C0FRONT", ts: str | None = None, thread_ts: str | None = None, user: str = STAFF_USER
) -> dict[str, Any]:
    return {"type": "message", **_message_fields(text, user, channel, ts, thread_ts), "channel_type": "channel"}


def dm(text: str, user: str = STAFF_USER, channel: str = "D0DM", ts: str | None = None) -> dict[str, Any]:
    return {"type": "message", **_message_fields(text, user, channel, ts, None), "channel_type": "im"}


def bot_message(
    text: str,
    channel: str = "C0FRONT",
    bot_id: str = "B0OTHER",
    ts: str | None = None,
    thread_ts: str | None = None,
    channel_type: str = "channel",
) -> dict[str, Any]:
    """Posted by an integration: a ``bot_id``, subtype ``bot_message``, no ``user``."""
    ts = ts or next_ts()
    event = {
        "type": "message",
        "subtype": "bot_message",
        "ts": ts,
        "text": text,
        "bot_id": bot_id,
        "username": "reminders",
        "icons": {},
        "channel": channel,
        "event_ts": ts,
        "channel_type": channel_type,
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def edited_message(
    text: str,
    previous_text: str = "",
    user: str = STAFF_USER,
    channel: str = "D0DM",
    channel_type: str = "im",
    original_ts: str | None = None,
) -> dict[str, Any]:
    """A ``message_changed`` event: the edited message nested under ``message``."""
    original_ts, edit_ts = original_ts or next_ts(), next_ts()
    return {
        "type": "message",
        "subtype": "message_changed",
        "hidden": True,
        "channel": channel,
        "ts": edit_ts,
        "event_ts": edit_ts,
        "channel_type": channel_type,
        "message": {
            "type": "message",
            "user": user,
            "text": text,
            "ts": original_ts,
            "edited": {"user": user, "ts": edit_ts},
        },
        "previous_message": {"type": "message", "user": user, "text": previous_text, "ts": original_ts},
    }


def slash_command(
    text: str, response_url: str, command: str = "/botox", user_id: str = STAFF_USER, channel_id: str = "C0FRONT"
) -> dict[str, str]:
    """The form fields Slack posts for a slash command (application/x-www-form-urlencoded)."""
    return {
        "token": "gIkuvaNzQIHg97ATvDxqgjtO",
        "team_id": TEAM_ID,
        "team_domain": "clinic",
        "channel_id": channel_id,
        "channel_name": "front-desk",
        "user_id": user_id,
        "user_name": "nurse.amy",
        "command": command,
        "text": text,
        "api_app_id": APP_ID,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": f"13345224609.738474920.{uuid.uuid4().hex}",
    }


def block_actions(
    action_id: str,
    value: str,
    response_url: str,
    channel: str,
    message_ts: str,
    thread_ts: str | None = None,
    container_is_ephemeral: bool = False,
    message_blocks: list[dict[str, Any]] | None = None,
    message_text: str = "",
    user: str = STAFF_USER,
) -> dict[str, Any]:
    """A button click: form-encode as ``payload=<this as JSON>``.

    Not confirmed by Slack's docs, which give the fields but no full example for a Block Kit message: the
    Socket Mode guide's example has ``container.type: "message_attachment"``; Block Kit buttons use
    ``"message"`` here. ``thread_ts`` in ``container`` and ``message`` for a click inside a thread follows payloads
    seen in other projects' code.
    """
    container: dict[str, Any] = {
        "type": "message",
        "message_ts": message_ts,
        "channel_id": channel,
        "is_ephemeral": container_is_ephemeral,
    }
    message: dict[str, Any] = {
        "type": "message",
        "subtype": "bot_message",
        "text": message_text,
        "user": BOT_USER_ID,
        "bot_id": BOT_ID,
        "app_id": APP_ID,
        "team": TEAM_ID,
        "ts": message_ts,
        "blocks": message_blocks or [],
    }
    if thread_ts:
        container["thread_ts"] = thread_ts
        message["thread_ts"] = thread_ts
    return {
        "type": "block_actions",
        "user": {"id": user, "username": "nurse.amy", "name": "nurse.amy", "team_id": TEAM_ID},
        "api_app_id": APP_ID,
        "token": "9s8d9as89d8as9d8as989",
        "container": container,
        "trigger_id": f"12321423423.333649436676.{uuid.uuid4().hex}",
        "team": {"id": TEAM_ID, "domain": "clinic"},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel, "name": "front-desk" if channel.startswith("C") else "directmessage"},
        "message": message,
        "state": {"values": {}},
        "response_url": response_url,
        "actions": [
            {
                "action_id": action_id,
                "block_id": "botox_actions",
                "type": "button",
                "value": value,
                "text": {"type": "plain_text", "text": value, "emoji": True},
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }


def signed_headers(secret: str, body: bytes, content_type: str, timestamp: int | None = None) -> dict[str, str]:
    """Slack's request signature (v0, HMAC-SHA256 over ``v0:<timestamp>:<body>``) and the content type."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    signature = SignatureVerifier(secret).generate_signature(timestamp=str(timestamp), body=body)
    return {"X-Slack-Request-Timestamp": str(timestamp), "X-Slack-Signature": signature, "Content-Type": content_type}
