"""Keyword slots: which condition, area or topic a message names (the ``use`` and ``topic`` slots).

We chose keyword slots over a trained entity extractor: the vocabulary is small and closed (conditions,
areas, brands), clinics can extend it by editing ``intents/keywords.yml``, and a keyword list is easy to
review. One compiled regular expression per slot finds whole words and phrases in a single pass.
"""

from __future__ import annotations

import re

from botox_bot.core.text import clean


class SlotFiller:
    def __init__(self, keywords: dict[str, dict[str, list[str]]]):
        self._value_of: dict[str, dict[str, str]] = {}
        self._patterns: dict[str, re.Pattern[str]] = {}
        for slot, values in keywords.items():
            lookup = {clean(word): value for value, words in values.items() for word in words}
            lookup = {k: v for k, v in lookup.items() if k}
            self._value_of[slot] = lookup
            alternatives = sorted(lookup, key=len, reverse=True)  # longest phrase wins
            body = "|".join(re.escape(a).replace(r"\ ", r"\s+") for a in alternatives)
            self._patterns[slot] = re.compile(rf"(?<![a-z0-9])(?:{body})(?![a-z0-9])")

    def fill(self, text: str) -> dict[str, str]:
        """The first value found for each slot, in the order the message names them."""
        cleaned = clean(text)
        found: dict[str, str] = {}
        for slot, pattern in self._patterns.items():
            match = pattern.search(cleaned)
            if match:
                found[slot] = self._value_of[slot][re.sub(r"\s+", " ", match.group(0))]
        return found
