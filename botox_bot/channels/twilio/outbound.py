"""Staff replies by SMS: Twilio's REST API (``POST /2010-04-01/Accounts/{sid}/Messages.json``), for the desk.

A webhook's answer (TwiML) can only reply to a message as it arrives; a staff reply written minutes later, in
Slack or Teams, is sent here instead, with the same rules as every SMS the bot sends: never to a number that
sent STOP (checked at sending time, so a STOP in between holds), within Twilio's 1,600-character body (cut at a
sentence), from the clinic's Twilio number or Messaging Service. Authenticated with the account SID and auth
token (HTTP basic), as Twilio's own client does; the tests point ``TWILIO_API_BASE_URL`` at a mock on loopback.
"""

from __future__ import annotations

import base64
import logging

import aiohttp

from botox_bot.channels.twilio.optouts import OptOuts
from botox_bot.channels.twilio.phone_text import SMS_LIMIT, cut_at_sentence
from botox_bot.desk.handoff import Case, Outgoing, Undeliverable
from botox_bot.store import Store

log = logging.getLogger("botox_bot.twilio")
TIMEOUT_SECONDS = 10


class TwilioMessages:
    def __init__(self, account_sid: str, auth_token: str, sender: str, base_url: str, store: Store):
        self.url = f"{base_url.rstrip('/')}/2010-04-01/Accounts/{account_sid}/Messages.json"
        credentials = base64.b64encode(f"{account_sid}:{auth_token}".encode()).decode("ascii")
        self.headers = {"Authorization": f"Basic {credentials}"}  # HTTP basic, as Twilio's own client sends
        self.sender = sender  # a number (+15550100) or a Messaging Service SID (MG...)
        self.opt_outs = OptOuts(store)

    async def deliver(self, case: Case, outgoing: Outgoing) -> None:
        """The desk's deliverer for SMS: raises ``Undeliverable`` with a reason staff can read."""
        if await self.opt_outs.opted_out(case.sender):
            raise Undeliverable("the number opted out (STOP); no SMS may be sent to it")
        body = outgoing.text if outgoing.kind == "notice" else f"{outgoing.author}: {outgoing.text}"
        await self.send(case.sender, cut_at_sentence(body.strip(), SMS_LIMIT))

    async def send(self, to: str, body: str) -> str:
        """Send one SMS; returns Twilio's message SID."""
        form = {"To": to, "Body": body}
        form["MessagingServiceSid" if self.sender.startswith("MG") else "From"] = self.sender
        timeout = aiohttp.ClientTimeout(total=TIMEOUT_SECONDS)
        try:
            async with aiohttp.ClientSession(timeout=timeout) as session:
                async with session.post(self.url, data=form, headers=self.headers) as response:
                    answer = await response.json(content_type=None)
                    if response.status >= 400:
                        code = answer.get("code") if isinstance(answer, dict) else None
                        message = answer.get("message") if isinstance(answer, dict) else None
                        log.warning("twilio refused an SMS", extra={"status": response.status, "code": code})
                        raise Undeliverable(f"Twilio refused the SMS ({code or response.status}: {message or 'error'})")
                    return str(answer.get("sid", "")) if isinstance(answer, dict) else ""
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise Undeliverable(f"Twilio could not be reached ({type(exc).__name__})") from None
