"""The triage screen: one message (and the sender's short memory) in, one ``Triage`` out.

Order of reasoning, each step in its own module:
1. normalise: clean, tokenise, correct typos of symptom words (never a real word into a symptom word);
2. concepts: find every body function that is described as not working, with its position;
3. context: for each finding, is it denied, a general question, resolved history, an indication, or now;
4. combine: the level of what is happening now (the highest wins; combinations escalate), plus memory;
5. crisis: self-harm and suicidal thoughts, with the same context rules;
6. memory: what to remember for the next message (derived facts, no text).

Memory rules (all within 30 minutes, same sender):
- an ambiguous question ("is it normal to see double?") after an injection was mentioned is a report;
- an ambiguous mention followed by a confirmation ("yes, since this morning") is a report;
- symptoms reported in separate messages combine ("face droops" ... "and my arm is weak" -> FAST);
- after a red flag, a follow-up that asks what to do ("should I wait till Monday?") gets the same alarm;
- a symptom asked about, then "it went away" in the next message, is resolved history (a preface).
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from botox_bot.core.triage import concepts, context, crisis, lexicon_en, lexicon_es
from botox_bot.core.triage import memory as mem
from botox_bot.core.triage import scene as scenes
from botox_bot.core.triage.concepts import LEVELS, Finding, combine
from botox_bot.core.triage.normalise import normalise
from botox_bot.core.triage.outcome import CALL_NOW, CRISIS, Triage
from botox_bot.core.wordcache import word_cache

_CURRENT = (context.REPORT, context.REPORT_Q)
_PREFACE = (context.GENERAL, context.HYPOTHETICAL, context.HISTORY, context.AMBIGUOUS)
_CONFIRM = concepts.compile_words("|".join(f"(?:{lex.MARKERS['confirm']})" for lex in (lexicon_en, lexicon_es)))
_SHORT_REPLY = 8  # tokens: "yes", "yes right now", "it is, since this morning"
# Cheap test before the context work: could this message mention an injection at all?
_INJECTION_HINT = re.compile(
    r"botox|tox|inject|shot|dysport|xeomin|jeuveau|daxxify|letybo|lip flip|treatment|puse|pusieron|inyect|aplic|toxina"
)
# Concepts that only ever lead to a preface (a general question about red flags), never to an alarm.
_PREFACE_ONLY = {"redflag_topic": CALL_NOW}
_NEVER_PREFACE = {"botulism_talk"}  # talk about botulism in general (a class, canned food) is not a red flag


@dataclass
class _Read:
    """What one message says, once context and memory are applied."""

    current: list[Finding]
    promoted: list[Finding]  # ambiguous mentions that memory turned into reports
    preface: list[Finding]
    labelled: list[tuple[Finding, str]]
    from_memory: list[str]
    consumed: bool


def screen(
    text: str, memory: Mapping[str, Any] | None = None, now: float | None = None
) -> tuple[Triage, dict[str, Any] | None]:
    """Triage one message given this sender's short memory; return the triage and the memory to keep."""
    now = time.time() if now is None else now
    before = mem.recall(memory, now)
    quiet = None if before.signs or before.pending or before.asked else _read_alone(text or "")
    if quiet is not None:
        # the common case, an FAQ question: nothing to triage, only an injection mention to remember
        injection_here, aud_here = quiet
        aud = aud_here or (before.audience[0] if before.audience else "self")
        kept = mem.keep(
            before, now, injection=injection_here, pending=[], signs=[], asked=[], audience=aud_here, consumed=False
        )
        return Triage("none", None, (), aud, "nothing"), kept  # type: ignore[arg-type]

    findings, crises, scene = _parse(text or "")
    injection_here = _mentions_injection(scene)
    read = _read(scene, findings, before, injection_here)
    here = [f.concept for f in read.current]
    recalled = [*[f.concept for f in read.promoted], *read.from_memory]
    remembered = [c for c, _, _ in before.signs] if (here or recalled) else []
    child = scenes.is_child(scene)
    result = combine([*here, *recalled, *remembered], child=child)
    alone = combine(here, child=child)
    aud_here = scenes.audience(scene)
    aud = aud_here or (before.audience[0] if before.audience else "self")
    crisis_now, crisis_general, danger = _crisis(scene, crises, injection_here)

    kept = mem.keep(
        before,
        now,
        injection=injection_here,
        pending=[
            (f.concept, LEVELS[f.concept])
            for f in read.preface
            if _label(read, f) == context.AMBIGUOUS and f.concept in LEVELS and not read.from_memory
        ],
        signs=[(c, LEVELS.get(c, "")) for c in [*here, *recalled]],
        asked=[(f.concept, LEVELS[f.concept]) for f in read.preface if f.concept in LEVELS],
        audience=aud_here,
        consumed=read.consumed,
        question=any(label in (context.GENERAL, context.HYPOTHETICAL) for _, label in read.labelled)
        or any(f.concept in _PREFACE_ONLY for f in read.preface),
    )

    if crisis_now:
        crisis_names = ["crisis", *(["danger"] if danger or result.level == CALL_NOW else [])]
        crisis_names += [c for c in result.concepts if c not in crisis_names]
        return Triage("crisis", CRISIS, tuple(crisis_names), aud, "current"), kept  # type: ignore[arg-type]

    if result.level is not None:
        reason = _alarm_reason(read, alone.level == result.level)
        return Triage(result.level, result.level, result.concepts, aud, reason), kept  # type: ignore[arg-type]

    if not here and not recalled and not read.preface and before.signs and not scene.anywhere("resolution"):
        prior = combine([c for c, _, _ in before.signs], child=child)
        if prior.level is not None and scene.anywhere("follow_up"):
            return Triage(prior.level, prior.level, prior.concepts, aud, "memory"), kept  # type: ignore[arg-type]

    pre = _preface(read)
    if pre is None and not here and scene.anywhere("resolution") and (before.signs or before.asked):
        earlier = combine([c for c, _, _ in [*before.signs, *before.asked]])  # "... >> it went away after a month"
        if earlier.level is not None:
            pre = (earlier.level, earlier.concepts, "resolved history")
    if pre is not None or crisis_general:
        level, found_names, reason = pre if pre is not None else (None, (), "general question")
        names = tuple(found_names)
        if crisis_general and level != CALL_NOW:
            level, names = CRISIS, ("crisis", *names)
        return Triage("preface", level, names, aud, reason, result.same_day), kept  # type: ignore[arg-type]

    return Triage("none", None, (), aud, _why_not(read, result.same_day), result.same_day), kept  # type: ignore[arg-type]


