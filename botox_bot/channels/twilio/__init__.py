"""Patients by SMS and by phone, through Twilio's webhooks: TwiML in, TwiML out, every request signed.

Twilio signs each webhook with the account's auth token over the URL it called and the form fields
(``X-Twilio-Signature``); the ``twilio`` package checks it. Behind a proxy the URL the bot sees is not the one
Twilio called, so ``BOTOX_BOT_PUBLIC_URL`` names the public base. A request that fails the check gets 403.

This module is what SMS (``sms.py``) and the phone line (``voice.py``) share: the signed form. How a reply
reads on a phone is in ``phone_text.py``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Self
from urllib.parse import parse_qsl

from aiohttp import web
from twilio.request_validator import RequestValidator

from botox_bot.channels.base import Channel
from botox_bot.runtime import BotRuntime
from botox_bot.server.body import read_limited
from botox_bot.server.errors import Problem
from botox_bot.settings import Settings, SettingsError, TwilioSettings

FORM_LIMIT_BYTES = 64 * 1024  # a Twilio webhook is a few hundred bytes


class TwilioChannel(Channel):
    """What SMS and voice share: the signature check and the form body."""

    patient = True

    @classmethod
    def configured(cls, settings: Settings) -> bool:
        return settings.twilio is not None

    @classmethod
    def from_settings(cls, runtime: BotRuntime, settings: Settings, prefix: str = "") -> Self:
        if settings.twilio is None:
            raise SettingsError("Twilio is not configured: set TWILIO_AUTH_TOKEN")
        return cls(runtime, settings.twilio, prefix, languages=settings.languages)

    def __init__(self, runtime: BotRuntime, twilio: TwilioSettings, prefix: str = "", languages: Sequence[str] = ()):
        super().__init__(runtime, prefix)
        self.twilio = twilio
        self.clinic = runtime.clinic
        self.languages = tuple(languages)  # the clinic's setting; empty: every language of the content
        self.validator = RequestValidator(twilio.auth_token.get_secret_value())

    async def verified_form(self, request: web.Request) -> Mapping[str, str]:
        if request.content_type != "application/x-www-form-urlencoded":  # all Twilio ever sends
            raise Problem(415, "unsupported_media_type", "send the webhook as application/x-www-form-urlencoded")
        raw = await read_limited(request, FORM_LIMIT_BYTES)
        try:
            params = dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
        except (UnicodeDecodeError, ValueError):
            raise Problem(400, "invalid_form", "the body is not a URL-encoded form") from None
        url = f"{self.twilio.public_url}{request.path_qs}" if self.twilio.public_url else str(request.url)
        signature = request.headers.get("X-Twilio-Signature", "")
        if not signature or not self.validator.validate(url, params, signature):
            self.runtime.metrics.rejected.labels(self.name, "signature").inc()
            raise Problem(403, "bad_signature", "X-Twilio-Signature does not match this request")
        return params

    @staticmethod
    def twiml(response: Any) -> web.Response:
        return web.Response(text=str(response), content_type="text/xml")
