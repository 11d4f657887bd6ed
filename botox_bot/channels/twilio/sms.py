"""SMS through Twilio: STOP, START and HELP as carriers expect, then the bot's answer as plain text."""

from __future__ import annotations

from aiohttp import web
from twilio.twiml.messaging_response import MessagingResponse

from botox_bot.channels.base import Route
from botox_bot.channels.twilio import FORM_LIMIT_BYTES, TwilioChannel
from botox_bot.channels.twilio.optouts import OptOuts
from botox_bot.channels.twilio.phone_text import sms_text
from botox_bot.core.models import Message
from botox_bot.runtime import RateLimited

SMS_PATH = "/twilio/sms"
REPLAY_WINDOW_SECONDS = 7 * 86400  # a replayed STOP or START within a week of the original changes nothing
STOP_WORDS = {"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "optout", "revoke"}
START_WORDS = {"start", "yes", "unstop", "optin"}
HELP_WORDS = {"help", "info"}


class SmsChannel(TwilioChannel):
    name = "sms"
    label = "SMS"

    def routes(self) -> list[Route]:
        return [Route("POST", self.path(SMS_PATH), self.receive, FORM_LIMIT_BYTES)]

    async def receive(self, request: web.Request) -> web.Response:
        form = await self.verified_form(request)
        sender, body = form.get("From", ""), form.get("Body", "")
        response = MessagingResponse()
        if not await self._first_delivery(form.get("MessageSid", "")):
            return self.twiml(response)  # a replay of a message already handled: no second answer, no re-STOP
        text = await self._reply(sender, body)
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

    async def _reply(self, sender: str, body: str) -> str | None:
        """STOP, START and HELP first (what carriers expect), then the opt-out, then the bot."""
        keyword = body.strip().strip(".!").lower()
        opt_outs, clinic = OptOuts(self.runtime.store), self.clinic.name
        if keyword in STOP_WORDS:
            await opt_outs.stop(sender)
            return f"You will get no more messages from {clinic}'s Botox helpline. Reply START to resubscribe."
        if keyword in START_WORDS:
            await opt_outs.start(sender)
            return (
                f"You are resubscribed to {clinic}'s Botox helpline. Ask your question anytime. "
                "Reply HELP for help, STOP to opt out."
            )
        if keyword in HELP_WORDS:
            phone = f" Call us: {self.clinic.phone}." if self.clinic.phone else ""
            return (
                f"{clinic} Botox helpline: text a question for general information.{phone} "
                f"In an emergency call {self.clinic.emergency_number}. Reply STOP to opt out. "
                "Msg&data rates may apply."
            )
        try:
            reply = await self.answer(Message(text=body, sender_id=sender, channel=self.name))
        except RateLimited:
            return None  # a flood gets no replies (and costs the clinic nothing); counted in the metrics
        if await opt_outs.opted_out(sender):
            return None  # they said STOP: no reply until START, but an emergency still reached staff (answer did it)
        return sms_text(reply)
