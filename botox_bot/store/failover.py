"""Redis when it answers, process memory when it does not: the bot keeps answering through a Redis outage.

Questions are answered from the content, which needs no store, so an outage only weakens what is shared
between instances (see the README, "Running several instances"): while degraded, each instance keeps its own
context, once-only claims and rate-limit counts. Opt-outs are the exception that must not be lost: a STOP or
START seen while Redis is down is written to Redis as soon as it is back, and is honoured locally meanwhile.

When a call fails, the store turns degraded at once (one log line, ``/readyz`` says so) and stops calling
Redis, so no request waits on a dead server; a background task pings it each second and switches back by
itself when it answers.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from redis.exceptions import RedisError

from botox_bot.store.memory import MemoryStore
from botox_bot.store.redis import RedisStore

log = logging.getLogger("botox_bot.store")
RETRY_SECONDS = 1.0
_FAILURES = (RedisError, OSError, asyncio.TimeoutError)


class FailoverStore:
    name = "redis"

    def __init__(self, primary: RedisStore, fallback: MemoryStore | None = None, retry_seconds: float = RETRY_SECONDS):
        self.primary = primary
        self.fallback = fallback or MemoryStore()
        self.retry_seconds = retry_seconds
        self.degraded = False
        self._pending_opt_outs: dict[str, bool] = {}
        self._probe: asyncio.Task[None] | None = None

    async def _call(self, name: str, *args: Any) -> Any:
        if not self.degraded:
            try:
                return await getattr(self.primary, name)(*args)
            except _FAILURES as exc:
                self._degrade(exc)
        return await getattr(self.fallback, name)(*args)

    def _degrade(self, exc: BaseException) -> None:
        if not self.degraded:
            self.degraded = True
            log.error("redis unreachable: degraded to this instance's memory", extra={"error": type(exc).__name__})
        if self._probe is None or self._probe.done():
            self._probe = asyncio.create_task(self._recover(), name="botox-bot redis probe")

    async def _recover(self) -> None:
        while self.degraded:
            await asyncio.sleep(self.retry_seconds)
            try:
                await self.primary.ping()
                await self.primary.reset_connections()
                for sender, opted_out in list(self._pending_opt_outs.items()):
                    await self.primary.set_opted_out(sender, opted_out)
                    self._pending_opt_outs.pop(sender, None)
            except _FAILURES:
                continue
            self.degraded = False
            log.warning("redis reachable again: shared state restored")

    # -- the store interface -------------------------------------------------------------------------
    async def get_context(self, sender: str) -> dict[str, Any] | None:
        return await self._call("get_context", sender)

    async def set_context(self, sender: str, context: dict[str, Any], ttl_seconds: int) -> None:
        await self._call("set_context", sender, context, ttl_seconds)

    async def claim(self, key: str, ttl_seconds: float) -> bool:
        return await self._call("claim", key, ttl_seconds)

    async def set_opted_out(self, sender: str, opted_out: bool) -> None:
        await self.fallback.set_opted_out(sender, opted_out)  # always known here too
        if self.degraded:
            self._pending_opt_outs[sender] = opted_out
            return
        try:
            await self.primary.set_opted_out(sender, opted_out)
        except _FAILURES as exc:
            self._pending_opt_outs[sender] = opted_out
            self._degrade(exc)

    async def is_opted_out(self, sender: str) -> bool:
        if sender in self._pending_opt_outs:
            return self._pending_opt_outs[sender]
        return await self._call("is_opted_out", sender)

    async def rate_limit(self, key: str, per_minute: int) -> int | None:
        return await self._call("rate_limit", key, per_minute)

    async def count_feedback(self, intent: str, helpful: str) -> None:
        await self._call("count_feedback", intent, helpful)

    async def status(self) -> str:
        return "degraded" if self.degraded else "ok"

    async def close(self) -> None:
        if self._probe is not None:
            self._probe.cancel()
        try:
            await self.primary.close()
        except _FAILURES:
            pass


def store_from_url(url: str | None) -> MemoryStore | FailoverStore:
    """``REDIS_URL`` set: Redis with failover to memory; unset: memory only."""
    return FailoverStore(RedisStore(url)) if url else MemoryStore()