def _mentions_injection(scene: scenes.Scene) -> bool:
    return bool(_INJECTION_HINT.search(scene.text.text)) and scene.anywhere("injection")


_KEPT_CHARS = 300  # longer texts are read again each time: rare, and each would cost memory to keep


@word_cache(1 << 20, max_word_chars=_KEPT_CHARS)  # 1 MB: patients send the same questions again and again
def _read_alone(text: str) -> tuple[bool, str | None] | None:
    """What a text says on its own, when it names no symptom and no crisis: (mentions an injection, who it is
    about); None when it names one, for the full reading. A pure function of the text, so it is kept."""
    findings, crises, scene = _parse(text)  # a text that names a symptom is read once: the full reading keeps it
    if findings or crises:
        return None
    injection = _mentions_injection(scene)
    return injection, scenes.audience(scene) if injection else None


def _parse(text: str) -> tuple[list[Finding], list[crisis.CrisisFinding], scenes.Scene]:
    """The symptoms, crises and context markers of a text: a pure function of the text, kept for the last few
    hundred texts that named a symptom (a scene fills in its marker spans as it is read, the same every time)."""
    return _parse_now(text) if len(text) > _KEPT_CHARS else _parse_kept(text)


def _parse_now(text: str) -> tuple[list[Finding], list[crisis.CrisisFinding], scenes.Scene]:
    norm = normalise(text)
    return concepts.find(norm), crisis.find(norm), scenes.Scene(norm)


