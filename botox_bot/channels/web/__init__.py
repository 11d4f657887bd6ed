"""The web chat: the page at ``/`` (one HTML page, one script, one stylesheet, from the package) and its messages.

No CDN and no build step. The page posts to a route of its own, ``POST /chat/messages``, in the Rasa REST format
the webhook speaks, so its messages carry ``channel="web"``: counted, limited, worded (``channel: web`` content
variations) and reported to staff as the web chat's, not mixed with the integrations on the webhook. Each page
load gets its own sender id and, when a webhook secret is set, a web token for that sender (see
``botox_bot.server.signing``), which that route then requires; the webhook itself takes only signatures.

The page speaks every language the clinic serves that the channels have phrases for (``channels/phrases/``): it
opens in the browser's language (``Accept-Language``; ``?lang=es`` picks one, for a clinic's Spanish site), carries
every language's strings (already filled in: the clinic, the emergency number, the greeting from the content's
titles in that language), and its switch (EN / ES) changes them in place and sends the choice with each message
as its ``language``.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import uuid
from collections.abc import Sequence
from importlib import resources
from typing import Self

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr

from botox_bot.channels.base import Channel, Route
from botox_bot.channels.formatting import clinic_detail, served_languages, topic_choices
from botox_bot.channels.phrases import phrases
from botox_bot.channels.rest import RestRequest, answer_rasa, read_rasa_body, too_many
from botox_bot.core.language import locale_language
from botox_bot.runtime import BotRuntime, RateLimited
from botox_bot.server import signing
from botox_bot.server.body import parse_json, parse_model
from botox_bot.server.clients import client_address, networks
from botox_bot.server.errors import Problem
from botox_bot.settings import ServerSettings, Settings

MESSAGES_PATH = "/chat/messages"
UPDATES_PATH = "/chat/updates"
FEEDBACK_PATH = "/chat/feedback"
LONG_POLL_SECONDS = 20.0  # at most; always under the request timeout
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


class FeedbackRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    sender: StrictStr = Field(min_length=1, max_length=128)
    intent: StrictStr = Field(max_length=64)
    helpful: StrictBool


def _first_choice(request: web.Request, languages: list[str]) -> str:
    """``?lang=`` if the page serves it, else the browser's first served language (``Accept-Language``, by its
    weights), else the clinic's first language."""
    asked = locale_language(request.query.get("lang"))
    if asked in languages:
        return asked
    weighted = []
    for position, part in enumerate(request.headers.get("Accept-Language", "").split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        try:
            weight = float(params.strip().removeprefix("q=")) if params.strip().startswith("q=") else 1.0
        except ValueError:
            weight = 0.0
        code = locale_language(tag.strip())
        if code in languages and weight > 0:
            weighted.append((-weight, position, code))
    return min(weighted)[2] if weighted else languages[0]


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
        return cls(
            runtime, settings.server, prefix, languages=settings.languages, privacy_notice=settings.privacy_notice
        )

    def __init__(
        self,
        runtime: BotRuntime,
        server: ServerSettings,
        prefix: str = "",
        languages: Sequence[str] = (),
        privacy_notice: str = "",
    ):
        super().__init__(runtime, prefix)
        self.server = server
        self.wanted_languages = tuple(languages)  # the clinic's setting; empty: every language of the content
        self.privacy_notice = privacy_notice.strip()  # the clinic's own; empty: the phrases' default, per language
        # the desk: staff replies wait in the shared outbox for the page's long poll (``updates``)
        runtime.desk.add_deliverer(self.name, runtime.desk.push_outbox)
        self.trusted = networks(server.trusted_proxies)
        self._page = _read("index.html")
        self._assets = {name: _read(name).encode("utf-8") for name in _ASSETS}
        # in the asset URLs, so a browser never runs last release's script with this release's page
        self._version = hashlib.sha256(b"".join(self._assets.values())).hexdigest()[:12]

    def routes(self) -> list[Route]:
        return [
            Route("GET", self.path("/"), self.page),
            Route("POST", self.path(MESSAGES_PATH), self.messages, self.server.max_body_bytes),
            Route("GET", self.path(UPDATES_PATH), self.updates),
            Route("POST", self.path(FEEDBACK_PATH), self.feedback, self.server.max_body_bytes),
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
        languages = served_languages(self.runtime.content, self.wanted_languages)
        strings = {lang: self._strings(lang) for lang in languages}
        lang = _first_choice(request, languages)
        values = {
            "lang": lang,
            "messages_url": self.path(MESSAGES_PATH),
            "updates_url": self.path(UPDATES_PATH),
            "feedback_url": self.path(FEEDBACK_PATH),
            "asset_prefix": self.path("/chat/"),
            "sender": sender,
            "token": token,
            "asset_version": self._version,
            "strings": json.dumps(strings, ensure_ascii=False, separators=(",", ":")),
            "switch": "" if len(languages) > 1 else "hidden",
            **{f"t_{key}": text for key, text in strings[lang].items()},
        }
        # one pass: a value that itself looks like {{name}} is never expanded again
        text = _PLACEHOLDER.sub(lambda m: html.escape(values.get(m[1], ""), quote=True), self._page)
        text = text.replace("<!--switch-->", self._switch(languages, lang))
        headers = {**_SECURITY_HEADERS, "Cache-Control": "no-store", "Vary": "Accept-Language"}
        return web.Response(text=text, content_type="text/html", headers=headers)

    def _strings(self, lang: str) -> dict[str, str]:
        """The page's own strings in ``lang``, filled in; ``{seconds}`` is left for the script."""
        words = phrases(lang)
        content, clinic = self.runtime.content, self.runtime.clinic
        titles = [choice.title for choice in topic_choices(content, lang)]
        values = {
            "clinic_name": clinic_detail(clinic, content, lang, "clinic_name"),
            "emergency_number": clinic_detail(clinic, content, lang, "emergency_number"),
            "topics": words.listing(titles, "or"),
        }
        strings = {key: words.text(f"web.{key}", **values) for key in words.section("web")}
        if self.privacy_notice:
            strings["privacy"] = self.privacy_notice
        if not titles:  # the content is still loading: a general greeting
            strings["greeting"] = strings["greeting_loading"]
        del strings["greeting_loading"]
        strings["clinic"] = values["clinic_name"]
        return strings

    @staticmethod
    def _switch(languages: list[str], current: str) -> str:
        """The language switch's buttons (EN / ES), each named in its own language; empty for one language."""
        if len(languages) < 2:
            return ""
        buttons = []
        for code in languages:
            words = phrases(code)
            label = html.escape(f"{words.name} ({words.code})", quote=True)
            pressed = "true" if code == current else "false"
            buttons.append(
                f'<button type="button" lang="{code}" data-lang="{code}" aria-label="{label}" '
                f'aria-pressed="{pressed}">{html.escape(words.code)}</button>'
            )
        return "".join(buttons)

    async def messages(self, request: web.Request) -> web.Response:
        """A question from the page: its web token first (when a secret is set), then the body, then the answer."""
        raw = await read_rasa_body(request, self.server.max_body_bytes)
        pinned = self._authenticate(request)
        body = parse_model(RestRequest, parse_json(raw))
        if pinned is not None and body.sender != pinned:
            raise self._unauthorized("the web token belongs to another sender")
        return await answer_rasa(self, body, client_address(request, self.trusted))

    async def updates(self, request: web.Request) -> web.Response:
        """The page's long poll: staff replies and desk notices for this page's conversation, as soon as there are
        any, or an empty list after a while (the page asks again). ``?sender=`` names the page; with a webhook
        secret its web token must too."""
        pinned = self._authenticate(request)
        sender = request.query.get("sender", "")
        if not sender.startswith("web-") or len(sender) > 128 or (pinned is not None and sender != pinned):
            raise self._unauthorized("the updates belong to the page's own sender")
        conversation = self.runtime.ids.conversation(self.name, sender)
        wait = max(1.0, min(LONG_POLL_SECONDS, self.server.request_timeout_seconds - 3))
        found = await self.runtime.desk.wait_outbox(conversation, wait)
        messages = [
            {"kind": item.get("kind"), "text": item.get("text"), "author": item.get("author"), "t": item.get("t")}
            for item in found
        ]
        return web.json_response({"messages": messages}, headers={"Cache-Control": "no-store"})

    async def feedback(self, request: web.Request) -> web.Response:
        """Helpful / not helpful on an answer: ``{"sender", "intent", "helpful"}``; 204."""
        raw = await read_rasa_body(request, self.server.max_body_bytes)
        pinned = self._authenticate(request)
        body = parse_model(FeedbackRequest, parse_json(raw))
        if pinned is not None and body.sender != pinned:
            raise self._unauthorized("the web token belongs to another sender")
        intent = body.intent if body.intent in self.runtime.known_intents else "unknown"
        await self.runtime.feedback(self, body.sender, intent, body.helpful)
        return web.Response(status=204)

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
