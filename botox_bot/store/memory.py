"""An in-memory store with expiry and a size bound, so memory stays flat however many senders write."""

from __future__ import annotations

import time
from collections import Counter, OrderedDict
from typing import Any

from botox_bot.store.protocol import Gathered
from botox_bot.store.ratelimit import MovingWindow


class _ExpiringDict:
    """An LRU mapping whose entries expire; the oldest entry goes when it is full."""

    def __init__(self, max_items: int, clock):
        self._items: OrderedDict[str, tuple[float, Any]] = OrderedDict()
        self._max = max_items
        self._clock = clock

    def get(self, key: str) -> Any | None:
        item = self._items.get(key)
        if item is None:
            return None
        expires, value = item
        if expires <= self._clock():
            del self._items[key]
            return None
        return value

    def put(self, key: str, value: Any, ttl_seconds: float) -> None:
        if ttl_seconds <= 0:
            self._items.pop(key, None)
            return
        self._items[key] = (self._clock() + ttl_seconds, value)
        self._items.move_to_end(key)
        while len(self._items) > self._max:
            self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)


class MemoryStore:
    """The embedded default: one process, nothing to set up. Lost on restart, which only costs context."""

    name = "memory"

    def __init__(
        self, max_senders: int = 10_000, max_claims: int = 100_000, max_rate_keys: int = 20_000, clock=time.monotonic
    ):
        self._contexts = _ExpiringDict(max_senders, clock)
        self._claims = _ExpiringDict(max_claims, clock)
        self._sets: dict[str, set[str]] = {}  # small (people who sent STOP) and must never be evicted
        self._window = MovingWindow(max_rate_keys, clock)
        self.counters: Counter[tuple[str, str]] = Counter()

    async def get_context(self, key: str) -> dict[str, Any] | None:
        return self._contexts.get(key)

    async def set_context(self, key: str, context: dict[str, Any], ttl_seconds: int) -> None:
        self._contexts.put(key, context, ttl_seconds)

    async def claim(self, key: str, ttl_seconds: float) -> bool:
        if self._claims.get(key) is not None:
            return False
        self._claims.put(key, True, ttl_seconds)
        return True

    async def add_member(self, name: str, member: str) -> None:
        self._sets.setdefault(name, set()).add(member)

    async def remove_member(self, name: str, member: str) -> None:
        self._sets.get(name, set()).discard(member)

    async def has_member(self, name: str, member: str) -> bool:
        return member in self._sets.get(name, ())

    async def rate_limit(self, key: str, per_minute: int) -> int | None:
        return self._window.retry_after(key, per_minute)

    async def gather(
        self,
        context_key: str,
        rate_key: str | None = None,
        per_minute: int = 0,
        claim_key: str | None = None,
        claim_ttl: float = 0,
    ) -> Gathered:
        if claim_key is not None and not await self.claim(claim_key, claim_ttl):
            return Gathered(None, None, claimed=False)
        wait = self._window.retry_after(rate_key, per_minute) if rate_key is not None and per_minute > 0 else None
        return Gathered(self._contexts.get(context_key), wait)

    async def increment(self, name: str, field: str) -> None:
        self.counters[(name, field)] += 1

    async def status(self) -> str:
        return "ok"

    async def close(self) -> None:
        """Nothing to release."""
