"""Telling staff: an emergency, a crisis or a request for a person on a patient channel, delivered in the background.

A channel that can reach staff (Slack's staff channel, a Teams staff conversation) adds a sink; the runtime hands
each escalation here without waiting, so a patient's answer never waits for Slack. What this module adds to
"post it to Slack" is what a flood and a slow or rate-limited Slack would otherwise break (security review H1, M4):

- **one escalation per sender per window**: a second message from the same conversation within the window is
  folded into a count, posted once when the window closes ("+N more from this conversation"); a *more severe*
  one (a handoff, then an emergency) is never folded;
- **a global cap** per minute: past it, escalations are folded into one summary a minute, so a flood from
  rotating senders cannot bury the staff channel or spend Slack's rate limit before a real emergency arrives;
- **a bounded queue with a fixed number of workers**: a flood opens a fixed number of sockets, not one each;
- **retries that honour the platform's wait**: a sink raises ``RetryLater`` (Slack's ``ratelimited`` with its
  ``Retry-After``), and the worker waits and tries again, a bounded number of times;
- **nothing dropped silently at shutdown**: ``drain`` waits up to the shutdown timeout; every escalation still
  queued or on its way then is logged at ERROR (channel, intent, urgency, request id) and counted
  (``botox_bot_escalations_total{outcome="undelivered"}``).

Every escalation admitted, folded or capped is also handed to the ``record`` callback (the desk's audit log), so
an escalation staff were not shown separately can still be found.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import datetime

from botox_bot.server.metrics import Metrics

log = logging.getLogger("botox_bot.runtime")

_SEVERITY = {"call_now": 3, "crisis": 3, "urgent": 2}  # anything else (a request for a person): 1


@dataclass(frozen=True)
class Escalation:
    """What staff are told, from the ``Reply``'s typed fields. ``text`` and ``sender`` are set only when the
    message-text logging setting allows it; ``contact`` only when no reply could reach the patient."""

    channel: str
    label: str  # the channel as people call it: "the phone line"
    emergency: bool  # the red box (call_now or urgent); else a crisis or a request for a person (handoff)
    urgency: str | None  # call_now, urgent, crisis, or None
    time: datetime
    request_id: str
    intent: str = "emergency"
    audience: str = "self"  # self, other (a relative writing), staff
    language: str = "en"
    language_name: str = "English"  # how staff read the patient's language: "Spanish"
    conversation: str | None = None  # the keyed conversation id (never the sender id): the desk's handle
    delivered: bool = True  # the patient got the bot's answer
    undelivered_reason: str | None = None  # why not: "opted out"
    contact: str | None = None  # how staff reach a patient no reply could reach (their number), else None
    live: bool = False  # staff can take the conversation over (the channel can carry staff replies)
    after_hours: bool = False  # a request for a person outside business hours: for the morning
    text: str | None = None
    sender: str | None = None
    more: int = 0  # a summary: this many more from the same conversation (or, capped, from anyone)
    summary: str | None = None  # "conversation" or "capped": a summary of folded escalations, not one message

    @property
    def severity(self) -> int:
        return _SEVERITY.get(self.urgency or "", 1)


class RetryLater(Exception):
    """A sink's platform asked to be called again later (Slack's ``ratelimited``, a connection refused)."""

    def __init__(self, seconds: float, reason: str = "rate limited"):
        super().__init__(f"{reason}; retry in {seconds:g} s")
        self.seconds = seconds
        self.reason = reason


EscalationSink = Callable[[Escalation], Awaitable[None]]
Recorder = Callable[[Escalation, str], Awaitable[None]]


@dataclass(frozen=True)
class EscalationPolicy:
    window_seconds: float = 300
    global_per_minute: int = 30
    queue_size: int = 1000
    concurrency: int = 4
    max_attempts: int = 5
    max_retry_wait_seconds: float = 60


@dataclass
class _Window:
    opened: float
    severity: int
    first: Escalation
    folded: int = 0
    flush: asyncio.TimerHandle | None = field(default=None, repr=False)


class Escalations:
    """The sinks, the per-conversation windows, the global cap, the queue and its workers."""

    def __init__(
        self,
        metrics: Metrics,
        policy: EscalationPolicy | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.metrics = metrics
        self.policy = policy or EscalationPolicy()
        self.record: Recorder | None = None  # the audit log, set by the runtime
        self._clock = clock
        self._sinks: list[EscalationSink] = []
        self._windows: dict[str, _Window] = {}
        self._recent: deque[float] = deque()  # times of escalations let through, for the global cap
        self._capped: list[Escalation] = []
        self._capped_flush: asyncio.TimerHandle | None = None
        self._queue: asyncio.Queue[tuple[EscalationSink, Escalation]] | None = None
        self._workers: list[asyncio.Task[None]] = []
        self._in_flight: dict[int, Escalation] = {}
        self._tickets = itertools.count()
        self._background: set[asyncio.Task[None]] = set()
        self._closing = False

    def add_sink(self, sink: EscalationSink) -> None:
        self._sinks.append(sink)

    @property
    def has_sinks(self) -> bool:
        return bool(self._sinks)

    # -- admission: windows and the cap --------------------------------------------------------------
    def send(self, escalation: Escalation, key: str | None = None) -> None:
        """Admit ``escalation`` (``key``: its conversation, for the per-sender window) and queue it for every
        sink, in the background. Folded or capped, it is counted and recorded, never lost."""
        now = self._clock()
        window = self._windows.get(key) if key else None
        if window is not None and now - window.opened >= self.policy.window_seconds:
            self._close_window(key)  # type: ignore[arg-type]
            window = None
        if window is not None and escalation.severity <= window.severity:
            window.folded += 1
            self._note(escalation, "folded")
            return
        if key:
            self._open_window(key, escalation, now)
        if not self._within_cap(now):
            self._capped.append(escalation)
            self._note(escalation, "capped")
            if self._capped_flush is None:
                self._capped_flush = self._later(60, self._flush_capped)
            return
        self._note(escalation, "admitted")
        self._enqueue(escalation)

    def _open_window(self, key: str, escalation: Escalation, now: float) -> None:
        old = self._windows.pop(key, None)
        if old is not None and old.flush is not None:
            old.flush.cancel()
        window = _Window(opened=now, severity=escalation.severity, first=escalation)
        if old is not None:
            window.folded = old.folded  # an upgrade keeps what was folded before it
        window.flush = self._later(self.policy.window_seconds, lambda: self._close_window(key))
        self._windows[key] = window

    def _close_window(self, key: str) -> None:
        """The window is over: one summary of what it folded (if anything), bypassing the cap."""
        window = self._windows.pop(key, None)
        if window is None:
            return
        if window.flush is not None:
            window.flush.cancel()
        if window.folded:
            self._enqueue(replace(window.first, more=window.folded, summary="conversation", time=window.first.time))

    def _within_cap(self, now: float) -> bool:
        while self._recent and now - self._recent[0] >= 60:
            self._recent.popleft()
        if len(self._recent) >= self.policy.global_per_minute:
            return False
        self._recent.append(now)
        return True

    def _flush_capped(self) -> None:
        """Once a minute while capped: one post saying how many were held back, led by the most severe."""
        self._capped_flush = None
        if not self._capped:
            return
        held, self._capped = self._capped, []
        worst = max(held, key=lambda e: (e.severity, e.emergency))
        self._enqueue(replace(worst, more=len(held), summary="capped"))

    def _later(self, delay: float, callback: Callable[[], None]) -> asyncio.TimerHandle | None:
        try:
            return asyncio.get_running_loop().call_later(delay, callback)
        except RuntimeError:  # no loop (a synchronous caller): the summary goes out at drain
            return None

    def _note(self, escalation: Escalation, outcome: str) -> None:
        if outcome != "admitted":
            self.metrics.escalations.labels(escalation.channel, outcome).inc()
        if self.record is not None:
            task = asyncio.get_running_loop().create_task(self._record(escalation, outcome))
            self._background.add(task)
            task.add_done_callback(self._background.discard)

    async def _record(self, escalation: Escalation, outcome: str) -> None:
        try:
            await self.record(escalation, outcome)  # type: ignore[misc]
        except Exception:
            log.exception("escalation not recorded in the audit log", extra={"channel": escalation.channel})

    # -- delivery: the queue and its workers ---------------------------------------------------------
    def _enqueue(self, escalation: Escalation) -> None:
        if not self._sinks:
            return
        if self._queue is None:
            self._queue = asyncio.Queue(self.policy.queue_size)
            self._workers = [
                asyncio.get_running_loop().create_task(self._work(), name=f"botox-bot escalations {i}")
                for i in range(self.policy.concurrency)
            ]
        for sink in self._sinks:
            try:
                self._queue.put_nowait((sink, escalation))
            except asyncio.QueueFull:
                self.metrics.escalations.labels(escalation.channel, "dropped").inc()
                log.error("escalation queue full: escalation not delivered", extra=_fields(escalation))

    async def _work(self) -> None:
        assert self._queue is not None
        while True:
            sink, escalation = await self._queue.get()
            ticket = next(self._tickets)
            self._in_flight[ticket] = escalation
            try:
                await self._deliver(sink, escalation)
            finally:
                self._in_flight.pop(ticket, None)
                self._queue.task_done()

    async def _deliver(self, sink: EscalationSink, escalation: Escalation) -> None:
        for attempt in range(1, self.policy.max_attempts + 1):
            try:
                await sink(escalation)
            except RetryLater as wait:
                if attempt == self.policy.max_attempts or self._closing:
                    break
                self.metrics.escalations.labels(escalation.channel, "retried").inc()
                log.warning(
                    "escalation delayed by the staff channel; retrying",
                    extra={**_fields(escalation), "retry_in_s": wait.seconds, "reason": wait.reason},
                )
                await asyncio.sleep(min(max(wait.seconds, 0.0), self.policy.max_retry_wait_seconds))
                continue
            except Exception:
                self.metrics.escalations.labels(escalation.channel, "failed").inc()
                log.exception("escalation not delivered", extra=_fields(escalation))
                return
            self.metrics.escalations.labels(escalation.channel, "sent").inc()
            return
        self.metrics.escalations.labels(escalation.channel, "failed").inc()
        log.error("escalation not delivered: the staff channel kept refusing it", extra=_fields(escalation))

    # -- shutdown ------------------------------------------------------------------------------------
    async def drain(self, timeout: float) -> int:
        """At shutdown: send the summaries still open, wait up to ``timeout`` for everything queued, then log
        at ERROR and count each escalation still undelivered. Returns how many were not delivered."""
        for key in list(self._windows):
            self._close_window(key)
        if self._capped_flush is not None:
            self._capped_flush.cancel()
        self._flush_capped()
        if self._background:
            await asyncio.wait(self._background, timeout=timeout)
        lost: list[Escalation] = []
        if self._queue is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._queue.join(), timeout)
            self._closing = True
            lost = list(self._in_flight.values())
            while not self._queue.empty():
                lost.append(self._queue.get_nowait()[1])
                self._queue.task_done()
            for worker in self._workers:
                worker.cancel()
            await asyncio.gather(*self._workers, return_exceptions=True)
            self._workers, self._queue, self._in_flight = [], None, {}
        for escalation in lost:
            self.metrics.escalations.labels(escalation.channel, "undelivered").inc()
            log.error("escalation not delivered before shutdown", extra=_fields(escalation))
        return len(lost)


def _fields(escalation: Escalation) -> dict[str, object]:
    """What a log line may say of an escalation: never text or sender."""
    return {
        "channel": escalation.channel,
        "intent": escalation.intent,
        "urgency": escalation.urgency,
        "emergency": escalation.emergency,
        "escalation_request_id": escalation.request_id,
        "conversation": escalation.conversation,
    }
