"""Validated content as the engine uses it: examples, keyword slots, responses and titles, per language."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from botox_bot.core.content.schema import Variation

CORE_RESPONSES = frozenset(
    {
        "utter_consult",
        "utter_choose",
        "utter_emergency",
        "utter_emergency_end",
        "utter_crisis",
        "utter_crisis_end",
        "utter_preface",
        "utter_safety_net",
        "utter_brand_note",
        "utter_ask_clinic",
        "utter_language_unsupported",
    }
)
"""Responses the core composes replies from; they belong to no intent."""

BUILT_IN_SLOTS: dict[str, frozenset[str]] = {
    "urgency": frozenset({"call_now", "urgent", "crisis"}),
    "audience": frozenset({"self", "other", "staff"}),
}
"""Slots the core sets itself (the triage screen, the channel); content may condition on them."""


def topic_of(label: str) -> str:
    """``safety/pregnancy`` -> ``safety``; a plain intent is its own topic."""
    return label.split("/", 1)[0]


@dataclass
class Example:
    text: str
    where: str
    language: str


@dataclass
class Content:
    """Everything under a content folder, checked together; see docs/content-format.md."""

    root: Path
    languages: list[str]
    topics: list[str]
    examples: dict[str, list[Example]]
    """Training examples by label: a plain intent (``greet``) or a retrieval intent (``safety/pregnancy``)."""
    keywords: dict[str, dict[str, list[str]]]
    """Keyword slots, every language together: slot -> value -> words."""
    responses: dict[str, dict[str, list[Variation]]]
    """language -> response name -> variations."""
    titles: dict[str, dict[str, str]]
    """language -> intent or retrieval intent -> short title."""
    digest: str
    defaults: dict[str, dict[str, str]] = field(default_factory=dict)
    """language -> placeholder -> what it says when the clinic has not set it."""
    language_names: dict[str, dict[str, str]] = field(default_factory=dict)
    """language -> language code -> its name in that language (es: {en: inglés, es: español})."""
    logistics: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def source_language(self) -> str:
        """The language every other language mirrors (the first in domain.yml)."""
        return self.languages[0]

    @property
    def labels(self) -> list[str]:
        return sorted(self.examples)

    def answers_under(self, topic: str) -> list[str]:
        """The retrieval intents (specific answers) under a topic, e.g. safety -> [safety/allergy, ...]."""
        return sorted(label for label in self.examples if label.startswith(f"{topic}/"))

    def title(self, intent: str, language: str = "en") -> str:
        """The short title people see for an intent (choice buttons, help lists, staff escalations)."""
        for lang in (language, self.source_language):
            title = self.titles.get(lang, {}).get(intent)
            if title:
                return title
        return intent.rsplit("/", 1)[-1].replace("_", " ").capitalize()

    def training_data(self, language: str | None = None) -> tuple[list[str], list[str]]:
        """Texts and their labels, in one language or all of them."""
        texts, labels = [], []
        for label, examples in sorted(self.examples.items()):
            for ex in examples:
                if language is None or ex.language == language:
                    texts.append(ex.text)
                    labels.append(label)
        return texts, labels

    def language_list(self, codes: list[str], language: str) -> str:
        """'English / Spanish' or 'inglés / español': the served languages, named in ``language``."""
        return " / ".join(self.language_names.get(language, {}).get(code, code) for code in codes)

    def has_response(self, name: str, language: str | None = None) -> bool:
        return name in self.responses.get(language or self.source_language, {})

    def unreviewed(self) -> list[tuple[str, str, int]]:
        """(language, response, variation number) of every translation no qualified translator has reviewed."""
        out = []
        for lang in self.languages[1:]:
            for name, variations in sorted(self.responses.get(lang, {}).items()):
                out += [(lang, name, n) for n, v in enumerate(variations, 1) if not v.reviewed]
        return out
