"""The web chat: the page at ``/`` (one HTML page, one script, one stylesheet, from the package) and its messages.

No CDN and no build step. The page posts to a route of its own, ``POST /chat/messages``, in the Rasa REST format
the webhook speaks, so its messages carry ``channel="web"``: counted, limited, worded (``channel: web`` content
variations) and reported to staff as the web chat's, not mixed with the integrations on the webhook. Each page
load gets its own sender id and, when a webhook secret is set, a web token for that sender (see
``botox_bot.server.signing``), which that route then requires; the webhook itself takes only signatures.
"""

from __future__ import annotations

import hashlib
import html
import re
import uuid
from importlib import resources
from typing import Self

from aiohttp import web

from botox_bot.channels.base import Channel, Route
from botox_bot.channels.formatting import listing, topic_choices
from botox_bot.channels.rest import RestRequest, answer_rasa, read_rasa_body, too_many
from botox_bot.runtime import BotRuntime, RateLimited
from botox_bot.server import signing
from botox_bot.server.body import parse_json, parse_model
from botox_bot.server.clients import client_address, networks
from botox_bot.server.errors import Problem
from botox_bot.settings import ServerSettings, Settings

MESSAGES_PATH = "/chat/messages"
WEB_TOKEN_TTL_SECONDS = 12 * 3600
_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")
_ASSETS = {"chat.js": "text/javascript", "chat.css": "text/css"}
_SECURITY_HEADERS = {
    # everything from this origin, nothing inline, nothing from elsewhere; framing allowed (clinic sites embed it)
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' data:; base-uri 'none'; form-action 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def _read(name: str) -> str:
    return resources.files("botox_bot.channels.web").joinpath("static", name).read_text(encoding="utf-8")


class WebChatChannel(Channel):
    name = "web"
    label = "the web chat"
    patient = True

    @classmethod
    def configured(cls, settings: Settings) -> bool:
        return settings.web_chat

    @classmethod
    def from_settings(cls, runtime: BotRuntime, settings: Settings, prefix: str = "") -> Self:
        return cls(runtime, settings.server, prefix)

    def __init__(self, runtime: BotRuntime, server: ServerSettings, prefix: str = ""):
        super().__init__(runtime, prefix)
        self.server = server
        self.trusted = networks(server.trusted_proxies)
        self._page = _read("index.html")
        self._assets = {name: _read(name).encode("utf-8") for name in _ASSETS}
        # in the asset URLs, so a browser never runs last release's script with this release's page
        self._version = hashlib.sha256(b"".join(self._assets.values())).hexdigest()[:12]

    def routes(self) -> list[Route]:
        return [
            Route("GET", self.path("/"), self.page),
            Route("POST", self.path(MESSAGES_PATH), self.messages, self.server.max_body_bytes),
            *(Route("GET", self.path(f"/chat/{name}"), self._asset_handler(name)) for name in _ASSETS),
        ]

    async def page(self, request: web.Request) -> web.Response:
        """The page, with a new sender id (and web token): counted per client address, as each is a new sender."""
        try:
            await self.runtime.admit_visit(self, client_address(request, self.trusted))
        except RateLimited as limited:
            raise too_many(limited.retry_after, "page loads") from None
        sender = f"web-{uuid.uuid4().hex}"
        secret = self.server.webhook_secret
        token = signing.issue_web_token(secret.get_secret_value(), sender, WEB_TOKEN_TTL_SECONDS) if secret else ""
        values = {
            "clinic_name": self.runtime.clinic.name,
            "messages_url": self.path(MESSAGES_PATH),
            "asset_prefix": self.path("/chat/"),
            "sender": sender,
            "token": token,
            "emergency_number": self.runtime.clinic.emergency_number,
            "asset_version": self._version,
            "intro": self._intro(),
        }
        # one pass: a value that itself looks like {{name}} is never expanded again
        text = _PLACEHOLDER.sub(lambda m: html.escape(values.get(m[1], ""), quote=True), self._page)
        headers = {**_SECURITY_HEADERS, "Cache-Control": "no-store"}  # the page carries a per-visit token
        return web.Response(text=text, content_type="text/html", headers=headers)

    def _intro(self) -> str:
        """What the bot answers, from the content's topics (a general line while the content is loading)."""
        titles = [choice.title for choice in topic_choices(self.runtime.content)]
        return f"Ask me about {listing(titles, 'or')}." if titles else "Ask me a question about Botox."

    async def messages(self, request: web.Request) -> web.Response:
        """A question from the page: its web token first (when a secret is set), then the body, then the answer."""
        raw = await read_rasa_body(request, self.server.max_body_bytes)
        pinned = self._authenticate(request)
        body = parse_model(RestRequest, parse_json(raw))
        if pinned is not None and body.sender != pinned:
            raise self._unauthorized("the web token belongs to another sender")
        return await answer_rasa(self, body, client_address(request, self.trusted))

    def _authenticate(self, request: web.Request) -> str | None:
        """With a webhook secret: the page's web token, whose sender the body must name (returned); else None."""
        secret = self.server.webhook_secret
        if secret is None:
            return None
        token = request.headers.get(signing.WEB_TOKEN_HEADER)
        if not token:
            raise self._unauthorized(f"send the page's web token in {signing.WEB_TOKEN_HEADER}")
        try:
            return signing.check_web_token(secret.get_secret_value(), token)
        except signing.SignatureError as exc:
            raise self._unauthorized(str(exc)) from None

    def _unauthorized(self, message: str) -> Problem:
        self.runtime.metrics.rejected.labels(self.name, "signature").inc()
        return Problem(401, "bad_signature", message, {"WWW-Authenticate": "HMAC-SHA256"})

    def _asset_handler(self, name: str):
        body, ctype = self._assets[name], _ASSETS[name]

        async def asset(request: web.Request) -> web.Response:
            headers = {**_SECURITY_HEADERS, "Cache-Control": "public, max-age=86400"}
            return web.Response(body=body, content_type=ctype, charset="utf-8", headers=headers)

        return asset
