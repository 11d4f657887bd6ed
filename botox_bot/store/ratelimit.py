"""Messages a minute per key, with the ``limits`` library's moving window (the one slowapi uses).

The window lives in the store's storage: process memory, or Redis so that every instance counts together.
"""

from __future__ import annotations

import math
import time

from limits import RateLimitItemPerMinute
from limits.aio.storage import Storage
from limits.aio.strategies import MovingWindowRateLimiter


class MovingWindow:
    def __init__(self, storage: Storage):
        self._limiter = MovingWindowRateLimiter(storage)
        self._items: dict[int, RateLimitItemPerMinute] = {}

    async def retry_after(self, key: str, per_minute: int) -> int | None:
        """Count one hit for ``key``: None when allowed, else the seconds to wait before the next."""
        item = self._items.get(per_minute) or self._items.setdefault(per_minute, RateLimitItemPerMinute(per_minute))
        if await self._limiter.hit(item, key):
            return None
        stats = await self._limiter.get_window_stats(item, key)
        return max(1, math.ceil(stats.reset_time - time.time()))
