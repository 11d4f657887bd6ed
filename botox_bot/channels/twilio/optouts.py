"""SMS opt-outs: a number that sent STOP gets no reply until it sends START.

A set in the store that never expires; its writes are durable (a STOP taken while Redis is down reaches Redis
when it is back), because a carrier holds the clinic to a STOP. The set's name is the Redis key it has had since
the first release, so opt-outs kept by an older release still hold.
"""

from __future__ import annotations

from botox_bot.store import Store

OPTED_OUT = "opted-out"


class OptOuts:
    def __init__(self, store: Store):
        self.store = store

    async def stop(self, sender: str) -> None:
        await self.store.add_member(OPTED_OUT, sender)

    async def start(self, sender: str) -> None:
        await self.store.remove_member(OPTED_OUT, sender)

    async def opted_out(self, sender: str) -> bool:
        return await self.store.has_member(OPTED_OUT, sender)
