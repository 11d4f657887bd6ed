"""A sender's short memory between messages: derived facts only, never message text (health data at rest).

The caller keeps the dict per sender (Redis, so it works across instances) and passes it back with the next
message. It lets a red flag spread over two messages be caught: "had botox tuesday" then "is it normal to see
double?", or "is it normal to see double?" then "yes, since my injection". Shape (all JSON):

    {"t": 1733.0,                                  # last update
     "injection": 1733.0,                          # when a recent injection was mentioned
     "pending": [["vision", "urgent", 1733.0]],    # symptoms mentioned ambiguously (concept, level, when)
     "signs": [["eyelids", "", 1733.0]],           # symptoms reported as current (for combinations)
     "asked": [["vision", "urgent", 1733.0]],      # symptoms asked about in general or as past history
     "audience": ["other", 1733.0],                # someone else / staff, until said otherwise
     "question": 1733.0}                           # the last message asked a general question

Entries older than ``TTL`` seconds are dropped on read.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

TTL = 30 * 60
_MAX_ITEMS = 8


@dataclass
class Recall:
    """What is still remembered about this sender."""

    injection: float | None = None
    pending: list[tuple[str, str, float]] = field(default_factory=list)
    signs: list[tuple[str, str, float]] = field(default_factory=list)
    asked: list[tuple[str, str, float]] = field(default_factory=list)
    question: float | None = None
    audience: tuple[str, float] | None = None


def recall(memory: Mapping[str, Any] | None, now: float | None = None) -> Recall:
    """Read a memory dict defensively (it comes from a store): unknown or malformed parts are ignored."""
    now = time.time() if now is None else now
    if not isinstance(memory, Mapping):
        return Recall()

    def fresh(t: Any) -> bool:
        return isinstance(t, int | float) and not isinstance(t, bool) and 0 <= now - t <= TTL

    def items(key: str) -> list[tuple[str, str, float]]:
        raw = memory.get(key)
        out = []
        if isinstance(raw, list):
            for item in raw[:_MAX_ITEMS]:
                if isinstance(item, list | tuple) and len(item) == 3 and fresh(item[2]):
                    concept, level, t = item
                    if isinstance(concept, str) and isinstance(level, str):
                        out.append((concept, level, float(t)))
        return out

    injection = memory.get("injection")
    aud = memory.get("audience")
    audience = None
    if isinstance(aud, list | tuple) and len(aud) == 2 and aud[0] in ("other", "staff") and fresh(aud[1]):
        audience = (aud[0], float(aud[1]))
    return Recall(
        injection=float(injection) if injection is not None and fresh(injection) else None,
        pending=items("pending"),
        signs=items("signs"),
        asked=items("asked"),
        question=float(memory["question"]) if fresh(memory.get("question")) else None,
        audience=audience,
    )


def keep(
    before: Recall,
    now: float,
    *,
    injection: bool,
    pending: list[tuple[str, str]],
    signs: list[tuple[str, str]],
    asked: list[tuple[str, str]],
    audience: str | None,
    consumed: bool,
    question: bool = False,
) -> dict[str, Any] | None:
    """The memory to store after this message (``None`` when there is nothing worth remembering)."""
    out: dict[str, Any] = {}
    inj = now if injection else before.injection
    if inj is not None:
        out["injection"] = inj
    old_pending = [] if consumed else before.pending
    merged_pending = _merge(old_pending, [(c, lvl, now) for c, lvl in pending])
    if merged_pending:
        out["pending"] = [list(p) for p in merged_pending]
    merged_signs = _merge(before.signs, [(c, lvl, now) for c, lvl in signs])
    if merged_signs:
        out["signs"] = [list(s) for s in merged_signs]
    merged_asked = _merge(before.asked, [(c, lvl, now) for c, lvl in asked])
    if merged_asked:
        out["asked"] = [list(s) for s in merged_asked]
    if question:
        out["question"] = now
    if audience in ("other", "staff"):
        out["audience"] = [audience, now]
    elif before.audience is not None:
        out["audience"] = list(before.audience)
    if not out:
        return None
    out["t"] = now
    return out


def _merge(old: list[tuple[str, str, float]], new: list[tuple[str, str, float]]) -> list[tuple[str, str, float]]:
    by_concept: dict[str, tuple[str, str, float]] = {}
    for item in [*old, *new]:  # newer wins
        by_concept[item[0]] = item
    return sorted(by_concept.values(), key=lambda i: i[2])[-_MAX_ITEMS:]
