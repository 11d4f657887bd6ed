"""Compile the lexicons' concept rules once, and find every concept a normalised message mentions.

A *finding* is one concept at one place in the message, before anything is known about its context (negated,
general question, history ...): that is context.py's job. The levels below are the reviewed routing of the fact
sheet's section 9; helpers have no level of their own and only count in combinations (see ``combine``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from botox_bot.core.triage import lexicon_en, lexicon_es, prefilter
from botox_bot.core.triage.normalise import Text
from botox_bot.core.triage.outcome import CALL_NOW, URGENT, higher

# Base level of each concept. Concepts missing here are helpers.
LEVELS: dict[str, str] = {
    "breathing": CALL_NOW,
    "swallowing": CALL_NOW,
    "swelling": CALL_NOW,
    "faint": CALL_NOW,
    "whole_body": CALL_NOW,
    "speech": URGENT,
    "vision": URGENT,
    "head_control": CALL_NOW,
    "neck": URGENT,
    "weakness": URGENT,
    "bladder": URGENT,
    "face_droop": URGENT,
    "headache": URGENT,
    "botulism": URGENT,
    "hives": URGENT,
}
# What a concept is called outside this package (whole-body weakness is weakness, at a higher level).
PUBLIC_NAME = {"whole_body": "weakness", "arm": "weakness", "smile": "face_droop", "neck": "head_control"}
SAME_DAY = {"eyelids": "droop", "bladder_emptying": "bladder_emptying", "overdose": "overdose"}

_STOP = r"(?!(?:but|pero|though|although|except|however|aunque) )"
_GAPS = {f"g{n}": rf"(?:{_STOP}[a-z0-9]+ ){{0,{n}}}" for n in range(1, 9)}
_PLACEHOLDER = re.compile(r"<(\w+)>")


def _families() -> dict[str, str]:
    merged: dict[str, str] = dict(_GAPS)
    for name in set(lexicon_en.FAMILIES) | set(lexicon_es.FAMILIES):
        parts = [lex.FAMILIES[name] for lex in (lexicon_en, lexicon_es) if name in lex.FAMILIES]
        merged[name] = "|".join(parts)
    return merged


FAMILIES = _families()


def expand(pattern: str) -> str:
    """Replace ``<family>`` placeholders (recursively, families may use gaps)."""
    for _ in range(3):
        pattern = _PLACEHOLDER.sub(lambda m: FAMILIES[m.group(1)], pattern)
    if _PLACEHOLDER.search(pattern):
        raise ValueError(f"unknown placeholder in {pattern[:80]!r}")
    return pattern


def compile_words(pattern: str) -> re.Pattern[str]:
    """A rule that only matches whole tokens."""
    return re.compile(_words_source(pattern))


def _words_source(pattern: str) -> str:
    return rf"(?<![a-z0-9])(?:{expand(pattern)})(?![a-z0-9])"


# One compiled regex per lexicon rule, keyed "concept#n": the prefilter skips every rule that cannot match.
RULE_SOURCES: list[tuple[str, str]] = [
    (f"{concept}#{n}", _words_source(rule)) for n, (concept, rule) in enumerate([*lexicon_en.RULES, *lexicon_es.RULES])
]


class Rule:
    """A rule's or marker's regex, compiled when first needed: compiling all of them took 90 ms of a one-question
    command's start-up, and the prefilter lets most messages need a handful. A server compiles them all as it
    starts (``compile_all``), so no patient's message waits for it."""

    __slots__ = ("pattern", "_compiled")

    def __init__(self, pattern: str):
        self.pattern = pattern
        self._compiled: re.Pattern[str] | None = None

    def compiled(self) -> re.Pattern[str]:
        if self._compiled is None:
            self._compiled = re.compile(self.pattern)
        return self._compiled

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        return self.compiled().finditer(text)

    def search(self, text: str) -> re.Match[str] | None:
        return self.compiled().search(text)

    def match(self, text: str) -> re.Match[str] | None:
        return self.compiled().match(text)

    def fullmatch(self, text: str) -> re.Match[str] | None:
        return self.compiled().fullmatch(text)


RULES = tuple((key, key.split("#")[0], Rule(source)) for key, source in RULE_SOURCES)
_LAZY: list[Rule] = [rule for _, _, rule in RULES]


