"""Reply templates: pick the variation that fits a message, in its language, with the clinic's details filled in.

Clinic details do not change while the bot runs, so every variation is rendered once, at start-up; answering
only picks among ready texts.
"""

from __future__ import annotations

import random
import re
import string
from collections.abc import Mapping
from dataclasses import dataclass

from botox_bot.core.content import Content, Variation
from botox_bot.core.content.schema import placeholders

_BLANK_LINES = re.compile(r"\n{3,}")
_KEPT_PICKS = 20_000  # more than responses x languages x channels; a bound all the same


@dataclass(frozen=True)
class Rendered:
    text: str
    sources: tuple[str, ...]
    conditions: tuple[tuple[str, str], ...]
    channel: str | None
    all_brands: bool = False
    names_emergency: bool = False
    """The text already tells the person when to call the emergency number (no safety net needed)."""

    @property
    def about_brand(self) -> bool:
        return any(slot == "brand" for slot, _ in self.conditions)


def render_text(template: str, values: Mapping[str, str]) -> str:
    """Fill placeholders; a line that needs a value the clinic has not set is left out."""
    kept = []
    for line in template.strip().split("\n"):
        names = {n for _, n, _, _ in string.Formatter().parse(line) if n}
        if any(not values.get(n) for n in names):
            continue
        kept.append(line.format_map(values).rstrip())
    return _BLANK_LINES.sub("\n\n", "\n".join(kept)).strip()


class Templates:
    """Every response of every language, rendered; ``pick`` chooses among them per message."""

    def __init__(
        self,
        content: Content,
        values: Mapping[str, Mapping[str, str]],
        rng: random.Random | None = None,
        overrides: Mapping[str, Mapping[str, str]] | None = None,
    ):
        """``values``: language -> placeholder -> text. ``overrides``: language -> response -> the clinic's text,
        which replaces the shipped variations of that response in that language."""
        self._rng = rng or random.Random()
        self.random_picks = 0
        """How many picks were drawn among several variations: a reply that needed none is the same every time."""
        self._unconditional: dict[tuple[str, str, str], list[Rendered]] = {}
        """(language, response, channel) -> the variations that fit, for responses without conditions."""
        self.source_language = content.source_language
        self._responses: dict[str, dict[str, list[Rendered]]] = {}
        for lang, responses in content.responses.items():
            lang_values = values.get(lang) or values.get(content.source_language) or {}
            self._responses[lang] = {
                name: [self._render(v, lang_values) for v in variations] for name, variations in responses.items()
            }
        for lang, answers in (overrides or {}).items():
            lang_values = values.get(lang) or {}
            for name, text in answers.items():
                self._responses.setdefault(lang, {})[name] = [
                    Rendered(render_text(text, lang_values), (), (), None, True, "{emergency_number}" in text)
                ]

    @staticmethod
    def _render(var: Variation, values: Mapping[str, str]) -> Rendered:
        conditions = tuple((c.name, c.value) for c in var.condition)
        text = render_text(var.text, values)
        names_emergency = "emergency_number" in placeholders(var.text)
        return Rendered(text, tuple(var.sources), conditions, var.channel, var.all_brands, names_emergency)

    def has(self, name: str, language: str | None = None) -> bool:
        return name in self._responses.get(language or self.source_language, {})

    def __contains__(self, name: str) -> bool:
        return self.has(name)

    def pick(self, name: str, slots: Mapping[str, str], channel: str, language: str | None = None) -> Rendered:
        """The best-fitting variation: conditions that match the slots first, then the channel's own."""
        lang = language or self.source_language
        key = (lang, name, channel)
        fits = self._unconditional.get(key)
        if fits is None:
            responses = self._responses.get(lang) or self._responses[self.source_language]
            fits = self._fitting(responses[name], slots, channel)
            if not any(var.conditions for var in responses[name]) and len(self._unconditional) < _KEPT_PICKS:
                self._unconditional[key] = fits  # the slots cannot change this pick: keep it
        if len(fits) == 1:
            return fits[0]
        self.random_picks += 1
        return self._rng.choice(fits)

    @staticmethod
    def _fitting(variations: list[Rendered], slots: Mapping[str, str], channel: str) -> list[Rendered]:
        best: list[Rendered] = []
        best_score = (-1, -1)
        for var in variations:
            if var.channel not in (None, channel):
                continue
            if any(slots.get(slot) != value for slot, value in var.conditions):
                continue
            score = (len(var.conditions), var.channel is not None)
            if score > best_score:
                best, best_score = [var], score
            elif score == best_score:
                best.append(var)
        return best
