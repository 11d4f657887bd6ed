"""Helpful / not helpful clicks, counted per intent in the store: shared by every instance, unlike the metrics.

A counter ``feedback`` whose fields are ``<intent>:<yes|no>`` (the Redis hash ``botox-bot:feedback``, as before).
"""

from __future__ import annotations

from botox_bot.store import Store

FEEDBACK = "feedback"


async def count_feedback(store: Store, intent: str, helpful: str) -> None:
    await store.increment(FEEDBACK, f"{intent}:{helpful}")
