"""The shape of each content file, as pydantic models: what ``botox-bot check`` refuses with a file and line.

These models check one file at a time. What only a view of the whole content can tell (an intent without a
response, a language missing a reply, an emergency text that lost its number) is in ``checks.py``.
"""

from __future__ import annotations

import re
import string
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Tag, field_validator

PLACEHOLDERS = frozenset(
    {"clinic_name", "clinic_phone", "booking_link", "emergency_number", "crisis_line", "served_languages"}
)
"""The clinic's details a reply may name; each is filled from the settings (or left out with its line)."""

_INTENT_NAME = re.compile(r"[a-z][a-z0-9_]*(?:/[a-z][a-z0-9_]*)?")
_LANGUAGE = re.compile(r"[a-z]{2,3}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


class _RasaFile(_Strict):
    version: str

    @field_validator("version")
    @classmethod
    def _rasa_3(cls, value: str) -> str:
        if not re.fullmatch(r"3\.\d+", value):
            raise ValueError('version must be a Rasa 3 format version such as "3.1" (in quotes)')
        return value


def _intent_name(value: str) -> str:
    if not _INTENT_NAME.fullmatch(value):
        raise ValueError(
            f"{value!r} is not an intent name: lowercase words joined by '_', and at most one '/' between "
            "a topic and its specific answer (safety/pregnancy)"
        )
    return value


class IntentBlock(_Strict):
    intent: str
    examples: str

    @field_validator("intent")
    @classmethod
    def _name(cls, value: str) -> str:
        return _intent_name(value)


class SynonymBlock(_Strict):
    synonym: str
    slot: str
    examples: str


def _nlu_kind(item: Any) -> str | None:
    if isinstance(item, dict):
        for key in ("intent", "synonym"):
            if key in item:
                return key
    return None


NluItem = Annotated[
    Annotated[IntentBlock, Tag("intent")] | Annotated[SynonymBlock, Tag("synonym")],
    Discriminator(
        _nlu_kind,
        custom_error_type="nlu_item",
        custom_error_message="each nlu item needs an 'intent:' or a 'synonym:' key",
    ),
]


class NluFile(_RasaFile):
    nlu: list[NluItem] = []


class Condition(_Strict):
    type: Literal["slot"]
    name: str
    value: str


def placeholders(text: str) -> set[str]:
    """The ``{names}`` a template uses; raises ``ValueError`` for broken braces."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


class Variation(_Strict):
    text: str
    sources: list[str] = []
    condition: list[Condition] = []
    channel: str | None = None
    all_brands: bool = False
    """True when the text holds for every botulinum toxin product (no brand note is added)."""
    reviewed: bool | None = None
    """Translations only: whether a qualified translator has reviewed this text."""

    @field_validator("text")
    @classmethod
    def _placeholders(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("text is empty")
        try:
            names = placeholders(value)
        except ValueError as exc:
            raise ValueError(f"broken placeholder braces ({exc}); write {{name}} or {{{{ for a brace") from None
        unknown = sorted(names - PLACEHOLDERS)
        if unknown:
            raise ValueError(
                f"unknown placeholder {{{unknown[0]}}}; use one of: "
                + ", ".join(f"{{{p}}}" for p in sorted(PLACEHOLDERS))
            )
        return value

    @field_validator("sources")
    @classmethod
    def _urls(cls, value: list[str]) -> list[str]:
        for src in value:
            if not re.match(r"https?://\S+$", src):
                raise ValueError(f"source {src!r} is not an http(s) address")
        return value

    @property
    def key(self) -> tuple[tuple[tuple[str, str], ...], str | None]:
        """What makes a variation fit a message: its conditions and channel (mirrored in every language)."""
        return tuple(sorted((c.name, c.value) for c in self.condition)), self.channel


UNSET_DEFAULTS = frozenset({"clinic_name", "emergency_number", "crisis_line"})
"""Placeholders that are never left out: when the clinic has not set them, a sentence in the reply's language
stands in ("your local emergency number"), so no emergency line ever disappears."""


class ResponsesFile(_RasaFile):
    responses: dict[str, list[Variation]] = {}
    titles: dict[str, str] = {}
    defaults: dict[str, str] = {}
    language_names: dict[str, str] = {}
    """How this language names each language ({served_languages} in utter_language_unsupported)."""

    @field_validator("defaults")
    @classmethod
    def _known_defaults(cls, value: dict[str, str]) -> dict[str, str]:
        for name, text in value.items():
            if name not in UNSET_DEFAULTS:
                raise ValueError(f"defaults: {name!r} has no default; only {', '.join(sorted(UNSET_DEFAULTS))}")
            if not text.strip() or "{" in text:
                raise ValueError(f"defaults: {name} must be plain text, such as 'your local emergency number'")
        return value


class DomainFile(_RasaFile):
    languages: list[str]
    topics: list[str] = []
    logistics: list[str] = []
    """Topics about the clinic's own logistics (prices, booking), not medical facts: no sources needed."""

    @field_validator("languages")
    @classmethod
    def _codes(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("name at least one language, e.g. [en]")
        for code in value:
            if not _LANGUAGE.fullmatch(code):
                raise ValueError(f"{code!r} is not a language code such as en or es")
        if len(set(value)) != len(value):
            raise ValueError("a language is listed twice")
        return value

    @field_validator("topics", "logistics")
    @classmethod
    def _topic_names(cls, value: list[str]) -> list[str]:
        for name in value:
            if "/" in name:
                raise ValueError(f"{name!r}: a topic is a plain intent name, without '/'")
            _intent_name(name)
        return value
