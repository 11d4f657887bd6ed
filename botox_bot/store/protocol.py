"""The store interface the engine and the channels depend on."""

from __future__ import annotations

from typing import Any, Protocol


class Store(Protocol):
    async def get_context(self, sender: str) -> dict[str, Any] | None:
        """The sender's conversation context, or ``None`` when there is none or it expired."""

    async def set_context(self, sender: str, context: dict[str, Any], ttl_seconds: int) -> None:
        """Keep ``context`` for ``ttl_seconds``."""

    async def claim(self, key: str, ttl_seconds: float) -> bool:
        """True the first time ``key`` is claimed within ``ttl_seconds``, False after.

        One primitive for everything that must happen once: a replayed signature, a retried Slack event.
        """

    async def set_opted_out(self, sender: str, opted_out: bool) -> None:
        """Remember an SMS STOP (or forget it on START). Never expires and is never evicted."""

    async def is_opted_out(self, sender: str) -> bool:
        """Whether ``sender`` sent STOP and not START since."""

    async def rate_limit(self, key: str, per_minute: int) -> int | None:
        """Count one message from ``key``: None when allowed, else the seconds to wait (a moving minute)."""

    async def count_feedback(self, intent: str, helpful: str) -> None:
        """One more "helpful" (``yes``) or "not helpful" (``no``) click on an answer of ``intent``."""

    async def status(self) -> str:
        """``ok``, or ``degraded`` when a shared store is unreachable and the bot runs on local memory."""

    async def close(self) -> None:
        """Release connections (at shutdown)."""


ContextStore = Store  # the name the engine has used since issue 2
