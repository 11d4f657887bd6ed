"""What every channel shares: settings, the engine (once loaded), the store, metrics and the rate limiter.

The engine loads in a worker thread after the server starts listening, so ``/healthz`` answers at once and
``/readyz`` says when questions can be answered. Nothing per request re-reads content or re-trains.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator

from aiohttp import web

from bot.core.engine import Engine
from bot.core.models import Message, Reply
from bot.server.errors import Problem
from bot.server.logs import request_fields
from bot.server.metrics import Metrics
from bot.server.ratelimit import RateLimiter
from bot.settings import Settings
from bot.store import MemoryStore, Store

log = logging.getLogger("botox_bot.runtime")


class BotRuntime:
    def __init__(self, settings: Settings, engine: Engine | None = None, store: Store | None = None):
        self.settings = settings
        self.store: Store = store or (engine.store if engine else MemoryStore())
        self.metrics = Metrics()
        self.limiter = RateLimiter(settings.rate_limit)
        self._engine = engine
        self._loading: asyncio.Task[None] | None = None
        self.load_error: str | None = None
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

    async def wait_ready(self) -> None:
        """Wait for the engine (for programs that embed the bot and want to answer at once)."""
        if self._loading is not None:
            await asyncio.shield(self._loading)

    async def _load(self) -> None:
        log.info("loading content and model")
        try:
            engine = await asyncio.to_thread(Engine.from_settings, self.settings, self.store)
        except Exception as exc:  # content broken after start-up checks, or the cache unwritable
            self.load_error = f"{type(exc).__name__}: {exc}"
            log.error("loading failed; not ready", extra={"error": self.load_error})
            return
        self._engine = engine
        gc.freeze()  # the loaded content and model live as long as the process: keep them out of every GC pass
        self.metrics.ready.set(1)
        log.info("ready", extra={"intents": len(engine.classifier.labels), "content_digest": engine.content.digest[:12]})

    # -- answering -------------------------------------------------------------------------------
    async def answer(self, message: Message) -> Reply:
        """The one way channels reach the core: answer, count, and log what may be logged."""
        if self._engine is None:
            raise Problem(503, "not_ready", "the bot is still starting; try again in a moment",
                          {"Retry-After": "1"})
        reply = await self._engine.answer(message)
        self.metrics.count_reply(message.channel, reply)
        fields = {"intent": reply.intent, "confidence": reply.confidence, "emergency": reply.emergency}
        if self.settings.log_message_text:
            fields.update(sender=message.sender_id, text=message.text)
        in_request = request_fields.get()
        if in_request is not None:  # said on the request's access line: one line a request
            in_request.update(fields)
        else:
            log.info("reply", extra={"channel": message.channel, **fields})
        return reply

    async def check_rate(self, channel: str, sender: str) -> None:
        """Raise 429 when ``sender`` on ``channel`` is over the limit."""
        wait = await self.limiter.retry_after(f"{channel}:{sender}")
        if wait is not None:
            self.metrics.rate_limited.labels(channel).inc()
            raise Problem(429, "rate_limited", f"too many messages; wait {wait} seconds",
                          {"Retry-After": str(wait)})
