"""The phone line through Twilio: a greeting, a spoken question, the spoken answer, another question or goodbye.

A call speaks one language at a time: English first, and at the greeting each other language the clinic serves is
offered in its own voice ("Para español, oprima 2."). The choice rides on the call's URLs (``?lang=es``), so
every later request knows it: ``<Say>`` in that language's voice, ``<Gather>`` listening for it (``es-US``), and
the question sent to the engine with that ``language``. An answer given in another language (the caller asked for
it) moves the call to that language. Every fixed sentence comes from the channels' phrases
(``channels/phrases/<lang>.json``).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from twilio.twiml.voice_response import Gather, VoiceResponse

from botox_bot.channels.base import Route
from botox_bot.channels.formatting import clinic_detail, served_languages, topic_choices
from botox_bot.channels.phrases import Phrases, phrases, plain_words
from botox_bot.channels.twilio import FORM_LIMIT_BYTES, TwilioChannel
from botox_bot.channels.twilio.phone_text import speech_text, spoken_number
from botox_bot.core.models import Message, Reply
from botox_bot.runtime import RateLimited

VOICE_PATH = "/twilio/voice"
CONNECT_PATH = "/twilio/voice/connect"
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
        """``?attempt=N`` counts the caller's failed tries so far (silence, or nothing the bot can place);
        ``?lang=es`` is the call's language, once the caller has chosen one."""
        form = await self.verified_form(request)
        failures, lang = _attempt(request), self._call_language(request)
        if "SpeechResult" not in form:  # the call's first request, a key pressed, or Gather ran out of silence
            digits = form.get("Digits", "")
            if digits:
                chosen = self._language_for(digits)
                if chosen is not None:
                    return self.twiml(self._greeting(chosen))
                return self.twiml(self._retry_or_goodbye(failures + 1, "voice.didnt_catch", lang))
            if failures == 0:
                return self.twiml(self._greeting(lang))
            return self.twiml(self._retry_or_goodbye(failures, "voice.didnt_hear", lang))
        speech = form["SpeechResult"].strip()
        if not speech:
            return self.twiml(self._retry_or_goodbye(failures + 1, "voice.didnt_catch", lang))
        message = Message(
            text=speech,
            sender_id=form.get("From", "unknown"),
            channel=self.name,
            metadata={"call": form.get("CallSid")},
            language=lang,
        )
        try:
            reply = await self.answer(message)
        except RateLimited:
            return self.twiml(self._too_fast(lang))
        lang = reply.language if reply.language in self._languages() else lang  # said in the answer's language
        if reply.urgency is not None:  # an emergency or a crisis: said plainly, then the call ends
            return self.twiml(self._emergency(reply, lang))
        if reply.fallback:
            return self.twiml(self._retry_or_goodbye(failures + 1, None, lang, self._speech(reply.text, lang)))
        response = VoiceResponse()
        response.say(self._speech(reply.text, lang), **_voice(lang))
        self._ask(response, [(self._phrase(lang, "voice.another"), lang)], failures=0, lang=lang)
        self._goodbye(response, lang)  # silence after an answer: the caller is done
        return self.twiml(response)

    async def connect(self, request: web.Request) -> web.Response:
        """The caller's answer to 'press 1 to be connected to the clinic'."""
        form = await self.verified_form(request)
        lang = self._call_language(request)
        said = f" {plain_words(form.get('SpeechResult') or '')} "
        wants = form.get("Digits") == "1" or any(f" {w} " in said for w in phrases(lang).words("voice.yes_words"))
        response = VoiceResponse()
        if wants and self.clinic.phone:
            response.say(self._phrase(lang, "voice.connecting"), **_voice(lang))
            response.dial(self.clinic.phone)
        else:
            self._goodbye(response, lang)
        return self.twiml(response)

    # -- languages -------------------------------------------------------------------------------------
    def _languages(self) -> list[str]:
        """The languages the phone line speaks, the first the one every call starts in; a key each (1, 2...)."""
        return served_languages(self.runtime.content, self.languages)

    def _call_language(self, request: web.Request) -> str:
        languages = self._languages()
        asked = request.query.get("lang", "")
        return asked if asked in languages else languages[0]

    def _language_for(self, digits: str) -> str | None:
        languages = self._languages()
        return languages[int(digits) - 1] if digits.isdigit() and 1 <= int(digits) <= len(languages) else None

    def _phrase(self, lang: str, key: str, **values: Any) -> str:
        """A fixed sentence of the phone line, with the clinic's details as said in ``lang``."""
        content = self.runtime.content
        return phrases(lang).text(
            key,
            clinic_name=clinic_detail(self.clinic, content, lang, "clinic_name"),
            emergency_number=spoken_number(clinic_detail(self.clinic, content, lang, "emergency_number")),
            **values,
        )

    # -- TwiML pieces ------------------------------------------------------------------------------
    def _greeting(self, lang: str) -> VoiceResponse:
        """Who answers and the emergency line; each other language offered in its own voice; the question."""
        prompts = [(self._phrase(lang, "voice.greeting"), lang)]
        for digit, other in enumerate(self._languages(), 1):
            if other != lang:
                prompts.append((self._phrase(other, "voice.choose", digit=digit), other))
        prompts.append((self._phrase(lang, "voice.question"), lang))
        response = VoiceResponse()
        self._ask(response, prompts, failures=0, lang=lang, keys=len(self._languages()) > 1)
        response.redirect(self._url(VOICE_PATH, 1, lang), method="POST")  # silence: Gather falls through to here
        return response

    def _retry_or_goodbye(self, failures: int, why_key: str | None, lang: str, why: str = "") -> VoiceResponse:
        why = self._phrase(lang, why_key) if why_key else why
        response = VoiceResponse()
        if failures >= MAX_ATTEMPTS:
            response.say(why, **_voice(lang))
            self._goodbye(response, lang)
            return response
        words = phrases(lang)
        titles = [choice.title for choice in topic_choices(self.runtime.content, lang)]
        offer = f" {words.text('voice.can_ask_about', topics=words.listing(titles, 'or'))}" if titles else ""
        prompt = f"{why}{offer} {words.text('voice.what_to_know')}"
        self._ask(response, [(prompt, lang)], failures=failures, lang=lang)
        response.redirect(self._url(VOICE_PATH, failures + 1, lang), method="POST")
        return response

    def _too_fast(self, lang: str) -> VoiceResponse:
        """Over the rate limit (a red flag never is): one short line, then the call ends."""
        response = VoiceResponse()
        response.say(self._phrase(lang, "voice.too_fast"), **_voice(lang))
        self._goodbye(response, lang)
        return response

    def _emergency(self, reply: Reply, lang: str) -> VoiceResponse:
        """Spoken first and plainly. A caller who must call the emergency number now (or a crisis line) is told to
        hang up and call, and is never offered the clinic: pressing 1 would only delay the call that matters
        (clinical review C36). For the emergency department level, the clinic's number may be offered after."""
        voice = _voice(lang)
        response = VoiceResponse()
        response.say(self._speech(reply.answer, lang), **voice)
        if self.clinic.phone and reply.urgency == "urgent":
            gather = Gather(
                input="dtmf speech",
                num_digits=1,
                timeout=5,
                action=self._url(CONNECT_PATH, 0, lang),
                method="POST",
                hints=phrases(lang).text("voice.connect_hints"),
                language=voice["language"],
            )
            gather.say(self._phrase(lang, "voice.connect_offer"), **voice)
            response.append(gather)
        # no key pressed: the instruction again for who missed it, then the consult prompt that ends every reply
        response.say(self._speech(reply.answer.splitlines()[0], lang), **voice)
        response.say(self._speech(reply.consult, lang), **voice)
        response.hangup()
        return response

    def _speech(self, text: str, lang: str) -> str:
        return speech_text(text, (self.clinic.emergency_number, self.clinic.phone), lang)

    def _ask(
        self, response: VoiceResponse, prompts: list[tuple[str, str]], failures: int, lang: str, keys: bool = False
    ) -> None:
        """A ``<Gather>`` listening in ``lang`` (and for a key, at the greeting), saying each (text, language)."""
        options: dict[str, Any] = {"input": "dtmf speech", "num_digits": 1} if keys else {"input": "speech"}
        gather = Gather(
            action=self._url(VOICE_PATH, failures, lang),
            method="POST",
            speech_timeout="auto",
            language=_voice(lang)["language"],
            **options,
        )
        for text, language in prompts:
            gather.say(text, **_voice(language))
        response.append(gather)

    def _goodbye(self, response: VoiceResponse, lang: str) -> None:
        response.say(self._phrase(lang, "voice.goodbye"), **_voice(lang))
        response.hangup()

    def _url(self, path: str, failures: int, lang: str) -> str:
        """The call's next URL: its failed tries and, unless it is the first language, its language."""
        query: dict[str, str | int] = {"attempt": failures} if failures else {}
        if lang != self._languages()[0]:
            query["lang"] = lang
        return f"{self.path(path)}?{urlencode(query)}" if query else self.path(path)


def _voice(lang: str) -> dict[str, str]:
    """``<Say>``'s voice and language for ``lang`` (Amazon Polly through Twilio: Joanna en-US, Lupe es-US)."""
    words: Phrases = phrases(lang)
    return {"voice": words.text("voice.tts_voice"), "language": words.text("voice.locale")}


def _attempt(request: web.Request) -> int:
    try:
        return max(0, min(int(request.query.get("attempt", "0")), MAX_ATTEMPTS))
    except ValueError:
        return 0
