"""The store interface the engine depends on."""

from __future__ import annotations

from typing import Any, Protocol


class ContextStore(Protocol):
    async def get_context(self, sender: str) -> dict[str, Any] | None:
        """The sender's conversation context, or ``None`` when there is none or it expired."""

    async def set_context(self, sender: str, context: dict[str, Any], ttl_seconds: int) -> None:
        """Keep ``context`` for ``ttl_seconds``."""
