"""The audit log: who did what to which conversation, and when. Append-only.

Escalations (admitted, folded into a count, held back by the cap), handoffs (requested, taken, handed back, timed
out), staff replies, callback numbers left, deletions ("forget me" and ``botox-bot forget``). Each record names the
conversation by its keyed id (``c-…``), never by sender id or phone number; message text only when
message-text logging is on. ``botox-bot audit`` reads it.
"""

from __future__ import annotations

import time
from typing import Any

from botox_bot.desk.ledger import Ledger, Record

MAX_RECORDS = 1_000_000  # in Redis: about 200 MB; a clinic exports and trims with its own retention


class AuditLog:
    def __init__(self, ledger: Ledger, message_text: bool = False):
        self.ledger = ledger
        self.message_text = message_text

    async def record(
        self,
        event: str,
        *,
        actor: str = "bot",
        conversation: str | None = None,
        channel: str | None = None,
        text: str | None = None,
        **fields: Any,
    ) -> None:
        """``actor``: "bot", "patient", "slack:U123", "teams:<user>", "cli". ``text`` is dropped unless message-text
        logging is on."""
        record: Record = {"t": round(time.time(), 3), "event": event, "actor": actor}
        if conversation:
            record["conversation"] = conversation
        if channel:
            record["channel"] = channel
        record.update({k: v for k, v in fields.items() if v is not None})
        if text is not None and self.message_text:
            record["text"] = text
        await self.ledger.append(record)

    async def entries(
        self, since: float | None = None, conversation: str | None = None, event: str | None = None
    ) -> list[Record]:
        out = []
        for record in await self.ledger.records():
            if since is not None and record.get("t", 0) < since:
                continue
            if conversation and record.get("conversation") != conversation:
                continue
            if event and not str(record.get("event", "")).startswith(event):
                continue
            out.append(record)
        return out
