"""What the bot keeps between requests (conversation context, once-only claims, sets, counters, rate limits).

The interface is async so that a shared store (Redis, for several instances) can replace the memory one
without touching the engine or the channels.
"""

from botox_bot.store.memory import MemoryStore
from botox_bot.store.protocol import Store

__all__ = ["MemoryStore", "Store"]