_parse_kept = lru_cache(maxsize=256)(_parse_now)


def _read(scene: scenes.Scene, findings: list[Finding], before: mem.Recall, injection_here: bool) -> _Read:
    labelled = [(f, context.classify(scene, f, injection=injection_here)) for f in findings]
    if before.question is not None and context.continues_earlier_question(scene):
        # "what are the signs botox spread?" ... "like trouble breathing?": still the general question
        first = scene.sentences[0][1] if scene.sentences else 0
        labelled = [(f, context.GENERAL if label in _CURRENT and f.start < first else label) for f, label in labelled]
    current = [
        f
        for f, label in labelled
        if label in _CURRENT and f.concept not in _NEVER_PREFACE and f.concept not in _PREFACE_ONLY
    ]
    preface = [
        f
        for f, label in labelled
        if (label in _PREFACE or f.concept in _PREFACE_ONLY)
        and f.concept not in _NEVER_PREFACE
        and label != context.NEGATED
    ]
    from_memory: list[str] = []
    ambiguous = [f for f, label in labelled if label == context.AMBIGUOUS]
    promoted: list[Finding] = []
    if ambiguous and before.injection is not None:  # "had botox tuesday" ... "is it normal to see double?"
        promoted = ambiguous
        preface = [f for f in preface if f not in ambiguous]
    consumed = False
    if before.pending and _confirms(scene, injection_here):  # "is it normal to see double?" ... "yes, right now"
        from_memory += [c for c, _, _ in before.pending]
        consumed = True
    return _Read(current, promoted, preface, labelled, from_memory, consumed)


def _label(read: _Read, f: Finding) -> str:
    return next(label for g, label in read.labelled if g is f)


def _confirms(scene: scenes.Scene, injection_here: bool) -> bool:
    """Does this message say an earlier, ambiguous mention is happening now?"""
    if injection_here or scene.anywhere("referback"):
        return True
    short = len([t for t in scene.text.tokens if t not in scenes.PUNCT]) <= _SHORT_REPLY
    return short and (bool(_CONFIRM.search(scene.text.text)) or scene.anywhere("current"))


def _crisis(scene: scenes.Scene, crises: list[crisis.CrisisFinding], injection_here: bool) -> tuple[bool, bool, bool]:
    now = general = danger = False
    for item in crises:
        label = context.classify(scene, item.finding, injection=injection_here)
        if label in _CURRENT:
            now = True
            danger = danger or item.danger
        elif label in _PREFACE:
            general = True
    return now, general, danger


def _alarm_reason(read: _Read, from_this_message: bool) -> str:
    if not from_this_message:
        return "memory"
    labels = {label for f, label in read.labelled if f in read.current and f.level is not None}
    return "question-form report" if labels == {context.REPORT_Q} else "current"


def _preface(read: _Read) -> tuple[str, tuple[str, ...], str] | None:
    if not read.preface:
        return None
    found = [f.concept for f in read.preface]
    result = combine(found)
    level = result.level
    names = result.concepts
    for c in found:
        if c in _PREFACE_ONLY and level is None:
            level, names = _PREFACE_ONLY[c], ()
    if level is None:
        return None
    labels = {_label(read, f) for f in read.preface}
    reason = "resolved history" if labels == {context.HISTORY} else "general question"
    return level, names, reason


def _why_not(read: _Read, same_day: str | None) -> str:
    if same_day:
        return "same day"
    with_level = [label for f, label in read.labelled if f.level is not None]
    for label, reason in ((context.INDICATION, "indication"), (context.NEGATED, "negated")):
        if label in with_level:
            return reason
    return "nothing"
