"""What the engine makes of a text before any reply is chosen: slots, topic, specific answer, and the
questions inside it. Pure and cached per text; conversation context is applied afterwards by the engine.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace

from botox_bot.core.classifier import IntentClassifier
from botox_bot.core.selector import ResponseSelector, Selection
from botox_bot.core.slots import SlotFiller
from botox_bot.core.text import clean
from botox_bot.core.wordcache import Recent

_CACHE = 4096  # texts; the same questions come again and again to an FAQ bot
_MAX_PARTS = 3
_QUESTION_WORD = (
    r"(?:can|could|is|are|am|does|do|did|how|what|whats|when|where|why|which|should|will|would|may|"
    r"puedo|puede|pueden|cuanto|cuanta|cuantos|como|que|cuando|donde|por que|es|se|hay|debo|tengo|duele)"
)
_SPLIT = re.compile(
    rf"(?<=\?)\s+|\s*[;\n]+\s*|\s*(?<=\w)\.\s+(?={_QUESTION_WORD}\b)|"
    rf",?\s+(?:and|also|plus|y|tambien)\s+(?:also\s+)?(?={_QUESTION_WORD}\b)"
)
_MIN_PART_WORDS = 2
_ASKS = re.compile(rf"\?|^(?:{_QUESTION_WORD}|tell me|explain|y |and )\b|\b(?:can|should|do|does|is) i\b")


@dataclass
class Understanding:
    """A topic (the intent), its specific answer, and the slots the message fills."""

    intent: str
    confidence: float
    answer_key: str = ""
    ranking: list[tuple[str, float]] = field(default_factory=list)
    slots: dict[str, str] = field(default_factory=dict)
    choices: list[str] = field(default_factory=list)
    """Topics to offer when the top two are close."""
    more: list[str] = field(default_factory=list)
    """Further specific answers, in order, when the message asks more than one question."""

    def __post_init__(self) -> None:
        self.answer_key = self.answer_key or self.intent

    def copy(self) -> Understanding:
        """The engine adjusts an understanding per conversation; the cached one must stay as it was."""
        return replace(
            self, ranking=list(self.ranking), slots=dict(self.slots), choices=list(self.choices), more=list(self.more)
        )


@dataclass(frozen=True)
class Thresholds:
    confidence: float
    emergency: float
    choice_margin: float


class Understander:
    """Classifies texts into topics and specific answers, with an LRU cache keyed by a hash of the text."""

    def __init__(
        self,
        classifier: IntentClassifier,
        slot_filler: SlotFiller,
        selector: ResponseSelector,
        thresholds: Thresholds,
        topics: list[str],
    ):
        self.classifier = classifier
        self.slot_filler = slot_filler
        self.selector = selector
        self.thresholds = thresholds
        self.topics = frozenset(topics)
        self._cache: Recent[Understanding] = Recent(_CACHE)  # keyed by a hash: never a patient's words

    def understand(self, text: str) -> Understanding:
        key = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()
        cached = self._cache.get(key)
        if cached is not None:
            return cached.copy()
        result = self._understand(text)
        self._cache.put(key, result.copy())
        return result

    def _understand(self, text: str) -> Understanding:
        slots = self.slot_filler.fill(text)
        if not text.strip():
            return Understanding("out_of_scope", 0.0, slots=slots)
        result = self._classify(text, slots)
        if result.intent in self.topics:
            parts = self._questions(text)
            if result.intent in {key.split("/")[0] for key in parts}:  # several questions: answer each, don't ask
                result.answer_key, result.more, result.choices = parts[0], parts[1:], []
                result.intent = result.answer_key.split("/")[0]
        return result

    def _classify(self, text: str, slots: dict[str, str]) -> Understanding:
        probs = self.classifier.scores(text)
        pick = self.selector.select(probs)
        if pick.topic == "emergency" and pick.confidence < self.thresholds.emergency:
            # unsure, and this is only the second net: answer the best other topic (it says when to get help)
            pick = self.selector.select(probs, exclude=frozenset({"emergency"}))
        result = Understanding(pick.topic, pick.confidence, pick.answer_key, pick.ranking, slots)
        if pick.confidence < self.thresholds.confidence:
            result.intent, result.answer_key = "out_of_scope", "out_of_scope"
        elif self._close_call(pick):
            result.choices = [pick.ranking[0][0], pick.ranking[1][0]]
        return result

    def _close_call(self, pick: Selection) -> bool:
        if len(pick.ranking) < 2:
            return False
        (first, p1), (second, p2) = pick.ranking[0], pick.ranking[1]
        return first in self.topics and second in self.topics and p1 - p2 < self.thresholds.choice_margin

    def _questions(self, text: str) -> list[str]:
        """'how long does it last and can I drink after?': the answer each question asks for, in the message's
        order (at most three); fewer than two distinct confident answers means one question."""
        parts = [p for p in _SPLIT.split(clean(text)) if p and len(p.split()) >= _MIN_PART_WORDS]
        if len(parts) < 2:
            return []
        keys: list[str] = []
        for n, part in enumerate(parts[:_MAX_PARTS]):
            if n and not _ASKS.search(part):
                continue  # "never heard of it", "im such a baby with needles": said, not asked
            found = self._classify(part, self.slot_filler.fill(part))
            if found.intent not in self.topics or found.choices:
                continue
            same = [k for k in keys if k.split("/")[0] == found.intent]
            if not same:
                keys.append(found.answer_key)
            elif "/" not in same[0] and "/" in found.answer_key:  # the specific answer beats its topic's general one
                keys[keys.index(same[0])] = found.answer_key
        return keys if len(keys) >= 2 else []
