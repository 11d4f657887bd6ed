"""The phone line through Twilio: a greeting, a spoken question, the spoken answer, another question or goodbye."""

from __future__ import annotations

from aiohttp import web
from twilio.twiml.voice_response import Gather, VoiceResponse

from botox_bot.channels.base import Route
from botox_bot.channels.formatting import listing, topic_choices
from botox_bot.channels.twilio import FORM_LIMIT_BYTES, TwilioChannel
from botox_bot.channels.twilio.phone_text import speech_text, spoken_number
from botox_bot.core.models import Message, Reply
from botox_bot.runtime import RateLimited

VOICE_PATH = "/twilio/voice"
CONNECT_PATH = "/twilio/voice/connect"
VOICE = {"voice": "Polly.Joanna", "language": "en-US"}
MAX_ATTEMPTS = 2  # failed tries (silence, or a question the bot cannot place): one retry, then goodbye


class VoiceChannel(TwilioChannel):
    """A call: greeting, a spoken question, the spoken answer, another question or goodbye."""

    name = "voice"
    label = "the phone line"

    def routes(self) -> list[Route]:
        return [
            Route("POST", self.path(VOICE_PATH), self.receive, FORM_LIMIT_BYTES),
            Route("POST", self.path(CONNECT_PATH), self.connect, FORM_LIMIT_BYTES),
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
        message = Message(
            text=speech,
            sender_id=form.get("From", "unknown"),
            channel=self.name,
            metadata={"call": form.get("CallSid")},
        )
        try:
            reply = await self.answer(message)
        except RateLimited:
            return self.twiml(self._too_fast())
        if reply.urgency is not None:  # an emergency or a crisis: said plainly, then the call ends
            return self.twiml(self._emergency(reply))
        if reply.fallback:
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
        if wants and self.clinic.phone:
            response.say(f"Connecting you to {self.clinic.name} now.", **VOICE)
            response.dial(self.clinic.phone)
        else:
            self._goodbye(response)
        return self.twiml(response)

    # -- TwiML pieces ------------------------------------------------------------------------------
    def _greeting(self) -> VoiceResponse:
        response = VoiceResponse()
        self._ask(
            response,
            f"Hello, this is {self.clinic.name}'s Botox information line. If this is "
            f"an emergency, hang up and call {spoken_number(self.clinic.emergency_number)}. "
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
        titles = [choice.title for choice in topic_choices(self.runtime.content)]
        offer = f" You can ask about {listing(titles, 'or')}." if titles else ""
        self._ask(response, f"{why}{offer} What would you like to know?", failures=failures)
        response.redirect(self._url(VOICE_PATH, failures + 1), method="POST")
        return response

    def _too_fast(self) -> VoiceResponse:
        """Over the rate limit (a red flag never is): one short line, then the call ends."""
        response = VoiceResponse()
        response.say("Sorry, there have been too many questions from this number. Please call again later.", **VOICE)
        self._goodbye(response)
        return response

    def _emergency(self, reply: Reply) -> VoiceResponse:
        """Spoken first and plainly. A caller who must call the emergency number now (or a crisis line) is told to
        hang up and call, and is never offered the clinic: pressing 1 would only delay the call that matters
        (clinical review C36). For the emergency department level, the clinic's number may be offered after."""
        response = VoiceResponse()
        response.say(self._speech(reply.answer), **VOICE)
        if self.clinic.phone and reply.urgency == "urgent":
            gather = Gather(
                input="dtmf speech",
                num_digits=1,
                timeout=5,
                action=self.path(CONNECT_PATH),
                method="POST",
                hints="yes, connect",
                **{"language": VOICE["language"]},
            )
            gather.say(f"To be connected to {self.clinic.name} now, press 1 or say yes.", **VOICE)
            response.append(gather)
        # no key pressed: the instruction again for who missed it, then the consult prompt that ends every reply
        response.say(self._speech(reply.answer.splitlines()[0]), **VOICE)
        response.say(self._speech(reply.consult), **VOICE)
        response.hangup()
        return response

    def _speech(self, text: str) -> str:
        return speech_text(text, (self.clinic.emergency_number, self.clinic.phone))

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
        response.say(f"Thank you for calling {self.clinic.name}. Goodbye.", **VOICE)
        response.hangup()

    def _url(self, path: str, failures: int) -> str:
        return f"{self.path(path)}?attempt={failures}" if failures else self.path(path)


def _attempt(request: web.Request) -> int:
    try:
        return max(0, min(int(request.query.get("attempt", "0")), MAX_ATTEMPTS))
    except ValueError:
        return 0
