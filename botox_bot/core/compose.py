"""Turning what the engine decided into the reply a person reads, in their language.

The order of a reply is part of the safety argument:
- an emergency or crisis answer is the action first and ends with its own provider line (no booking link, no
  "not medical advice" diluting the instruction);
- any other answer is: a preface when a red-flag symptom was mentioned in a general question or in past history,
  the specific answer(s), a note when the person named another brand than the answer is about, the one-line
  safety net (unless the answer already says when to call the emergency number), then the consult prompt.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from botox_bot.core.content import Content
from botox_bot.core.models import Audience, Choice, IntentScore, Reply, Urgency
from botox_bot.core.templates import Rendered, Templates

_ALARM_INTENT = {"call_now": "emergency", "urgent": "emergency", "crisis": "crisis"}
_HIDDEN_SLOTS = frozenset({"urgency", "audience"})


@dataclass
class Decision:
    """Everything that decides the reply's wording."""

    intent: str
    confidence: float
    answer_keys: list[str]
    slots: dict[str, str]
    language: str
    channel: str
    audience: Audience = "self"
    urgency: Urgency | None = None
    """call_now / urgent / crisis for alarms; None otherwise."""
    preface: str | None = None
    """call_now / urgent: a red-flag symptom was mentioned, not reported as happening now."""
    choices: list[str] = field(default_factory=list)
    ranking: list[tuple[str, float]] = field(default_factory=list)


class Composer:
    def __init__(self, content: Content, templates: Templates):
        self.content = content
        self.templates = templates

    def reply(self, d: Decision) -> Reply:
        if d.intent in ("emergency", "crisis"):
            return self._alarm(d)
        if d.choices:
            return self._choose(d)
        return self._answer(d)

    # -- alarms ---------------------------------------------------------------------------------------
    def _alarm(self, d: Decision) -> Reply:
        slots = {**d.slots, "audience": d.audience}
        if d.urgency:
            slots["urgency"] = d.urgency
        name = "utter_crisis" if d.intent == "crisis" else "utter_emergency"
        picked = self._pick(name, slots, d)
        end = self._pick("utter_crisis_end" if d.intent == "crisis" else "utter_emergency_end", slots, d).text
        urgency = d.urgency or "urgent"  # the classifier's second net: level unknown, its text covers both
        return self._build(d, name, [picked], end, urgency=urgency, emergency=d.intent == "emergency")

    # -- choices and answers --------------------------------------------------------------------------
    def _choose(self, d: Decision) -> Reply:
        picked = self._pick("utter_choose", d.slots, d)
        choices = [Choice(title=self.content.title(i, d.language), payload=payload(i, d.slots)) for i in d.choices]
        consult = self._pick("utter_consult", d.slots, d).text
        net = self._pick("utter_safety_net", d.slots, d)
        return self._build(d, "utter_choose", [picked, net], consult, choices=choices)

    def _answer(self, d: Decision) -> Reply:
        parts = [self._pick(f"utter_{key}", d.slots, d) for key in d.answer_keys]
        extra: list[Rendered] = []
        brand = d.slots.get("brand")
        if brand and brand != "botox" and not any(p.about_brand or p.all_brands for p in parts):
            extra.append(self._pick("utter_brand_note", d.slots, d))
        if d.preface:
            parts.insert(0, self._pick("utter_preface", {**d.slots, "urgency": d.preface}, d))
        elif not any(p.names_emergency for p in parts):
            extra.append(self._pick("utter_safety_net", d.slots, d))
        consult = self._pick("utter_consult", d.slots, d).text
        name = "+".join(f"utter_{key}" for key in d.answer_keys)
        return self._build(d, name, parts + extra, consult)

    # -- helpers --------------------------------------------------------------------------------------
    def _pick(self, name: str, slots: Mapping[str, str], d: Decision) -> Rendered:
        return self.templates.pick(name, slots, d.channel, d.language)

    def _build(
        self,
        d: Decision,
        name: str,
        parts: list[Rendered],
        end: str,
        *,
        urgency: Urgency | None = None,
        emergency: bool = False,
        choices: list[Choice] | None = None,
    ) -> Reply:
        answer = "\n\n".join(p.text for p in parts if p.text)
        sources = list(dict.fromkeys(s for p in parts for s in p.sources))
        return Reply(
            intent=d.intent,
            confidence=round(d.confidence, 4),
            text=f"{answer}\n\n{end}" if end else answer,
            choices=choices or [],
            sources=sources,
            emergency=emergency,
            urgency=urgency,
            audience=d.audience,
            language=d.language,
            answer_key="+".join(d.answer_keys) if d.answer_keys else d.intent,
            fallback=d.intent == "out_of_scope",
            handoff=d.intent == "handoff",
            ranking=[IntentScore(intent=i, confidence=round(p, 4)) for i, p in d.ranking[:5]],
            slots={k: v for k, v in d.slots.items() if k not in _HIDDEN_SLOTS},
            response=name,
            answer=answer,
            consult=end,
        )


def payload(intent: str, slots: Mapping[str, str]) -> str:
    """A choice's payload, Rasa style: /intent{"slot":"value"}."""
    keep = {k: v for k, v in slots.items() if k not in _HIDDEN_SLOTS}
    return f"/{intent}{json.dumps(keep, separators=(',', ':'))}" if keep else f"/{intent}"