def lazy_words(pattern: str) -> Rule:
    """``compile_words``, compiled when first needed (and by ``compile_all``)."""
    rule = Rule(_words_source(pattern))
    _LAZY.append(rule)
    return rule


def compile_all() -> None:
    """Every rule and marker of the screen, compiled now (a server, before its first message)."""
    for rule in _LAZY:
        rule.compiled()


PREFILTER = prefilter.Prefilter(prefilter.load("rules", RULE_SOURCES))
IDIOMS = compile_words("|".join(f"(?:{p})" for p in [*lexicon_en.IDIOMS, *lexicon_es.IDIOMS]))
OK_STATUS = compile_words(f"(?:{lexicon_en.MARKERS['ok_status']})|(?:{lexicon_es.MARKERS['ok_status']})")
# Swelling at the injection site is routine, but lips, tongue, throat and mouth are never "local".
_NEVER_LOCAL = re.compile(r"lip|tongue|throat|mouth|labio|lengua|garganta|boca")


@dataclass(frozen=True)
class Finding:
    concept: str
    start: int  # first token
    end: int  # one past the last token

    @property
    def level(self) -> str | None:
        return LEVELS.get(self.concept)


def find(text: Text) -> list[Finding]:
    """Every concept the message mentions, with token positions, minus idioms and "X is fine" statements."""
    s = text.text
    if not s:
        return []
    active = PREFILTER.active(text.tokens)
    matches = [(concept, m) for key, concept, pattern in RULES if key in active for m in pattern.finditer(s)]
    if not matches:
        return []
    masks = [(m.start(), m.end()) for m in IDIOMS.finditer(s)]
    oks = [(m.start(), m.end()) for m in OK_STATUS.finditer(s)]
    found: list[Finding] = []
    for concept, m in matches:
        a, b = m.start(), m.end()
        if any(a < y and x < b for x, y in oks):
            continue
        if any(a < y and x < b for x, y in masks):
            if concept != "swelling" or not _NEVER_LOCAL.search(m.group(0)):
                continue
        found.append(Finding(concept, text.token_at(a), text.token_at(b - 1) + 1))
    found.sort(key=lambda f: (f.start, f.concept))
    return found


@dataclass(frozen=True)
class Combined:
    level: str | None
    concepts: tuple[str, ...]
    same_day: str | None


def combine(concepts: list[str], child: bool = False) -> Combined:
    """The level of a set of concepts reported together: the highest wins, and combinations escalate."""
    have = set(concepts)
    level: str | None = None
    for c in concepts:
        level = higher(level, LEVELS.get(c))
    extra: list[str] = []
    weak = have & {"weakness", "whole_body", "arm", "neck"}
    if (have & {"hives", "itch"}) and (have & {"dizzy", "faint", "breathing", "swelling", "heart"}):
        extra.append("anaphylaxis")  # hives or itch with faintness, dizziness or wheeze
    if (have & {"face_droop", "smile"}) and (have & {"arm", "speech"}):
        extra.append("face_droop")  # FAST
    neuro_signs = {
        "vision",
        "speech",
        "weakness",
        "whole_body",
        "face_droop",
        "arm",
        "neuro",
        "eyelids",
        "neck",
        "faint",
    }
    if "headache_word" in have and "worst" in have and "headache" not in have:
        have.add("headache")  # "this headache is way worse than my migraines, worst ever"
        concepts = [*concepts, "headache"]
        level = higher(level, LEVELS["headache"])
    if "headache" in have and have & neuro_signs:
        extra.append("headache")
    if weak and "progressing" in have:
        extra.append("weakness")  # weakness getting worse by the hour is spreading weakness
    if child and have & {"weakness", "whole_body", "head_control", "neck", "feeding", "faint", "arm"}:
        extra.append("child")
    if extra:
        level = CALL_NOW
    if "eyelids" in have and level is not None:
        extra.append("eyelids")  # drooping eyelids together with another sign
    names: list[str] = []
    for c in [*extra, *concepts]:
        if c in LEVELS or c in extra or (c in ("arm", "smile") and "face_droop" in extra):
            name = PUBLIC_NAME.get(c, c)
            if name not in names:
                names.append(name)
    same_day = None
    if level is None:
        same_day = next((SAME_DAY[c] for c in concepts if c in SAME_DAY), None)
    return Combined(level, tuple(names), same_day)
