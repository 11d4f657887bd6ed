"""The patient messaging webhook, in Rasa's REST channel format, so widgets built for Rasa work unchanged.

Request:  ``POST /webhooks/rest/webhook`` ``{"sender": "abc", "message": "how long does it last?", "metadata": {}}``
Response: ``[{"recipient_id": "abc", "text": "...", "buttons": [{"title": "...", "payload": "/duration"}],
"custom": {"intent": "duration", "confidence": 0.93, "emergency": false, ...}}]``

A button's ``payload`` sent back as the next ``message`` picks that choice. ``custom`` is where Rasa puts
anything beyond text and buttons; clients that do not know it ignore it. Its ``language`` is the reply's.

A request may say the language the person uses (a widget's page language): a top-level ``language`` or
``metadata.language``, a language tag such as ``es`` or ``es-MX``. It is the message's channel language: the
engine still answers a message in the language it is written in, and uses this one for messages too short to
tell ("ok", "botox?").
"""

from __future__ import annotations

import re
import uuid
from typing import Any, Self

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, StrictStr, field_validator

from botox_bot.channels.base import Channel, Route
from botox_bot.core.models import Message, Reply
from botox_bot.runtime import AlreadyClaimed, BotRuntime, Claim, RateLimited
from botox_bot.server import signing
from botox_bot.server.body import parse_json, parse_model, read_limited, require_json
from botox_bot.server.clients import client_address, networks
from botox_bot.server.errors import Problem
from botox_bot.server.replies import json_reply
from botox_bot.settings import ServerSettings, Settings

WEBHOOK_PATH = "/webhooks/rest/webhook"
LANGUAGE_TAG = r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8}){0,4}$"
"""A language tag as browsers and platforms send it: "es", "es-MX", "es_419", "zh-Hant-TW"."""


class RestRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")  # Rasa clients may send more (input_channel, ...)

    message: StrictStr
    sender: StrictStr | None = Field(None, min_length=1, max_length=128)
    metadata: dict[str, Any] | None = None
    language: StrictStr | None = Field(None, description="The person's language, a tag such as es or es-MX.")

    @field_validator("language")
    @classmethod
    def _language_tag(cls, value: str | None) -> str | None:
        if value is not None and not (len(value) <= 35 and re.fullmatch(LANGUAGE_TAG, value)):
            raise ValueError("must be a language tag such as es or es-MX")
        return value

    def explicit_language(self) -> str | None:
        """The language the client says the person uses: ``language``, else a well-formed ``metadata.language``
        (metadata is free-form, so anything else there is ignored rather than refused)."""
        if self.language:
            return self.language
        tag = (self.metadata or {}).get("language")
        return tag if isinstance(tag, str) and len(tag) <= 35 and re.fullmatch(LANGUAGE_TAG, tag) else None


def rasa_messages(reply: Reply, recipient: str) -> list[dict[str, Any]]:
    """One Rasa message carrying the whole reply (consult prompt included), its buttons and the extras; none
    when the reply has nothing to say (staff hold the conversation and have the message), as Rasa answers ``[]``
    when its bot is silent."""
    if not reply.text:
        return []
    message: dict[str, Any] = {"recipient_id": recipient, "text": reply.text}
    if reply.choices:
        message["buttons"] = [{"title": c.title, "payload": c.payload} for c in reply.choices]
    message["custom"] = {
        "intent": reply.intent,
        "confidence": reply.confidence,
        "emergency": reply.emergency,
        "urgency": reply.urgency,
        "answer": reply.answer,
        "consult": reply.consult,
        "sources": reply.sources,
        "language": reply.language,
        "handoff": reply.handoff,
    }
    return [message]


async def read_rasa_body(request: web.Request, max_bytes: int) -> bytes:
    """The raw JSON body, within ``max_bytes``; checked before it is parsed, so strangers learn nothing."""
    require_json(request)
    return await read_limited(request, max_bytes)


async def answer_rasa(channel: Channel, body: RestRequest, address: str, claim: Claim | None = None) -> web.Response:
    """Answer one Rasa-format message through ``channel`` (the webhook, or the chat page's own route).

    ``address`` is the client's (``botox_bot.server.clients``): its own limit holds a client that invents a
    sender per message, and a message with no sender is counted by it alone. ``claim``: a signed request's
    signature, claimed with the rate limit (``AlreadyClaimed`` if replayed).
    """
    sender = body.sender or f"anonymous-{uuid.uuid4().hex}"  # as Rasa does: no sender, no shared context
    message = Message(
        text=body.message,
        sender_id=sender,
        channel=channel.name,
        metadata=body.metadata or {},
        language=body.explicit_language(),
    )
    try:
        reply = await channel.answer(message, rate_key=body.sender or f"ip:{address}", claim=claim, address=address)
    except RateLimited as limited:
        raise too_many(limited.retry_after, "messages") from None
    return json_reply(rasa_messages(reply, sender), headers={"Cache-Control": "no-store"})


