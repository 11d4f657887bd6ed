"""The desk's parts, put together once per runtime: the audit log, live handoff, business hours, the review loop
and its weekly counts, and "forget me" across all of them.

Built by the runtime from its settings (``DeskConfig``); the parts that need the loaded content (the scrubber's
vocabulary, the clinic's hours and name in each language) are completed by ``loaded``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botox_bot.core.clinic import BusinessHours
from botox_bot.desk.audit import MAX_RECORDS, AuditLog
from botox_bot.desk.digest import Stats
from botox_bot.desk.handoff import Desk
from botox_bot.desk.hours import OpeningHours
from botox_bot.desk.ids import ConversationIds
from botox_bot.desk.ledger import FileLedger, Ledger, StoreLedger
from botox_bot.desk.review import ReviewQueue
from botox_bot.desk.scrub import Scrubber
from botox_bot.store import Store

log = logging.getLogger("botox_bot.desk")
REVIEW_MAX = 20_000


@dataclass(frozen=True)
class DeskConfig:
    data_dir: Path | None  # the audit log's and review items' files when there is no shared store
    audit_log: Path | None  # an explicit JSON-lines file for the audit log
    shared: bool  # the store is Redis: lists live there
    message_text: bool
    handoff_timeout_seconds: float
    review: bool
    review_retention_days: float
    clinic_name: str | None  # the setting; None: the content's "our clinic" in each language
    staff_names: bool = False  # staff replies signed with the staff member's name
    region: str = "US"  # where phone numbers without a country code are read (the scrubber)


def ledger(config: DeskConfig, store: Store, name: str, max_records: int) -> Ledger:
    """Redis when shared, else a JSON-lines file in the data folder (the command line reads the same file)."""
    if name == "audit" and config.audit_log is not None:
        return FileLedger(config.audit_log)
    if config.shared or config.data_dir is None:
        return StoreLedger(store, f"desk:{name}", max_records)
    return FileLedger(config.data_dir / f"{name.replace(':', '-')}.jsonl")


class DeskServices:
    def __init__(self, config: DeskConfig, store: Store, ids: ConversationIds):
        self.config = config
        self.store = store
        self.ids = ids
        self.audit = AuditLog(ledger(config, store, "audit", MAX_RECORDS), config.message_text)
        self._names: dict[str, str] = {}
        self.desk = Desk(store, ids, self.audit, self.clinic_name, config.handoff_timeout_seconds)
        self.hours = OpeningHours(None)
        self.scrubber = Scrubber(region=config.region)
        self.review: ReviewQueue | None = None
        self.stats: Stats | None = None
        if config.review:
            self.review = ReviewQueue(
                ledger(config, store, "review", REVIEW_MAX),
                ledger(config, store, "review:labelled", REVIEW_MAX),
                self.scrubber,
                config.review_retention_days * 86400,
            )
            self.stats = Stats(store)

    def loaded(self, content: Any, hours: BusinessHours | None) -> None:
        """With the content loaded: the clinic's name in each language, the scrubber's vocabulary, the hours."""
        defaults = getattr(content, "defaults", {}) or {}
        self._names = {lang: values.get("clinic_name", "our clinic") for lang, values in defaults.items()}
        texts, _ = content.training_data()
        words = {w for text in texts for w in text.lower().split() if w.isalpha()}
        self.scrubber.known |= words
        self.hours = OpeningHours(hours)

    def clinic_name(self, language: str) -> str:
        return self.config.clinic_name or self._names.get(language) or self._names.get("en") or "our clinic"

    async def forget(self, channel: str, sender: str, actor: str) -> bool:
        """Delete everything the bot keeps about ``sender`` on ``channel``: the engine's context (conversation,
        language, triage memory), the desk's case, hold and outbox, and review items; on the shared store and on
        this instance's fallback memory. The audit log records the deletion (by keyed id) and is kept: it is the
        record that the deletion happened. SMS opt-outs are kept too: a STOP must hold.

        Returns False when part of it could not be reached (the shared store is down): say so, and ask again.
        """
        conversation = self.ids.conversation(channel, sender)
        degraded = await self.desk.degraded()
        for store in _every_copy(self.store):
            await store.set_context(f"{channel}:{sender}", {}, 0)  # the engine's context (core/engine.py)
            await store.set_context(f"{channel}-language:{sender}", {}, 0)  # a channel's language memory (SMS)
        await self.desk.forget(conversation)
        removed = await self.review.forget(conversation) if self.review else 0
        await self.audit.record(
            "deletion",
            actor=actor,
            conversation=conversation,
            channel=channel,
            review_items=removed,
            complete=not degraded,
        )
        return not degraded


def _every_copy(store: Store) -> list[Any]:
    """The store and, for a failover store, its local memory too (what it kept during an outage)."""
    fallback = getattr(store, "fallback", None)
    return [store, fallback] if fallback is not None else [store]
