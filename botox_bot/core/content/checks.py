"""Checks that need the whole content at once: links between intents and responses, languages that mirror
each other, and the safety texts that must never lose their action line.

Each check appends 'file:line: what is wrong' strings; ``load_content`` reports them all together.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from botox_bot.core.content.model import BUILT_IN_SLOTS, CORE_RESPONSES, Content, topic_of
from botox_bot.core.content.schema import UNSET_DEFAULTS, Variation, placeholders
from botox_bot.core.models import REQUIRED_INTENTS
from botox_bot.core.text import clean, for_model

Where = dict[tuple[str, str, str], str]

_MUST_NAME_NUMBER_FIRST = ("utter_emergency",)
_MUST_NAME_NUMBER = ("utter_emergency_end", "utter_preface", "utter_safety_net", "utter_crisis")
_MUST_NAME_CRISIS_LINE = ("utter_crisis",)
_SOURCED_CORE = frozenset({"utter_emergency", "utter_crisis"})


def check_all(content: Content, where: Where, channels: frozenset[str] | None, problems: list[str]) -> None:
    _check_examples(content, problems)
    _check_keywords(content, problems)
    _check_domain(content, problems)
    for lang in content.languages:
        _check_links(content, lang, where, channels, problems)
        _check_safety_texts(content, lang, where, problems)
    _check_languages(content, where, problems)


def _check_examples(content: Content, problems: list[str]) -> None:
    seen: dict[str, tuple[str, str, str]] = {}  # what the classifier sees -> (label, where, text)
    for label, items in sorted(content.examples.items()):
        if not items:
            problems.append(f"intent {label} has no examples")
        for ex in items:
            key = for_model(ex.text)  # case, punctuation and brand do not count
            if key not in seen:
                seen[key] = (label, ex.where, ex.text)
                continue
            other_label, other_where, other_text = seen[key]
            if other_label != label:
                problems.append(
                    f"{ex.where}: example {ex.text!r} is listed under {label} and under {other_label} "
                    f"({other_where}); keep it under one intent"
                )
            elif clean(ex.text) == clean(other_text):  # brand-only variants are deliberate
                content.warnings.append(f"{ex.where}: example {ex.text!r} repeats {other_where}")
    topics = {topic_of(label) for label in content.examples}
    for intent in REQUIRED_INTENTS:
        if intent not in topics:
            problems.append(f"intents: the required intent {intent} is missing")


def _check_keywords(content: Content, problems: list[str]) -> None:
    for slot, values in content.keywords.items():
        if slot in BUILT_IN_SLOTS:
            problems.append(f"intents: slot {slot} is set by the core itself; keywords cannot fill it")
        seen: dict[str, str] = {}
        for value, words in values.items():
            for word in words:
                key = clean(word)
                if key in seen and seen[key] != value:
                    problems.append(f"intents: keyword {word!r} fills slot {slot} with both {seen[key]} and {value}")
                seen[key] = value


def _check_domain(content: Content, problems: list[str]) -> None:
    topics = {topic_of(label) for label in content.examples}
    for topic in content.topics:
        if topic not in topics:
            problems.append(f"{content.root / 'domain.yml'}: topic {topic} has no intent with examples")
    for topic in content.logistics:
        if topic not in content.topics:
            problems.append(f"{content.root / 'domain.yml'}: logistics names {topic}, which is not a topic")


def _check_links(
    content: Content, lang: str, where: Where, channels: frozenset[str] | None, problems: list[str]
) -> None:
    responses = content.responses.get(lang, {})
    folder = content.root / "responses" / lang
    needed = set(content.examples) | {topic_of(label) for label in content.examples}
    for name in sorted(needed):
        if f"utter_{name}" not in responses:
            at = where.get(("intent", lang, name)) or where.get(("intent", content.source_language, name)) or folder
            problems.append(f"{at}: intent {name} has no response utter_{name} in {lang}")
    for name in sorted(CORE_RESPONSES - responses.keys()):
        problems.append(f"{folder}: the required response {name} is missing")
    for code in sorted(set(content.languages) - content.language_names.get(lang, {}).keys()):
        problems.append(f"{folder}: language_names: say how {lang} names the language {code!r}")
    for name in sorted(UNSET_DEFAULTS - content.defaults.get(lang, {}).keys()):
        problems.append(
            f"{folder}: defaults: say what {{{name}}} reads when the clinic has not set it "
            "(e.g. 'your local emergency number')"
        )
    slot_values = {slot: set(values) for slot, values in content.keywords.items()}
    slot_values.update({slot: set(values) for slot, values in BUILT_IN_SLOTS.items()})
    for name, variations in responses.items():
        at = where[("response", lang, name)]
        intent = name.removeprefix("utter_")
        if name not in CORE_RESPONSES and intent not in needed:
            problems.append(f"{at}: response {name} matches no intent (is the name misspelt?)")
        if variations and all(v.condition or v.channel for v in variations):
            problems.append(f"{at}: {name} needs one variation without condition or channel, as a fallback")
        sourced = name in _SOURCED_CORE or (
            intent in needed and topic_of(intent) in content.topics and topic_of(intent) not in content.logistics
        )
        for n, var in enumerate(variations, 1):
            _check_variation(name, n, var, at, sourced, slot_values, channels, problems)
    for intent, _title in content.titles.get(lang, {}).items():
        if intent not in needed:
            problems.append(f"{where[('title', lang, intent)]}: title given for unknown intent {intent!r}")


def _check_variation(
    name: str,
    n: int,
    var: Variation,
    at: str,
    sourced: bool,
    slot_values: dict[str, set[str]],
    channels: frozenset[str] | None,
    problems: list[str],
) -> None:
    if sourced and not var.sources:
        problems.append(f"{at}: {name} variation {n} states facts but lists no sources")
    if var.channel is not None and channels is not None and var.channel not in channels:
        problems.append(
            f"{at}: {name} variation {n}: unknown channel {var.channel!r}; use one of: " + ", ".join(sorted(channels))
        )
    for cond in var.condition:
        if cond.name not in slot_values:
            problems.append(f"{at}: {name} variation {n}: unknown slot {cond.name!r}")
        elif cond.value not in slot_values[cond.name]:
            problems.append(
                f"{at}: {name} variation {n}: slot {cond.name} has no value {cond.value!r} "
                f"(known: {', '.join(sorted(slot_values[cond.name]))})"
            )


def _check_safety_texts(content: Content, lang: str, where: Where, problems: list[str]) -> None:
    """An editor must not be able to turn the emergency answer into 'no need to worry'."""
    responses = content.responses.get(lang, {})
    for name in _MUST_NAME_NUMBER_FIRST + _MUST_NAME_NUMBER:
        first_only = name in _MUST_NAME_NUMBER_FIRST
        for n, var in enumerate(responses.get(name, []), 1):
            text = var.text.strip().split("\n", 1)[0] if first_only else var.text
            if "{emergency_number}" not in text:
                part = "its first line" if first_only else "it"
                problems.append(
                    f"{where[('response', lang, name)]}: {name} variation {n}: {part} must tell the person to call "
                    "{emergency_number} (the action comes first; without it the answer cannot save a life)"
                )
    for name in _MUST_NAME_CRISIS_LINE:
        for n, var in enumerate(responses.get(name, []), 1):
            if "{crisis_line}" not in var.text:
                problems.append(f"{where[('response', lang, name)]}: {name} variation {n} must give {{crisis_line}}")


def _check_languages(content: Content, where: Where, problems: list[str]) -> None:
    """Every language has every intent, response, variation key and placeholder the source language has."""
    source = content.source_language
    by_lang: dict[str, set[str]] = defaultdict(set)
    for label, items in content.examples.items():
        for ex in items:
            by_lang[ex.language].add(label)
    for lang in content.languages[1:]:
        for label in sorted(by_lang[source] - by_lang[lang]):
            problems.append(
                f"{content.root / 'intents' / lang}: intent {label} has no examples in {lang} "
                f"(it has in {source}: {where.get(('intent', source, label), '?')})"
            )
        for label in sorted(by_lang[lang] - by_lang[source]):
            problems.append(f"{where.get(('intent', lang, label), lang)}: intent {label} has no examples in {source}")
        _mirror_responses(content, source, lang, where, problems)


def _mirror_responses(content: Content, source: str, lang: str, where: Where, problems: list[str]) -> None:
    src, mine = content.responses.get(source, {}), content.responses.get(lang, {})
    for name in sorted(src.keys() - mine.keys()):
        problems.append(
            f"{content.root / 'responses' / lang}: response {name} is missing in {lang} "
            f"(it is in {source}: {where[('response', source, name)]})"
        )
    for name in sorted(mine.keys() - src.keys()):
        problems.append(f"{where[('response', lang, name)]}: response {name} is not in {source}")
    for name in sorted(src.keys() & mine.keys()):
        at = where[("response", lang, name)]
        theirs, ours = _keyed(src[name]), _keyed(mine[name])
        for key in sorted(theirs.keys() - ours.keys(), key=repr):
            problems.append(f"{at}: {name} has no {lang} variation for {_describe(key)} (the {source} one has)")
        for key in sorted(ours.keys() - theirs.keys(), key=repr):
            problems.append(f"{at}: {name} has a {lang} variation for {_describe(key)} that {source} has not")
        for key in sorted(theirs.keys() & ours.keys(), key=repr):
            if theirs[key] != ours[key]:
                problems.append(
                    f"{at}: {name} ({_describe(key)}) uses placeholders {sorted(ours[key])} in {lang} but "
                    f"{sorted(theirs[key])} in {source}"
                )
        for n, var in enumerate(mine[name], 1):
            if var.reviewed is None:
                problems.append(
                    f"{at}: {name} variation {n}: say whether a qualified translator has reviewed it "
                    "(reviewed: false until one has)"
                )


def _keyed(variations: list[Variation]) -> dict[tuple[Any, ...], set[str]]:
    out: dict[tuple[Any, ...], set[str]] = defaultdict(set)
    for var in variations:
        out[var.key] |= placeholders(var.text)
    return out


def _describe(key: tuple[Any, ...]) -> str:
    conditions, channel = key
    parts = [f"{name}={value}" for name, value in conditions] + ([f"channel {channel}"] if channel else [])
    return ", ".join(parts) or "no condition"
