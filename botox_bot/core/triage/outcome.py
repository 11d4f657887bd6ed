"""What the triage screen decides about one message: the outcome, the level behind it, and why."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Outcome = Literal["call_now", "urgent", "crisis", "preface", "none"]
Level = Literal["call_now", "urgent", "crisis"]
Audience = Literal["self", "other", "staff"]

CALL_NOW: Level = "call_now"
URGENT: Level = "urgent"
CRISIS: Level = "crisis"

ALARMS: frozenset[str] = frozenset({CALL_NOW, URGENT, CRISIS})

# Medical levels, most serious first. Crisis is a different kind of answer, not a rung on this ladder.
_RANK: dict[str, int] = {CALL_NOW: 2, URGENT: 1}


def higher(a: str | None, b: str | None) -> str | None:
    """The more serious of two medical levels (``None`` is below both)."""
    if a is None:
        return b
    if b is None:
        return a
    return a if _RANK.get(a, 0) >= _RANK.get(b, 0) else b


@dataclass(frozen=True)
class Triage:
    """The screen's verdict on one message.

    ``level`` is the alarm for call_now/urgent/crisis; for ``preface`` it is the level the symptom would have had if
    it were happening now, so the answer can lead with the right "If this is happening now: ..." line.
    """

    outcome: Outcome
    level: Level | None
    concepts: tuple[str, ...]
    audience: Audience
    reason: str
    same_day: str | None = None  # "droop", "bladder_emptying" or "overdose": contact the clinic today, not an alarm

    @property
    def alarm(self) -> bool:
        return self.outcome in ALARMS
