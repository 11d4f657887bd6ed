"""The engine: one ``Message`` in, one ``Reply`` out. Screen, classify, pick the template, add the consult.

The order is the safety argument: the emergency screen runs first and nothing after it can override it; the
classifier only decides among the answers that are left.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from typing import Any

from botox_bot.core import emergency
from botox_bot.core.classifier import IntentClassifier, load_or_train
from botox_bot.core.config import EngineConfig
from botox_bot.core.content import Content, default_content_dir, load_content
from botox_bot.core.models import TOPIC_INTENTS, Choice, IntentScore, Message, Reply
from botox_bot.core.slots import SlotFiller
from botox_bot.core.templates import Templates
from botox_bot.store import MemoryStore, Store

_PAYLOAD = re.compile(r"^\s*/(?P<intent>[a-z_]+)(?P<slots>\{.*\})?\s*$", re.S)
_FOLLOW_UP = re.compile(r"^\s*(?:and|what about|how about|also|same for|same question for|ok and|for|plus)\b", re.I)
_CHOICE_NUMBER = re.compile(r"[0-9]{1,2}")  # ASCII digits only: '²' and '𑁒' are digits to str.isdigit, not to int()
_SHORT = 7  # words: a follow-up such as "and for migraines?" is short
_UNDERSTOOD_CACHE = 4096  # texts; the same questions come again and again to an FAQ bot


@dataclass
class Understanding:
    """What the engine made of a text, before any template is chosen."""

    intent: str
    confidence: float
    ranking: list[tuple[str, float]] = field(default_factory=list)
    slots: dict[str, str] = field(default_factory=dict)
    red_flag: emergency.RedFlag | None = None
    choices: list[str] = field(default_factory=list)  # intents to offer when the top two are close

    def copy(self) -> Understanding:
        """The engine adjusts an understanding per conversation; the cached one must stay as it was."""
        return replace(self, ranking=list(self.ranking), slots=dict(self.slots), choices=list(self.choices))


class Engine:
    def __init__(
        self, content: Content, classifier: IntentClassifier, config: EngineConfig, store: Store | None = None
    ):
        self.content = content
        self.classifier = classifier
        self.config = config
        self.store: Store = store or MemoryStore()
        self.slot_filler = SlotFiller(content.keywords)
        values = {
            "clinic_name": config.clinic_name,
            "clinic_phone": config.clinic_phone,
            "booking_link": config.booking_link,
            "emergency_number": config.emergency_number,
        }
        self.templates = Templates(content, values, random.Random(config.seed))
        # keyed by a hash, so the cache never holds a patient's words
        self._understood: OrderedDict[bytes, Understanding] = OrderedDict()

    @classmethod
    def from_config(cls, config: EngineConfig, store: Store | None = None) -> Engine:
        """Load and validate the content, then load or train the classifier (cached by content hash)."""
        content = load_content(config.content_dir or default_content_dir())
        texts, labels = content.training_data()
        classifier = load_or_train(texts, labels, content.digest, config.cache_dir)
        return cls(content, classifier, config, store)

    # -- understanding -------------------------------------------------------------------------------
    def is_red_flag(self, text: str) -> bool:
        """The triage screen alone, no classifier: what may pass a rate limit (an emergency is never throttled)."""
        return emergency.screen(text) is not None

    def understand(self, text: str) -> Understanding:
        """Screen and classify one text. Pure and synchronous: ``classify`` uses it for whole files.

        Pure, so a text seen recently is not screened and classified again (an LRU cache of 4,096 texts).
        """
        key = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()
        cached = self._understood.get(key)
        if cached is not None:
            self._understood.move_to_end(key)
            return cached.copy()
        result = self._understand(text)
        self._understood[key] = result.copy()
        if len(self._understood) > _UNDERSTOOD_CACHE:
            self._understood.popitem(last=False)
        return result

    def _understand(self, text: str) -> Understanding:
        slots = self.slot_filler.fill(text)
        flag = emergency.screen(text)
        if flag is not None:
            slots["red_flag"] = flag.level
            return Understanding("emergency", 1.0, [("emergency", 1.0)], slots, flag)
        if not text.strip():
            return Understanding("out_of_scope", 0.0, [], slots)
        pred = self.classifier.predict(text)
        if pred.intent == "emergency" and pred.confidence < self.config.emergency_threshold:
            # unsure, and the screen found no red flag: the safety answer, which says when to get help
            pred = pred.without("emergency")
        result = Understanding(pred.intent, pred.confidence, pred.ranking, slots)
        if pred.confidence < self.config.confidence_threshold:
            result.intent = "out_of_scope"
        elif len(pred.ranking) > 1:
            (first, p1), (second, p2) = pred.ranking[0], pred.ranking[1]
            if first in TOPIC_INTENTS and second in TOPIC_INTENTS and p1 - p2 < self.config.choice_margin:
                result.choices = [first, second]
        return result

    # -- answering -----------------------------------------------------------------------------------
    async def answer(self, message: Message) -> Reply:
        key = f"{message.channel}:{message.sender_id}"  # a Slack user id and a web sender never share context
        context = await self.store.get_context(key) or {}
        chosen = self._chosen(message, context)
        if chosen is not None:
            result = chosen
        else:
            result = self.understand(message.text)
            self._apply_follow_up(message.text, result, context)
        reply = self._reply(result, message.channel)
        await self._remember(key, reply, result)
        return reply

    def _chosen(self, message: Message, context: dict[str, Any]) -> Understanding | None:
        """A button click, a typed payload, or the number of an offered choice: that intent, no guessing."""
        raw = message.payload or message.text
        offered = context.get("choices") or []
        number = raw.strip()
        if _CHOICE_NUMBER.fullmatch(number) and 1 <= int(number) <= len(offered):
            raw = offered[int(number) - 1]
        match = _PAYLOAD.match(raw)
        if not match or f"utter_{match['intent']}" not in self.templates:
            return None
        # a clicked choice is still screened: a payload can never carry a red flag past the screen
        if message.payload is None and emergency.screen(message.text):
            return None
        slots: dict[str, str] = {}
        if match["slots"]:
            try:
                loaded = json.loads(match["slots"])
                slots = {k: v for k, v in loaded.items() if isinstance(k, str) and isinstance(v, str)}
            except (ValueError, AttributeError, RecursionError):  # a hand-typed payload can be anything
                slots = {}
        slots.pop("red_flag", None)
        intent = match["intent"]
        return Understanding(intent, 1.0, [(intent, 1.0)], slots)

    def _apply_follow_up(self, text: str, result: Understanding, context: dict[str, Any]) -> None:
        """'and for migraines?' right after a medical-uses answer keeps asking about medical uses."""
        last = context.get("intent")
        if result.red_flag or last not in TOPIC_INTENTS or "use" not in result.slots:
            return
        if len(text.split()) > _SHORT:
            return
        if _FOLLOW_UP.match(text) or result.intent == "out_of_scope" or result.intent == last:
            score = dict(result.ranking).get(last, result.confidence)
            result.intent, result.confidence, result.choices = last, score, []

    def _reply(self, result: Understanding, channel: str) -> Reply:
        if result.choices:
            name = "utter_choose"
            choices = [
                Choice(title=self.content.title(i), payload=self._payload(i, result.slots)) for i in result.choices
            ]
        else:
            name, choices = f"utter_{result.intent}", []
        picked = self.templates.pick(name, result.slots, channel)
        consult = self.templates.pick("utter_consult", result.slots, channel)
        return Reply(
            intent=result.intent,
            confidence=round(result.confidence, 4),
            text=f"{picked.text}\n\n{consult.text}",
            choices=choices,
            sources=list(picked.sources),
            emergency=result.intent == "emergency",
            urgency=(result.slots.get("red_flag") or "urgent") if result.intent == "emergency" else None,
            answer_key=result.intent,
            fallback=result.intent == "out_of_scope",
            handoff=result.intent == "handoff",
            ranking=[IntentScore(intent=i, confidence=round(p, 4)) for i, p in result.ranking[:5]],
            slots=result.slots,
            response=name,
            answer=picked.text,
            consult=consult.text,
        )

    @staticmethod
    def _payload(intent: str, slots: dict[str, str]) -> str:
        keep = {k: v for k, v in slots.items() if k != "red_flag"}
        return f"/{intent}{json.dumps(keep, separators=(',', ':'))}" if keep else f"/{intent}"

    async def _remember(self, sender: str, reply: Reply, result: Understanding) -> None:
        context = {
            "intent": reply.intent,
            "slots": {k: v for k, v in result.slots.items() if k != "red_flag"},
            "choices": [c.payload for c in reply.choices],
        }
        await self.store.set_context(sender, context, self.config.context_ttl_seconds)
