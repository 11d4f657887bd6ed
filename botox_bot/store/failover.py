"""Redis when it answers, process memory when it does not: the bot keeps answering through a Redis outage.

Questions are answered from the content, which needs no store, so an outage only weakens what is shared
between instances (see docs/operations.md, "Several instances"): while degraded, each instance keeps its own
context, once-only claims, counters and rate-limit counts. Set writes are the exception, the durable writes:
they are what must not be lost (an SMS STOP or START), so one made while Redis is down is honoured locally
meanwhile and written to Redis as soon as it is back.

Once-only claims are written to both, always (write-through): a signature or a Slack event seen while Redis was
up is still refused while it is down, or after it restarted empty.

When a call fails, the store turns degraded at once (one log line, ``/readyz`` says so) and stops calling
Redis, so no request waits on a dead server; a background task pings it each second and switches back by
itself when it answers.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from botox_bot.store.memory import MemoryStore
from botox_bot.store.protocol import Gathered
from botox_bot.store.redis import RedisStore
from botox_bot.store.resp import RedisError

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
        self._pending: dict[tuple[str, str], bool] = {}  # durable set writes Redis has not had: (set, member) -> in
        self._probe: asyncio.Task[None] | None = None
        self.listeners: list[Callable[[bool], None]] = []  # told True on degrading, False on recovering (metrics)

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
            self._tell(True)
        if self._probe is None or self._probe.done():
            self._probe = asyncio.create_task(self._recover(), name="botox-bot redis probe")

    async def _recover(self) -> None:
        while self.degraded:
            await asyncio.sleep(self.retry_seconds)
            try:
                await self.primary.ping()
                await self.primary.reset_connections()
                for (name, member), present in list(self._pending.items()):
                    await self._write_member(self.primary, name, member, present)
                    self._pending.pop((name, member), None)
            except _FAILURES:
                continue
            self.degraded = False
            log.warning("redis reachable again: shared state restored")
            self._tell(False)

    def _tell(self, degraded: bool) -> None:
        for listener in self.listeners:
            listener(degraded)

    # -- the store interface: primitives, passed through generically ------------------------------
    async def gather(
        self,
        context_key: str,
        rate_key: str | None = None,
        per_minute: int = 0,
        claim_key: str | None = None,
        claim_ttl: float = 0,
        second_limit: tuple[str, int] | None = None,
    ) -> Gathered:
        # a claim is taken here too, always (write-through, as ``claim``): a replay is refused through an outage
        if claim_key is not None and not await self.fallback.claim(claim_key, claim_ttl):
            return Gathered(None, None, claimed=False)
        if not self.degraded:  # the hot path: one call, no generic dispatch
            try:
                return await self.primary.gather(context_key, rate_key, per_minute, claim_key, claim_ttl, second_limit)
            except _FAILURES as exc:
                self._degrade(exc)
        # the claim is taken above
        return await self.fallback.gather(context_key, rate_key, per_minute, second_limit=second_limit)

    async def get_context(self, key: str) -> dict[str, Any] | None:
        return await self._call("get_context", key)

    async def set_context(self, key: str, context: dict[str, Any], ttl_seconds: int) -> None:
        await self._call("set_context", key, context, ttl_seconds)

    async def claim(self, key: str, ttl_seconds: float) -> bool:
        """Claimed in Redis and, always, here too: a request replayed while Redis is down (or after it restarted
        empty) is still refused by the instance that saw it first."""
        local = await self.fallback.claim(key, ttl_seconds)
        if not self.degraded:
            try:
                return await self.primary.claim(key, ttl_seconds) and local
            except _FAILURES as exc:
                self._degrade(exc)
        return local

    async def increment(self, name: str, field: str) -> None:
        await self._call("increment", name, field)

    async def rate_limit(self, key: str, per_minute: int) -> int | None:
        return await self._call("rate_limit", key, per_minute)

    async def append(self, name: str, item: dict[str, Any], max_items: int, ttl_seconds: int | None = None) -> None:
        await self._call("append", name, item, max_items, ttl_seconds)

    async def items(self, name: str) -> list[dict[str, Any]]:
        return await self._call("items", name)

    async def take(self, name: str) -> list[dict[str, Any]]:
        return await self._call("take", name)

    async def remove_item(self, name: str, item: dict[str, Any]) -> None:
        await self._call("remove_item", name, item)

    async def counts(self, name: str) -> dict[str, int]:
        return await self._call("counts", name)

    async def has_member(self, name: str, member: str) -> bool:
        if (name, member) in self._pending:
            return self._pending[(name, member)]
        return await self._call("has_member", name, member)

    async def add_member(self, name: str, member: str) -> None:
        await self._durable_write(name, member, True)

    async def remove_member(self, name: str, member: str) -> None:
        await self._durable_write(name, member, False)

    async def _durable_write(self, name: str, member: str, present: bool) -> None:
        """Known here at once; in Redis now, or as soon as it is back (``_recover`` replays what is pending)."""
        await self._write_member(self.fallback, name, member, present)
        if self.degraded:
            self._pending[(name, member)] = present
            return
        try:
            await self._write_member(self.primary, name, member, present)
        except _FAILURES as exc:
            self._pending[(name, member)] = present
            self._degrade(exc)

    @staticmethod
    async def _write_member(store: MemoryStore | RedisStore, name: str, member: str, present: bool) -> None:
        if present:
            await store.add_member(name, member)
        else:
            await store.remove_member(name, member)

    async def status(self) -> str:
        return "degraded" if self.degraded else "ok"

    async def close(self) -> None:
        if self._probe is not None:
            self._probe.cancel()
        try:
            await self.primary.close()
        except _FAILURES:
            pass


def store_from_url(url: str | None, key: str | None = None) -> MemoryStore | FailoverStore:
    """``REDIS_URL`` set: Redis with failover to memory, its keys hashed with ``key``; unset: memory only."""
    if not url:
        return MemoryStore()
    if not key:
        raise ValueError("a Redis store needs a key for the hashes that stand for sender ids (BOTOX_BOT_STORE_KEY)")
    return FailoverStore(RedisStore(url, key))
