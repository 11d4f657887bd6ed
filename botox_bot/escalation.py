"""Telling staff: an emergency or a request for a person on a patient channel, delivered in the background.

A channel that can reach staff (Slack's staff channel) adds a sink; the runtime hands each escalation to every
sink without waiting, so a patient's answer never waits for Slack. Deliveries still in flight at shutdown are
waited for (briefly): an emergency told to nobody is the failure this module exists to prevent.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from botox_bot.server.metrics import Metrics

log = logging.getLogger("botox_bot.runtime")


@dataclass(frozen=True)
class Escalation:
    """What staff are told. ``text`` and ``sender`` are set only when the logging setting allows it."""

    channel: str
    label: str  # the channel as people call it: "the phone line"
    emergency: bool  # else the person asked for a human (handoff)
    urgency: str | None
    time: datetime
    request_id: str
    text: str | None = None
    sender: str | None = None


EscalationSink = Callable[[Escalation], Awaitable[None]]


class Escalations:
    """The sinks, and the deliveries on their way to them."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics
        self._sinks: list[EscalationSink] = []
        self._background: set[asyncio.Task[None]] = set()

    def add_sink(self, sink: EscalationSink) -> None:
        self._sinks.append(sink)

    def send(self, escalation: Escalation) -> None:
        """Hand ``escalation`` to every sink in the background."""
        for sink in self._sinks:
            task = asyncio.create_task(self._deliver(sink, escalation))
            self._background.add(task)
            task.add_done_callback(self._background.discard)

    async def drain(self, timeout: float) -> None:
        """At shutdown: escalations on their way to staff are not dropped."""
        if self._background:
            await asyncio.wait(self._background, timeout=timeout)

    async def _deliver(self, sink: EscalationSink, escalation: Escalation) -> None:
        try:
            await sink(escalation)
            self.metrics.escalations.labels(escalation.channel, "sent").inc()
        except Exception:
            self.metrics.escalations.labels(escalation.channel, "failed").inc()
            log.exception(
                "escalation not delivered", extra={"channel": escalation.channel, "emergency": escalation.emergency}
            )
