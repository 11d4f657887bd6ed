"""The bot's Prometheus metrics, in a registry of its own so that two apps in one process never collide."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, Self, TypeVar, cast

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    disable_created_metrics,
    generate_latest,
    multiprocess,
)

T = TypeVar("T")

disable_created_metrics()  # the *_created series only double the output; counters reset with the process anyway
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5)


def _kept(metric: Any, values: tuple[Any, ...], make: Callable[..., T]) -> T:
    """A metric's child for these label values, kept: prometheus_client checks and locks on every ``labels()``
    call (1.3 µs against 0.4 µs kept, several times a request). The values come from bounded sets (channel
    names, statuses, intents), and the children are the ones the metric keeps anyway."""
    kept = metric.__dict__.setdefault("_kept", {})
    child = kept.get(values)
    if child is None:
        child = kept[values] = make(*values)
    return cast(T, child)


class _Counter(Counter):
    def labels(self, *labelvalues: Any, **labelkwargs: Any) -> Self:
        if labelkwargs:
            return super().labels(*labelvalues, **labelkwargs)
        return _kept(self, labelvalues, super().labels)


class _Histogram(Histogram):
    def labels(self, *labelvalues: Any, **labelkwargs: Any) -> Self:
        if labelkwargs:
            return super().labels(*labelvalues, **labelkwargs)
        return _kept(self, labelvalues, super().labels)


class Metrics:
    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        ProcessCollector(registry=self.registry)
        r = self.registry
        self.requests = _Counter(
            "botox_bot_requests", "HTTP requests by channel and status.", ["channel", "status"], registry=r
        )
        self.latency = _Histogram(
            "botox_bot_request_duration_seconds",
            "Time to answer a request, by channel.",
            ["channel"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.replies = _Counter(
            "botox_bot_replies", "Replies by channel and intent.", ["channel", "intent"], registry=r
        )
        self.fallbacks = _Counter(
            "botox_bot_fallbacks", "Replies that could not place the question (out of scope).", ["channel"], registry=r
        )
        self.emergencies = _Counter(
            "botox_bot_emergencies", "Emergency replies, by channel and level.", ["channel", "level"], registry=r
        )
        self.rate_limited = Counter(
            "botox_bot_rate_limited", "Messages refused by the rate limit.", ["channel"], registry=r
        )
        self.rejected = Counter(
            "botox_bot_rejected", "Requests refused before answering, by reason.", ["channel", "reason"], registry=r
        )
        self.escalations = Counter(
            "botox_bot_escalations",
            "Emergencies and handoffs sent to staff, by outcome.",
            ["channel", "outcome"],
            registry=r,
        )
        self.feedback = Counter(
            "botox_bot_feedback",
            "Helpful / not helpful clicks on answers.",
            ["channel", "intent", "helpful"],
            registry=r,
        )
        # with several workers: the least of the live workers' (ready only when all are), the most (degraded if any)
        self.ready = Gauge(
            "botox_bot_ready",
            "1 once the content is loaded and the model trained.",
            registry=r,
            multiprocess_mode="livemin",
        )
        self.store_degraded = Gauge(
            "botox_bot_store_degraded",
            "1 while the shared store (Redis) is unreachable and this process runs on its own memory.",
            registry=r,
            multiprocess_mode="livemax",
        )

    def render(self) -> bytes:
        """This process's metrics; with several workers (``PROMETHEUS_MULTIPROC_DIR``), every worker's, summed,
        and the ``process_*`` metrics of the worker that answered."""
        folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
        if not folder:
            return generate_latest(self.registry)
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, folder)
        ProcessCollector(registry=registry)
        return generate_latest(registry)
