"""SMS through Twilio: STOP, START and HELP as carriers expect (and PARAR, INICIAR, AYUDA...), then the bot's
answer as plain text.

The keywords come from every language's phrases (``channels/phrases/<lang>.json``), whatever languages the clinic
serves: an opt-out in Spanish must work even where the bot answers only in English. The keyword's reply is in the
keyword's language (AYUDA: Spanish); for the standard English words every carrier knows (STOP, HELP) and a word
two languages share (INFO), in the language of the sender's last answer, else the clinic's first. A message
Twilio itself answered under the clinic's Advanced Opt-Out settings (it says so in ``OptOutType``) updates the
opt-outs and gets no second reply.
"""

from __future__ import annotations

from collections.abc import Sequence

from aiohttp import web
from twilio.twiml.messaging_response import MessagingResponse

from botox_bot.channels.base import Route
from botox_bot.channels.formatting import clinic_detail, served_languages
from botox_bot.channels.phrases import FALLBACK, available, phrases, plain_word
from botox_bot.channels.twilio import FORM_LIMIT_BYTES, TwilioChannel
from botox_bot.channels.twilio.optouts import OptOuts
from botox_bot.channels.twilio.outbound import TwilioMessages
from botox_bot.channels.twilio.phone_text import sms_text
from botox_bot.channels.twilio.senders import SenderLanguages
from botox_bot.core.models import Message
from botox_bot.runtime import BotRuntime, RateLimited
from botox_bot.settings import TwilioSettings

SMS_PATH = "/twilio/sms"
REPLAY_WINDOW_SECONDS = 7 * 86400  # a replayed STOP or START within a week of the original changes nothing
KINDS = ("stop", "start", "help")
_TWILIO_OPT_OUT_TYPES = {"STOP": "stop", "START": "start", "HELP": "help"}


def keyword(body: str) -> tuple[str, list[str]] | None:
    """``(kind, languages)`` when ``body`` is one keyword ("PARAR", "Stop.", "¡Ayuda!"), else None.

    ``languages`` are those whose phrases list the word (several for a word they share, such as INFO).
    Only a whole message is a keyword, as carriers read them: "stop texting me tips" is a message.
    """
    word = plain_word(body)
    if not word or " " in word:
        return None
    for kind in KINDS:
        langs = [lang for lang in available() if word in phrases(lang).words(f"sms.keywords.{kind}")]
        if langs:
            return kind, langs
    return None


def keywords(kind: str, language: str) -> list[str]:
    """The words for ``kind`` in ``language`` (for the docs and for the clinic's Twilio settings)."""
    return [word.upper() for word in phrases(language).words(f"sms.keywords.{kind}")]


class SmsChannel(TwilioChannel):
    name = "sms"
    label = "SMS"

    def __init__(
        self, runtime: BotRuntime, twilio: TwilioSettings, prefix: str = "", languages: Sequence[str] = ()
    ) -> None:
        super().__init__(runtime, twilio, prefix, languages)
        if twilio.account_sid and twilio.from_number:  # staff can take SMS conversations over (the desk)
            outbound = TwilioMessages(
                twilio.account_sid,
                twilio.auth_token.get_secret_value(),
                twilio.from_number,
                twilio.api_base_url,
                runtime.store,
            )
            runtime.desk.add_deliverer(self.name, outbound.deliver)

    def routes(self) -> list[Route]:
        return [Route("POST", self.path(SMS_PATH), self.receive, FORM_LIMIT_BYTES)]

    async def receive(self, request: web.Request) -> web.Response:
        form = await self.verified_form(request)
        sender, body = form.get("From", ""), form.get("Body", "")
        response = MessagingResponse()
        if not await self._first_delivery(form.get("MessageSid", "")):
            return self.twiml(response)  # a replay of a message already handled: no second answer, no re-STOP
        text = await self._reply(sender, body, form.get("OptOutType"))
        if text:
            response.message(text)
        return self.twiml(response)

    async def _first_delivery(self, message_sid: str) -> bool:
        """Twilio's signature has no timestamp, so a captured request (a STOP, a START, a question) verifies for
        ever; each message's ``MessageSid`` is taken once within ``REPLAY_WINDOW_SECONDS`` (see
        docs/channels/twilio.md for what that leaves open)."""
        if not message_sid:
            return True
        if await self.runtime.store.claim(f"twilio:sms:{message_sid}", REPLAY_WINDOW_SECONDS):
            return True
        self.runtime.metrics.rejected.labels(self.name, "replay").inc()
        return False

    async def _reply(self, sender: str, body: str, twilio_handled: str | None = None) -> str | None:
        """STOP, START and HELP first (what carriers expect), then the opt-out, then the bot."""
        opt_outs, memory = OptOuts(self.runtime.store), SenderLanguages(self.runtime.store)
        found = keyword(body)
        kind = _TWILIO_OPT_OUT_TYPES.get((twilio_handled or "").upper()) or (found[0] if found else None)
        if kind is not None:
            own = found[1][0] if found and found[1] != [FALLBACK] and len(found[1]) == 1 else None
            lang = own or await memory.recall(sender) or self._default_language()
            if own:
                await memory.remember(sender, own)
            if kind == "stop":
                await opt_outs.stop(sender)
            elif kind == "start":
                await opt_outs.start(sender)
            # Twilio already answered it (Advanced Opt-Out): a second reply would only repeat it
            return None if twilio_handled else self._keyword_reply(kind, lang)
        # a number that sent STOP gets no reply until START; if it reports an emergency, staff are told that no
        # reply could be sent, with the number, the one way left to reach them (security review H3)
        opted_out = await opt_outs.opted_out(sender)
        no_reply = "opted out: the number sent STOP" if opted_out else None
        message = Message(text=body, sender_id=sender, channel=self.name)
        try:
            reply = await self.answer(message, no_reply=no_reply, contact=sender if opted_out else None)
        except RateLimited:
            return None  # a flood gets no replies (and costs the clinic nothing); counted in the metrics
        await memory.remember(sender, reply.language)
        if opted_out or not reply.text:
            return None  # opted out; or staff hold the conversation and have the message
        return sms_text(reply)

    def _keyword_reply(self, kind: str, lang: str) -> str:
        content, clinic = self.runtime.content, self.clinic
        words = phrases(lang)
        values = {
            "clinic_name": clinic_detail(clinic, content, lang, "clinic_name"),
            "emergency_number": clinic_detail(clinic, content, lang, "emergency_number"),
            "phone": clinic.phone,
        }
        values["call_us"] = words.text("sms.call_us", **values) if clinic.phone else ""
        return words.text({"stop": "sms.stopped", "start": "sms.started", "help": "sms.help"}[kind], **values)

    def _default_language(self) -> str:
        return served_languages(self.runtime.content, self.languages)[0]
