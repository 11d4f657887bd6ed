"""Patients by SMS and by phone, through Twilio's webhooks: TwiML in, TwiML out, every request signed.

Twilio signs each webhook with the account's auth token over the URL it called and the form fields
(``X-Twilio-Signature``); the ``twilio`` package checks it. Behind a proxy the URL the bot sees is not the one
Twilio called, so ``BOTOX_BOT_PUBLIC_URL`` names the public base. A request that fails the check gets 403.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from urllib.parse import parse_qsl

from aiohttp import web
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import Gather, VoiceResponse

from botox_bot.channels.base import Channel, Route
from botox_bot.channels.phone_text import sms_text, speech_text, spoken_number
from botox_bot.core.models import Message, Reply
from botox_bot.server.body import read_limited
from botox_bot.server.errors import Problem
from botox_bot.server.runtime import BotRuntime

log = logging.getLogger("botox_bot.twilio")

SMS_PATH = "/twilio/sms"
VOICE_PATH = "/twilio/voice"
CONNECT_PATH = "/twilio/voice/connect"
STOP_WORDS = {"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "optout", "revoke"}
START_WORDS = {"start", "yes", "unstop", "optin"}
HELP_WORDS = {"help", "info"}
VOICE = {"voice": "Polly.Joanna", "language": "en-US"}
FORM_LIMIT_BYTES = 64 * 1024  # a Twilio webhook is a few hundred bytes
MAX_ATTEMPTS = 2  # failed tries (silence, or a question the bot cannot place): one retry, then goodbye


class _TwilioChannel(Channel):
    """What SMS and voice share: the signature check and the form body."""

    def __init__(self, runtime: BotRuntime, prefix: str = ""):
        super().__init__(runtime, prefix)
        self.validator = RequestValidator(self.settings.twilio_auth_token.get_secret_value())

    async def verified_form(self, request: web.Request) -> Mapping[str, str]:
        if request.content_type != "application/x-www-form-urlencoded":  # all Twilio ever sends
            raise Problem(415, "unsupported_media_type", "send the webhook as application/x-www-form-urlencoded")
        raw = await read_limited(request, FORM_LIMIT_BYTES)
        try:
            params = dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
        except (UnicodeDecodeError, ValueError):
            raise Problem(400, "invalid_form", "the body is not a URL-encoded form") from None
        url = f"{self.settings.public_url}{request.path_qs}" if self.settings.public_url else str(request.url)
        signature = request.headers.get("X-Twilio-Signature", "")
        if not signature or not self.validator.validate(url, params, signature):
            self.runtime.metrics.rejected.labels(self.name, "signature").inc()
            raise Problem(403, "bad_signature", "X-Twilio-Signature does not match this request")
        return params

    @staticmethod
    def twiml(response) -> web.Response:
        return web.Response(text=str(response), content_type="text/xml")


class SmsChannel(_TwilioChannel):
    name = "sms"

    def routes(self) -> list[Route]:
        return [Route("POST", self.path(SMS_PATH), self.receive)]

    async def receive(self, request: web.Request) -> web.Response:
        form = await self.verified_form(request)
        sender, body = form.get("From", ""), form.get("Body", "")
        response = MessagingResponse()
        text = await self._reply(sender, body)
        if text:
            response.message(text)
        return self.twiml(response)

    async def _reply(self, sender: str, body: str) -> str | None:
        """STOP, START and HELP first (what carriers expect), then the opt-out, then the bot."""
        keyword = body.strip().strip(".!").lower()
        store, clinic = self.runtime.store, self.settings.clinic_name
        if keyword in STOP_WORDS:
            await store.set_opted_out(sender, True)
            return f"You will get no more messages from {clinic}'s Botox helpline. Reply START to resubscribe."
        if keyword in START_WORDS:
            await store.set_opted_out(sender, False)
            return (
                f"You are resubscribed to {clinic}'s Botox helpline. Ask your question anytime. "
                "Reply HELP for help, STOP to opt out."
            )
        if keyword in HELP_WORDS:
            phone = f" Call us: {self.settings.clinic_phone}." if self.settings.clinic_phone else ""
            return (
                f"{clinic} Botox helpline: text a question for general information.{phone} "
                f"In an emergency call {self.settings.emergency_number}. Reply STOP to opt out. "
                "Msg&data rates may apply."
            )
        message = Message(text=body, sender_id=sender, channel=self.name)
        if await store.is_opted_out(sender):
            # they said STOP: no reply until START, but an emergency still reaches staff (answer escalates it)
            await self.runtime.answer(message)
            return None
        if await self.runtime.retry_after(self.name, sender, body) is not None:
            return None  # a flood gets no replies (and costs the clinic nothing); counted in the metrics
        return sms_text(await self.runtime.answer(message))


class VoiceChannel(_TwilioChannel):
    """A call: greeting, a spoken question, the spoken answer, another question or goodbye."""

    name = "voice"

    def routes(self) -> list[Route]:
        return [
            Route("POST", self.path(VOICE_PATH), self.receive),
            Route("POST", self.path(CONNECT_PATH), self.connect),
        ]

    async def receive(self, request: web.Request) -> web.Response:
        """``?attempt=N`` counts the caller's failed tries so far (silence, or nothing the bot can place)."""
        form = await self.verified_form(request)
        failures = _attempt(request)
        if "SpeechResult" not in form:  # the call's first request, or Gather ran out of silence
            if failures == 0:
                return self.twiml(self._greeting())
            return self.twiml(self._retry_or_goodbye(failures, "Sorry, I didn't hear anything."))
        speech = form["SpeechResult"].strip()
        if not speech:
            return self.twiml(self._retry_or_goodbye(failures + 1, "Sorry, I didn't catch that."))
        reply = await self.runtime.answer(
            Message(
                text=speech,
                sender_id=form.get("From", "unknown"),
                channel=self.name,
                metadata={"call": form.get("CallSid")},
            )
        )
        if reply.emergency:
            return self.twiml(self._emergency(reply))
        if reply.intent == "out_of_scope":
            return self.twiml(self._retry_or_goodbye(failures + 1, self._speech(reply.text)))
        response = VoiceResponse()
        response.say(self._speech(reply.text), **VOICE)
        self._ask(response, "You can ask another question now, or hang up.", failures=0)
        self._goodbye(response)  # silence after an answer: the caller is done
        return self.twiml(response)

    async def connect(self, request: web.Request) -> web.Response:
        """The caller's answer to 'press 1 to be connected to the clinic'."""
        form = await self.verified_form(request)
        wants = form.get("Digits") == "1" or any(
            w in (form.get("SpeechResult") or "").lower() for w in ("yes", "connect", "please")
        )
        response = VoiceResponse()
        if wants and self.settings.clinic_phone:
            response.say(f"Connecting you to {self.settings.clinic_name} now.", **VOICE)
            response.dial(self.settings.clinic_phone)
        else:
            self._goodbye(response)
        return self.twiml(response)

    # -- TwiML pieces ------------------------------------------------------------------------------
    def _greeting(self) -> VoiceResponse:
        response = VoiceResponse()
        self._ask(
            response,
            f"Hello, this is {self.settings.clinic_name}'s Botox information line. If this is "
            f"an emergency, hang up and call {spoken_number(self.settings.emergency_number)}. "
            "What would you like to know about Botox?",
            failures=0,
        )
        response.redirect(self._url(VOICE_PATH, 1), method="POST")  # silence: Gather falls through to here
        return response

    def _retry_or_goodbye(self, failures: int, why: str) -> VoiceResponse:
        response = VoiceResponse()
        if failures >= MAX_ATTEMPTS:
            response.say(why, **VOICE)
            self._goodbye(response)
            return response
        self._ask(
            response,
            f"{why} You can ask about how Botox works, how long it lasts, repeat treatments, "
            "medical uses, or safety. What would you like to know?",
            failures=failures,
        )
        response.redirect(self._url(VOICE_PATH, failures + 1), method="POST")
        return response

    def _emergency(self, reply: Reply) -> VoiceResponse:
        """Spoken first and plainly; then, when the clinic has a number, the offer to connect."""
        response = VoiceResponse()
        response.say(self._speech(reply.answer), **VOICE)
        if self.settings.clinic_phone:
            gather = Gather(
                input="dtmf speech",
                num_digits=1,
                timeout=5,
                action=self.path(CONNECT_PATH),
                method="POST",
                hints="yes, connect",
                **{"language": VOICE["language"]},
            )
            gather.say(f"To be connected to {self.settings.clinic_name} now, press 1 or say yes.", **VOICE)
            response.append(gather)
        # no key pressed: the instruction again for who missed it, then the consult prompt that ends every reply
        response.say(self._speech(reply.answer.splitlines()[0]), **VOICE)
        response.say(self._speech(reply.consult), **VOICE)
        response.hangup()
        return response

    def _speech(self, text: str) -> str:
        return speech_text(text, (self.settings.emergency_number, self.settings.clinic_phone))

    def _ask(self, response: VoiceResponse, prompt: str, failures: int) -> None:
        gather = Gather(
            input="speech",
            action=self._url(VOICE_PATH, failures),
            method="POST",
            speech_timeout="auto",
            language=VOICE["language"],
        )
        gather.say(prompt, **VOICE)
        response.append(gather)

    def _goodbye(self, response: VoiceResponse) -> None:
        response.say(f"Thank you for calling {self.settings.clinic_name}. Goodbye.", **VOICE)
        response.hangup()

    def _url(self, path: str, failures: int) -> str:
        return f"{self.path(path)}?attempt={failures}" if failures else self.path(path)


def _attempt(request: web.Request) -> int:
    try:
        return max(0, min(int(request.query.get("attempt", "0")), MAX_ATTEMPTS))
    except ValueError:
        return 0
