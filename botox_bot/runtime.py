"""The answering pipeline every channel calls, and what it needs: the engine (once loaded), the store, metrics.

``BotRuntime.answer`` is the one path from a channel to the core, the same for every channel: rate limit (on the
channels where patients write), engine, metrics, log line, escalation to staff. A channel decides none of it: it
declares what it is (``Channel.patient``) and formats what comes back, including ``RateLimited``.

The engine loads in a worker thread after the server starts listening, so ``/healthz`` answers at once and
``/readyz`` says when questions can be answered. Nothing per request re-reads content or re-trains.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Protocol

from aiohttp import web

from botox_bot.core.content import Content
from botox_bot.core.engine import Engine
from botox_bot.core.models import Message, Reply
from botox_bot.escalation import Escalation, Escalations, EscalationSink
from botox_bot.server.errors import Problem
from botox_bot.server.logs import LINE_WRITTEN, request_fields, request_id
from botox_bot.server.metrics import Metrics
from botox_bot.settings import Settings
from botox_bot.store import Store
from botox_bot.store.failover import store_from_url

log = logging.getLogger("botox_bot.runtime")


def _store(settings: Settings) -> Store:
    redis = settings.redis  # with a URL and no store key: a SettingsError that names both
    return store_from_url(redis.url, redis.store_key.get_secret_value() if redis.store_key else None)


class RateLimited(Exception):
    """A patient channel's sender is over the rate limit; the channel says so in its own way.

    The webhook answers 429 with ``Retry-After``, SMS stays silent (a flood costs the clinic nothing), the phone
    line says one short sentence.
    """

    def __init__(self, retry_after: int):
        super().__init__(f"over the rate limit; retry after {retry_after} s")
        self.retry_after = retry_after


class Source(Protocol):
    """What the pipeline needs to know of the channel a message came through; every ``Channel`` has it."""

    @property
    def name(self) -> str: ...

    @property
    def label(self) -> str:
        """The channel as people call it ("the phone line")."""
        ...

    @property
    def patient(self) -> bool:
        """Patients write there: rate-limited, and emergencies and requests for a person go to staff."""
        ...


class BotRuntime:
    def __init__(
        self,
        settings: Settings,
        engine: Engine | None = None,
        store: Store | None = None,
        channel_names: frozenset[str] | None = None,
    ):
        self.settings = settings  # for the composition root (app.py), which hands each channel its group
        self.channel_names = channel_names  # the registry's, for checking content variations (``channel:``)
        self.clinic = settings.clinic  # what every channel may say: the clinic's name, phone, emergency number
        self.store: Store = store or (engine.store if engine else _store(settings))
        if engine is not None:
            engine.store = self.store  # one store for the engine's context and the channels' state
        self.metrics = Metrics()
        self._engine = engine
        self._loading: asyncio.Task[None] | None = None
        self.load_error: str | None = None
        self.escalations = Escalations(self.metrics)
        self.metrics.ready.set(1 if engine else 0)

    # -- life cycle ------------------------------------------------------------------------------
    @property
    def ready(self) -> bool:
        return self._engine is not None

    async def lifespan(self, app: web.Application) -> AsyncIterator[None]:
        """For ``app.cleanup_ctx``: start loading with the app, stop with it."""
        if self._engine is None and self._loading is None:
            self._loading = asyncio.create_task(self._load(), name="botox-bot load")
        yield
        if self._loading and not self._loading.done():
            self._loading.cancel()
        await self.escalations.drain(timeout=10)
        await self.store.close()

    async def load(self) -> None:
        """Load now and wait (for programs that embed the bot without an aiohttp app of ours)."""
        if self._engine is None:
            if self._loading is None:
                self._loading = asyncio.create_task(self._load(), name="botox-bot load")
            await asyncio.shield(self._loading)

    async def _load(self) -> None:
        log.info("loading content and model")
        try:
            config = self.settings.engine_config()
            engine = await asyncio.to_thread(Engine.from_config, config, self.store, self.channel_names)
        except Exception as exc:  # content broken after start-up checks, or the cache unwritable
            self.load_error = f"{type(exc).__name__}: {exc}"
            log.error("loading failed; not ready", extra={"error": self.load_error})
            return
        self._engine = engine
        gc.freeze()  # the loaded content and model live as long as the process: keep them out of every GC pass
        self.metrics.ready.set(1)
        log.info(
            "ready", extra={"intents": len(engine.classifier.labels), "content_digest": engine.content.digest[:12]}
        )

    @property
    def content(self) -> Content | None:
        """The loaded content (topics, titles), for channels that list what the bot answers; None until ready."""
        return self._engine.content if self._engine else None

    @property
    def known_intents(self) -> frozenset[str]:
        return frozenset(self._engine.classifier.labels) if self._engine else frozenset()

    # -- answering -------------------------------------------------------------------------------
    async def answer(
        self, message: Message, source: Source, rate_key: str | None = None, address: str | None = None
    ) -> Reply:
        """Rate limit, answer, count, log what may be logged, escalate: the same for every channel.

        What happens beyond answering follows from what ``source`` (the channel) declares about itself. On a
        patient channel a sender over the limit gets ``RateLimited`` (``rate_key``, default the sender id,
        is whom the limit counts), and so does a client ``address`` over its own limit (web channels name it:
        a client that invents a sender per message is still one client), unless the message has a red flag.
        """
        engine = self._engine
        if engine is None:
            raise Problem(503, "not_ready", "the bot is still starting; try again in a moment", {"Retry-After": "1"})
        if source.patient:
            await self._throttle(engine, message, source, rate_key or message.sender_id, address)
        elif message.audience is None:  # staff channels: an emergency answer is written for staff to act on
            message = message.model_copy(update={"audience": "staff"})
        reply = await engine.answer(message)
        self._count(source, reply)
        self._log(message, reply, source)
        if source.patient and (reply.emergency or reply.urgency == "crisis" or reply.handoff):
            self._escalate(message, reply, source)
        return reply

    async def _throttle(self, engine: Engine, message: Message, source: Source, key: str, address: str | None) -> None:
        """Count one message from ``key`` and from ``address``; over either limit, raise ``RateLimited``.

        A message with a red flag is never held back: a rate limit must not silence an emergency.
        """
        waits = [await self._count_hit(f"{source.name}:{key}", self.settings.rate_limit)]
        if address is not None:
            waits.append(await self._count_hit(f"address:{address}", self.settings.address_rate_limit))
        wait = max((w for w in waits if w is not None), default=None)
        if wait is None:
            return
        if engine.is_red_flag(message.text):
            log.warning("over the rate limit, answered anyway: a red flag", extra={"channel": source.name})
            return
        self.metrics.rate_limited.labels(source.name).inc()
        raise RateLimited(wait)

    async def _count_hit(self, key: str, per_minute: int) -> int | None:
        return await self.store.rate_limit(key, per_minute) if per_minute > 0 else None

    async def admit_visit(self, source: Source, address: str) -> None:
        """A visit that mints a sender (the web chat page and its web token), counted per client ``address``;
        over the limit, ``RateLimited``: page loads are free, so they are not unlimited."""
        wait = await self._count_hit(f"visit:{address}", self.settings.address_rate_limit)
        if wait is not None:
            self.metrics.rate_limited.labels(source.name).inc()
            raise RateLimited(wait)

    def _count(self, source: Source, reply: Reply) -> None:
        metrics = self.metrics
        metrics.replies.labels(source.name, reply.intent).inc()
        if reply.fallback:
            metrics.fallbacks.labels(source.name).inc()
        if reply.emergency:
            metrics.emergencies.labels(source.name, reply.urgency or "unknown").inc()

    def _log(self, message: Message, reply: Reply, source: Source) -> None:
        """On the request's access line when there is one (one line a request), else a line of its own."""
        fields = {"intent": reply.intent, "confidence": reply.confidence, "emergency": reply.emergency}
        if self.settings.log_message_text:
            fields.update(sender=message.sender_id, text=message.text)
        in_request = request_fields.get()
        if in_request is not None and LINE_WRITTEN not in in_request:
            in_request.update(fields)
        else:
            log.info("reply", extra={"channel": source.name, **fields})

    # -- escalations -----------------------------------------------------------------------------
    def add_escalation_sink(self, sink: EscalationSink) -> None:
        """A channel that can reach staff (Slack's staff channel) registers here."""
        self.escalations.add_sink(sink)

    def _escalate(self, message: Message, reply: Reply, source: Source) -> None:
        """Tell staff in the background: the patient's answer never waits for Slack."""
        loud = self.settings.log_message_text
        self.escalations.send(
            Escalation(
                channel=source.name,
                label=source.label,
                emergency=reply.emergency,
                urgency=reply.urgency,
                time=datetime.now(UTC),
                request_id=request_id.get(),
                text=message.text if loud else None,
                sender=message.sender_id if loud else None,
            )
        )
