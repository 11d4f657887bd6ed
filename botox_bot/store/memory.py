"""An in-memory store with expiry and a size bound, so memory stays flat however many senders write."""

from __future__ import annotations

import time
from collections import Counter, OrderedDict
from typing import Any

import orjson

from botox_bot.store.protocol import Gathered, canonical, dumps
from botox_bot.store.ratelimit import MovingWindow

_FOREVER = 10 * 365 * 86400  # a list written with no expiry


def _loaded(raw: str | None) -> dict[str, Any] | None:
    return None if raw is None else orjson.loads(raw)


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

    def update(self, key: str, value: Any) -> None:
        """Change a live entry's value, keeping its expiry."""
        item = self._items.get(key)
        if item is not None:
            self._items[key] = (item[0], value)

    def __len__(self) -> int:
        return len(self._items)


class MemoryStore:
    """The embedded default: one process, nothing to set up. Lost on restart, which only costs context."""

    name = "memory"

    def __init__(
        self,
        max_senders: int = 10_000,
        max_claims: int = 100_000,
        max_rate_keys: int = 20_000,
        clock=time.monotonic,
        max_lists: int = 10_000,
    ):
        self._contexts = _ExpiringDict(max_senders, clock)
        self._claims = _ExpiringDict(max_claims, clock)
        self._sets: dict[str, set[str]] = {}  # small (people who sent STOP) and must never be evicted
        self._window = MovingWindow(max_rate_keys, clock)
        self._lists = _ExpiringDict(max_lists, clock)
        self.counters: Counter[tuple[str, str]] = Counter()

    async def get_context(self, key: str) -> dict[str, Any] | None:
        return _loaded(self._contexts.get(key))

    async def set_context(self, key: str, context: dict[str, Any], ttl_seconds: int) -> None:
        # Kept as JSON text, as Redis keeps it: what a caller does to its dict afterwards changes nothing stored,
        # and 10,000 senders' contexts are 10,000 objects the garbage collector never walks, not 100,000. Text,
        # not orjson's bytes: those keep orjson's 4 KB write buffer whatever their length (measured: 40 MB for
        # 10,000 contexts of about 160 bytes).
        self._contexts.put(key, dumps(context), ttl_seconds)

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
        second_limit: tuple[str, int] | None = None,
    ) -> Gathered:
        if claim_key is not None and not await self.claim(claim_key, claim_ttl):
            return Gathered(None, None, claimed=False)
        waits = [self._window.retry_after(rate_key, per_minute) if rate_key is not None and per_minute > 0 else None]
        if second_limit is not None and second_limit[1] > 0:
            waits.append(self._window.retry_after(*second_limit))
        wait = max((w for w in waits if w is not None), default=None)
        return Gathered(_loaded(self._contexts.get(context_key)), wait)

    async def increment(self, name: str, field: str) -> None:
        self.counters[(name, field)] += 1

    async def append(self, name: str, item: dict[str, Any], max_items: int, ttl_seconds: int | None = None) -> None:
        items: list[str] = self._lists.get(name) or []
        items = [*items, canonical(item)][-max_items:]
        self._lists.put(name, items, ttl_seconds if ttl_seconds is not None else _FOREVER)

    async def items(self, name: str) -> list[dict[str, Any]]:
        return [orjson.loads(raw) for raw in self._lists.get(name) or []]

    async def take(self, name: str) -> list[dict[str, Any]]:
        found = await self.items(name)
        if found:
            self._lists.put(name, [], 0)
        return found

    async def remove_item(self, name: str, item: dict[str, Any]) -> None:
        items: list[str] | None = self._lists.get(name)
        if items:
            raw = canonical(item)
            self._lists.update(name, [i for i in items if i != raw])

    async def counts(self, name: str) -> dict[str, int]:
        return {field: n for (counter, field), n in self.counters.items() if counter == name}

    async def status(self) -> str:
        return "ok"

    async def close(self) -> None:
        """Nothing to release."""
