"""An in-memory store with expiry and a size bound, so memory stays flat however many senders write."""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import Any


class MemoryStore:
    def __init__(self, max_senders: int = 10_000, clock=time.monotonic):
        self._items: OrderedDict[str, tuple[float, dict[str, Any]]] = OrderedDict()
        self._max = max_senders
        self._clock = clock

    async def get_context(self, sender: str) -> dict[str, Any] | None:
        item = self._items.get(sender)
        if item is None:
            return None
        expires, context = item
        if expires <= self._clock():
            del self._items[sender]
            return None
        return context

    async def set_context(self, sender: str, context: dict[str, Any], ttl_seconds: int) -> None:
        if ttl_seconds <= 0:
            self._items.pop(sender, None)
            return
        self._items[sender] = (self._clock() + ttl_seconds, context)
        self._items.move_to_end(sender)
        while len(self._items) > self._max:
            self._items.popitem(last=False)
