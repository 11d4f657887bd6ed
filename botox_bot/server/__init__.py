"""The aiohttp server that every channel mounts into. See ``botox_bot.server.app``.

The names are loaded on first use: channels import the server's helpers (errors, signing) and the app imports
the channels, so an eager import here would be circular.
"""

from __future__ import annotations

from typing import Any

__all__ = ["BotRuntime", "create_app", "mount", "run"]


def __getattr__(name: str) -> Any:
    if name == "BotRuntime":
        from botox_bot.server.runtime import BotRuntime

        return BotRuntime
    if name in {"create_app", "mount", "run"}:
        from botox_bot.server import app

        return getattr(app, name)
    raise AttributeError(name)
