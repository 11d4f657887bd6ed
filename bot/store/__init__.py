"""What the bot keeps between requests. Today: conversation context, in memory.

The interface is async so that a shared store (Redis, for several instances) can replace the memory one
without touching the engine.
"""

from bot.store.memory import MemoryStore
from bot.store.protocol import ContextStore

__all__ = ["ContextStore", "MemoryStore"]
