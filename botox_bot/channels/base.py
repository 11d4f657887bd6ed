"""The small interface every channel implements: routes to mount, and an optional start and stop.

A channel verifies, parses, formats and sends. It never classifies: it turns a platform's request into one
``Message``, hands it to ``BotRuntime.answer`` and formats the ``Reply`` that comes back.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web

from botox_bot.runtime import BotRuntime

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    handler: Handler


class Channel:
    """Base class: a name (used in metrics and logs) and the routes the channel answers."""

    name: str = "channel"

    def __init__(self, runtime: BotRuntime, prefix: str = ""):
        self.runtime = runtime
        self.settings = runtime.settings
        self.prefix = prefix.rstrip("/")

    def routes(self) -> list[Route]:
        raise NotImplementedError

    async def start(self) -> None:
        """Called when the app starts (a channel that holds a connection of its own opens it here)."""

    async def stop(self) -> None:
        """Called when the app stops."""

    def path(self, path: str) -> str:
        return f"{self.prefix}{path}" or "/"
