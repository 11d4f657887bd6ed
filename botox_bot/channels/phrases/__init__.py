"""What the channels themselves say, per language: one JSON file a language (``en.json``, ``es.json``).

The answers come from the content (``responses/<lang>/``); these are the few fixed sentences around them that
belong to a platform: the web page's labels and errors, SMS keywords (STOP, PARAR...) and their replies, the phone
line's greeting, retry and goodbye, and how a list reads ("a, b, or c" / "a, b o c"). Written by people, never
machine-translated at run time. A file says whether a qualified translator has reviewed it (``reviewed``); a
language without a file is spoken in English on the channels' own lines, whatever the content answers in.

Placeholders are ``{name}``, filled with ``Phrases.text(key, **values)``; one a phrase does not receive is left as
written, so the web page can fill ``{seconds}`` itself. ``tests/test_phrases.py`` holds every file to the English
one: the same keys, the same placeholders.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

FALLBACK = "en"


class _Keep(dict[str, Any]):
    """For ``str.format_map``: a placeholder nobody filled stays ``{name}``."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def fill(template: str, values: Mapping[str, Any]) -> str:
    return template.format_map(_Keep(values))


def plain_word(text: str) -> str:
    """Lowercase, accents and surrounding punctuation gone: "¡Información!" -> "informacion" (keyword matching)."""
    text = unicodedata.normalize("NFKD", text.strip().casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(text.strip(".,;:!?¡¿'\"()[] ").split())


def plain_words(text: str) -> str:
    """Every word of ``text`` as ``plain_word`` makes it, punctuation gone: "Sí, por favor." -> "si por favor"."""
    return " ".join(re.sub(r"[\W_]+", " ", plain_word(text)).split())


@dataclass(frozen=True)
class Phrases:
    """One language's file, read once."""

    language: str
    data: Mapping[str, Any]

    @property
    def reviewed(self) -> bool:
        return bool(self.data.get("reviewed"))

    @property
    def name(self) -> str:
        """The language in its own words ("Español"), for a language switch."""
        return str(self.data["name"])

    @property
    def code(self) -> str:
        """The short label on a language switch ("ES")."""
        return str(self.data["code"])

    def section(self, name: str) -> Mapping[str, Any]:
        value = self.data[name]
        assert isinstance(value, Mapping), name
        return value

    def text(self, key: str, **values: Any) -> str:
        """``key`` is ``section.name`` ("voice.goodbye"); ``values`` fill its placeholders."""
        section, _, name = key.partition(".")
        return fill(str(self.section(section)[name]), values)

    def words(self, key: str) -> list[str]:
        """A list of words ("voice.yes_words", "sms.keywords.stop"), each as ``plain_word`` makes it."""
        value: Any = self.data
        for part in key.split("."):
            value = value[part]
        return [plain_word(word) for word in value]

    def listing(self, items: list[str], last: str = "and") -> str:
        """'how Botox works, medical uses, and safety': items as words in a sentence (first letters lowered).

        ``last`` is "and" or "or", in this language; Spanish drops the serial comma and says "e" and "u" before
        an i or an o sound ("seguridad e información", "siete u ocho").
        """
        rules = self.section("list")
        words = [t[:1].lower() + t[1:] for t in items]
        if not words:
            return ""
        joiner = str(rules[last])
        if self.language == "es":
            joiner = _spanish_joiner(joiner, words[-1])
        if len(words) == 1:
            return words[0]
        if len(words) == 2 or not rules["serial_comma"]:
            return f"{', '.join(words[:-1])} {joiner} {words[-1]}"
        return f"{', '.join(words[:-1])}, {joiner} {words[-1]}"


def _spanish_joiner(joiner: str, following: str) -> str:
    sound = plain_word(following)
    if joiner == "y" and sound.startswith(("i", "hi")) and not sound.startswith(("hia", "hie", "hio", "hiu")):
        return "e"
    if joiner == "o" and sound.startswith(("o", "ho")):
        return "u"
    return joiner


@cache
def available() -> tuple[str, ...]:
    """The languages with a phrases file, English first."""
    folder = resources.files(__name__)
    codes = sorted(p.name.removesuffix(".json") for p in folder.iterdir() if p.name.endswith(".json"))
    return (FALLBACK, *(c for c in codes if c != FALLBACK))


def phrases(language: str | None) -> Phrases:
    """The file for ``language``; English for a language without one (or None)."""
    return _load(language if language in available() else FALLBACK)


@cache
def _load(code: str) -> Phrases:
    raw = resources.files(__name__).joinpath(f"{code}.json").read_text(encoding="utf-8")
    return Phrases(code, json.loads(raw))
