"""Reply templates: pick the variation that fits a message, with the clinic's details filled in.

Clinic details do not change while the bot runs, so every variation is rendered once, at start-up; answering
only picks among ready texts.
"""

from __future__ import annotations

import random
import re
import string
from dataclasses import dataclass

from botox_bot.core.content import Content, Variation

_BLANK_LINES = re.compile(r"\n{3,}")


@dataclass(frozen=True)
class Rendered:
    text: str
    sources: tuple[str, ...]
    conditions: tuple[tuple[str, str], ...]
    channel: str | None


def render_text(template: str, values: dict[str, str]) -> str:
    """Fill placeholders; a line that needs a value the clinic has not set is left out."""
    kept = []
    for line in template.strip().split("\n"):
        names = {n for _, n, _, _ in string.Formatter().parse(line) if n}
        if any(not values.get(n) for n in names):
            continue
        kept.append(line.format_map(values).rstrip())
    return _BLANK_LINES.sub("\n\n", "\n".join(kept)).strip()


class Templates:
    def __init__(self, content: Content, values: dict[str, str], rng: random.Random | None = None):
        self._rng = rng or random.Random()
        self._responses = {
            name: [self._render(v, values) for v in variations] for name, variations in content.responses.items()
        }

    @staticmethod
    def _render(var: Variation, values: dict[str, str]) -> Rendered:
        conditions = tuple((c.name, c.value) for c in var.condition)
        return Rendered(render_text(var.text, values), tuple(var.sources), conditions, var.channel)

    def __contains__(self, name: str) -> bool:
        return name in self._responses

    def pick(self, name: str, slots: dict[str, str], channel: str) -> Rendered:
        """The best-fitting variation: conditions that match the slots first, then the channel's own."""
        best: list[Rendered] = []
        best_score = (-1, -1)
        for var in self._responses[name]:
            if var.channel not in (None, channel):
                continue
            if any(slots.get(slot) != value for slot, value in var.conditions):
                continue
            score = (len(var.conditions), var.channel is not None)
            if score > best_score:
                best, best_score = [var], score
            elif score == best_score:
                best.append(var)
        return best[0] if len(best) == 1 else self._rng.choice(best)
