"""TEMPORARY: the new triage API over the old emergency screen, until botox_bot/core/triage lands."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from botox_bot.core import emergency


@dataclass(frozen=True)
class Triage:
    outcome: str
    level: str | None
    concepts: tuple[str, ...]
    audience: str
    reason: str
    same_day: str | None = None

    @property
    def alarm(self) -> bool:
        return self.outcome in ("call_now", "urgent", "crisis")


def screen(text: str, memory: Mapping[str, Any] | None = None, now: float | None = None):
    flag = emergency.screen(text)
    if flag is None:
        return Triage("none", None, (), "self", "none"), None
    return Triage(flag.level, flag.level, (flag.kind,), "self", "current"), None
