"""Messages a minute per sender, with the ``limits`` library's moving window (the one slowapi uses).

Its storage is swappable: memory today, Redis when several instances must count together (issue 7).
"""

from __future__ import annotations

import math
import time

from limits import RateLimitItemPerMinute
from limits.aio.storage import MemoryStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter


class RateLimiter:
    def __init__(self, per_minute: int, storage: Storage | None = None):
        self.per_minute = per_minute
        self._item = RateLimitItemPerMinute(max(per_minute, 1))
        self._storage = storage
        self._limiter: MovingWindowRateLimiter | None = None

    @property
    def enabled(self) -> bool:
        return self.per_minute > 0

    async def retry_after(self, key: str) -> int | None:
        """Count one message from ``key``: None when allowed, else the seconds to wait before the next."""
        if not self.enabled:
            return None
        if self._limiter is None:  # created lazily: the memory storage needs a running event loop
            self._limiter = MovingWindowRateLimiter(self._storage or MemoryStorage())
        if await self._limiter.hit(self._item, key):
            return None
        stats = await self._limiter.get_window_stats(self._item, key)
        return max(1, math.ceil(stats.reset_time - time.time()))