def too_many(wait: int, what: str) -> Problem:
    return Problem(429, "rate_limited", f"too many {what}; wait {wait} seconds", {"Retry-After": str(wait)})


class RestChannel(Channel):
    """Integrations and widgets on a clinic's own site; signed (HMAC) when a webhook secret is set."""

    name = "rest"
    label = "the webhook"
    patient = True

    def __init__(self, runtime: BotRuntime, server: ServerSettings, prefix: str = ""):
        super().__init__(runtime, prefix)
        self.server = server
        self.trusted = networks(server.trusted_proxies)

    @classmethod
    def from_settings(cls, runtime: BotRuntime, settings: Settings, prefix: str = "") -> Self:
        return cls(runtime, settings.server, prefix)

    def routes(self) -> list[Route]:
        return [
            Route("POST", self.path(WEBHOOK_PATH), self.receive, self.server.max_body_bytes),
            Route("GET", self.path("/webhooks/rest/"), self.status),
            Route("OPTIONS", self.path(WEBHOOK_PATH), self.preflight),
        ]

    async def status(self, request: web.Request) -> web.Response:
        """Rasa's REST channel answers this; some widgets check it before they show themselves."""
        return web.json_response({"status": "ok"})

    async def preflight(self, request: web.Request) -> web.Response:
        """CORS preflight, for widgets on a clinic's own site (``BOTOX_BOT_CORS_ORIGINS``)."""
        headers = self._cors(request)
        if not headers:
            raise Problem(403, "origin_not_allowed", "this origin may not call the webhook; see BOTOX_BOT_CORS_ORIGINS")
        headers.update(
            {
                "Access-Control-Allow-Methods": "POST, OPTIONS",
                "Access-Control-Allow-Headers": ", ".join(
                    ["Content-Type", "X-Request-ID", signing.SIGNATURE_HEADER, signing.TIMESTAMP_HEADER]
                ),
                "Access-Control-Max-Age": "600",
            }
        )
        return web.Response(status=204, headers=headers)

    def _cors(self, request: web.Request) -> dict[str, str]:
        origin = request.headers.get("Origin")
        allowed = self.server.cors_origins
        if not origin or not ("*" in allowed or origin in allowed):
            return {}
        return {
            "Access-Control-Allow-Origin": origin,
            "Vary": "Origin",
            "Access-Control-Expose-Headers": "Retry-After, X-Request-ID",
        }

    async def receive(self, request: web.Request) -> web.Response:
        """Answer, with CORS headers on the answer and on every refusal (so a widget can read the error)."""
        cors = self._cors(request)
        try:
            response = await self._receive(request)
        except Problem as problem:
            problem.headers.update(cors)
            raise
        response.headers.update(cors)
        return response

    async def _receive(self, request: web.Request) -> web.Response:
        """Check, parse, answer: each refusal is a JSON error that says what to fix."""
        raw = await read_rasa_body(request, self.server.max_body_bytes)
        claim = self._authenticate(request, raw)  # before parsing: strangers learn nothing
        body = parse_model(RestRequest, parse_json(raw))
        try:  # the signature is claimed with the rate limit and the context: one round trip to Redis
            return await answer_rasa(self, body, client_address(request, self.trusted), claim)
        except AlreadyClaimed:
            raise self._unauthorized("replay", "this signed request was already received; sign each one anew") from None

    def _authenticate(self, request: web.Request, raw: bytes) -> Claim | None:
        """With a shared secret: a valid signature, and the claim that makes each signed request received once."""
        secret = self.server.webhook_secret
        if secret is None:
            return None
        max_age = self.server.signature_max_age_seconds
        try:
            signature = signing.verify(secret.get_secret_value(), raw, request.headers, max_age)
        except signing.SignatureError as exc:
            raise self._unauthorized("signature", str(exc)) from None
        return f"signature:{signature}", 2 * max_age

    def _unauthorized(self, reason: str, message: str) -> Problem:
        self.runtime.metrics.rejected.labels(self.name, reason).inc()
        return Problem(
            401, "bad_signature" if reason == "signature" else "replayed", message, {"WWW-Authenticate": "HMAC-SHA256"}
        )
