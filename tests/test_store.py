"""The failover store without a Redis: primitives pass through, set writes are durable across an outage.

(The same against a real Redis, killed and restarted: tests/test_redis.py.)
"""

from __future__ import annotations

import asyncio

from botox_bot.store import MemoryStore
from botox_bot.store.failover import FailoverStore


class FlakyPrimary(MemoryStore):
    """A memory store standing in for Redis, which can be switched off."""

    def __init__(self) -> None:
        super().__init__()
        self.up = True
        for name in ("get_context", "set_context", "claim", "add_member", "remove_member", "has_member", "increment"):
            setattr(self, name, self._guarded(getattr(self, name)))

    def _guarded(self, method):
        async def call(*args):
            if not self.up:
                raise OSError("connection refused")
            return await method(*args)

        return call

    async def ping(self) -> None:
        if not self.up:
            raise OSError("connection refused")

    async def reset_connections(self) -> None:
        """Nothing pooled."""


async def test_set_writes_made_during_an_outage_reach_the_primary_when_it_is_back():
    primary = FlakyPrimary()
    store = FailoverStore(primary, retry_seconds=0.05)  # type: ignore[arg-type]
    await store.add_member("opted-out", "+1")
    assert await primary.has_member("opted-out", "+1")

    primary.up = False
    await store.add_member("opted-out", "+2")  # the write that finds Redis down
    await store.remove_member("opted-out", "+1")
    assert store.degraded and await store.status() == "degraded"
    assert await store.has_member("opted-out", "+2") and not await store.has_member("opted-out", "+1")
    await store.set_context("rest:a", {"intent": "duration"}, 60)  # not durable: this instance's memory only
    assert await store.get_context("rest:a") == {"intent": "duration"}

    primary.up = True
    for _ in range(100):
        if not store.degraded:
            break
        await asyncio.sleep(0.02)
    assert not store.degraded
    assert await primary.has_member("opted-out", "+2") and not await primary.has_member("opted-out", "+1")
    assert await primary.get_context("rest:a") is None
    await store.close()
