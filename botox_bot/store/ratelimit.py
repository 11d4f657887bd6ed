"""Messages a minute per key, as a moving window: at most N messages in any 60 seconds.

In process memory: for each key, the times of its last N allowed messages (N is the limit, 20 by default), in
an LRU map bounded to ``max_keys`` keys. A message is allowed when fewer than N of those times lie within the
last minute. The cost is a dict lookup and a small tuple a message, and memory is bounded whatever the number
of senders: measured with 100,000 new senders, the process stays flat once the map is full (docs/performance.md).
The ``limits`` library this replaces kept one growing window a sender a minute and cost 0.82-0.90x throughput.

Beyond ``max_keys`` senders within a minute, the one heard from least recently is forgotten: it may send a few
more messages than its limit. A flood from one sender stays the most recent key, so it is never the one forgotten.

Redis keeps the same window as a list per key, in one server-side script with the context read
(``botox_bot.store.redis``), so every instance counts together.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable

WINDOW_SECONDS = 60.0


class MovingWindow:
    def __init__(self, max_keys: int = 20_000, clock: Callable[[], float] = time.monotonic):
        # tuples of floats: the garbage collector stops tracking them, where 20,000 lists are 20,000 objects to walk
        self._hits: OrderedDict[str, tuple[float, ...]] = OrderedDict()
        self._max_keys = max_keys
        self._clock = clock

    def retry_after(self, key: str, per_minute: int) -> int | None:
        """Count one message from ``key``: None when allowed, else the whole seconds to wait before the next."""
        if per_minute <= 0:
            return None
        now = self._clock()
        hits = self._hits.get(key)
        if hits is None:
            self._hits[key] = (now,)
            if len(self._hits) > self._max_keys:
                self._hits.popitem(last=False)
            return None
        self._hits.move_to_end(key)
        if len(hits) >= per_minute:
            oldest = hits[-per_minute]
            if now - oldest < WINDOW_SECONDS:
                return max(1, math.ceil(oldest + WINDOW_SECONDS - now))
        self._hits[key] = (*hits[max(0, len(hits) - per_minute + 1) :], now)  # the last per_minute times
        return None

    def __len__(self) -> int:
        return len(self._hits)
