"""The engine: one ``Message`` in, one ``Reply`` out. Triage, understand, select the answer, compose the reply.

The order is the safety argument: the triage screen runs first and nothing after it can override it; the
classifier only decides among the answers that are left, and is never allowed to turn a message the screen
read as harmless, negated or general into an alarm.
"""

from __future__ import annotations

import json
import random
import re
import time
from collections.abc import Collection
from typing import Any

from botox_bot.core import language as languages
from botox_bot.core import triage
from botox_bot.core.classifier import IntentClassifier, load_or_train
from botox_bot.core.clinic import ClinicFile, load_clinic, overrides
from botox_bot.core.compose import Composer, Decision, payload
from botox_bot.core.config import EngineConfig
from botox_bot.core.content import Content, ContentError, default_content_dir, load_content
from botox_bot.core.models import Audience, Message, Reply
from botox_bot.core.selector import ResponseSelector
from botox_bot.core.slots import SlotFiller
from botox_bot.core.templates import Templates
from botox_bot.core.understanding import Thresholds, Understander, Understanding
from botox_bot.core.wordcache import Recent
from botox_bot.store import MemoryStore, Store
from botox_bot.store.protocol import is_unicode

_PAYLOAD = re.compile(r"^\s*/(?P<intent>[a-z_]+(?:/[a-z_]+)?)(?P<slots>\{.*\})?\s*$", re.S)
_FOLLOW_UP = re.compile(
    r"^\s*(?:and|what about|how about|also|same for|same question for|ok and|for|plus|y|y para|y en|"
    r"que tal|qué tal|tambien|también|para)\b",
    re.I,
)
_BACK_REFERENCE = re.compile(r"\b(?:that|this|it|those|them|these|there|eso|esto|ese|esa|eso)\b", re.I)
_CHOICE_NUMBER = re.compile(r"[0-9]{1,2}")  # ASCII digits only: '²' and '𑁒' are digits to str.isdigit, not to int()
_SHORT = 10  # words: a follow-up such as "and for migraines?" is short
_MEMORY_SECONDS = 1800  # how long a conversation's language and triage memory last
_SAME_DAY_ANSWERS = {"droop": "safety/droop", "bladder_emptying": "safety/bladder", "overdose": "safety/overdose"}
"""The screen's level-3 hints (clinic the same day, not an alarm) and the specific answer that handles each."""


class Engine:
    def __init__(
        self,
        content: Content,
        classifier: IntentClassifier,
        config: EngineConfig,
        store: Store | None = None,
        clinic: ClinicFile | None = None,
    ):
        self.content = content
        self.classifier = classifier
        self.config = config
        self.store: Store = store or MemoryStore()
        self.languages = _served(list(config.languages), content)
        thresholds = Thresholds(config.confidence_threshold, config.emergency_threshold, config.choice_margin)
        selector = ResponseSelector(classifier.labels, config.selector_threshold)
        self.understander = Understander(classifier, SlotFiller(content.keywords), selector, thresholds, content.topics)
        values = {
            lang: {
                "clinic_name": config.clinic_name or content.defaults[lang]["clinic_name"],
                "clinic_phone": config.clinic_phone,
                "booking_link": config.booking_link,
                "emergency_number": config.emergency_number or content.defaults[lang]["emergency_number"],
                "crisis_line": config.crisis_line or content.defaults[lang]["crisis_line"],
                "served_languages": content.language_list(self.languages, lang),
            }
            for lang in content.languages
        }
        clinic_overrides = overrides(clinic) if clinic else {}
        self.templates = Templates(content, values, random.Random(config.seed), clinic_overrides)
        self.composer = Composer(content, self.templates)
        self._first_replies: Recent[tuple[Reply, Decision, str | None]] = Recent(_FIRST_REPLIES)
        """First messages (no conversation yet) and the reply each got: with no context, a reply depends only on
        the text, the channel, the channel's language and audience. Never an alarm: on a hit the screen runs
        again, and a kept reply is used only when it finds nothing to alarm on."""
        languages.load_model()  # at start-up, not on the first message

    @classmethod
    def from_config(
        cls, config: EngineConfig, store: Store | None = None, channels: Collection[str] | None = None
    ) -> Engine:
        """Load and validate the content and the clinic file, then load or train the classifier.

        ``channels``: the channel names content variations may be written for (the channel registry's).
        """
        content = load_content(config.content_dir or default_content_dir(), channels)
        clinic = load_clinic(config.clinic_file, content)
        texts, labels = content.training_data()
        classifier = load_or_train(texts, labels, content.digest, config.cache_dir)
        return cls(content, classifier, config, store, clinic)

    # -- understanding (pure) -------------------------------------------------------------------------
    def understand(self, text: str) -> Understanding:
        """Classify one text into a topic and a specific answer (no conversation, no triage)."""
        return self.understander.understand(text)

    def classify(self, text: str) -> dict[str, Any]:
        """One message alone, as the engine would read it with no conversation: triage first, then the topic
        and specific answer. For ``botox-bot classify`` and evaluations."""
        found, _ = triage.screen(text)
        if found.alarm:
            intent = "crisis" if found.outcome == "crisis" else "emergency"
            return {
                "intent": intent,
                "answer_key": intent,
                "confidence": 1.0,
                "urgency": found.outcome,
                "triage": found.outcome,
                "slots": self.understander.slot_filler.fill(text),
            }
        result = self.understand(text)
        if result.intent == "emergency" and not _second_net_allowed(found):
            result.intent = result.answer_key = next(
                (t for t, _ in result.ranking if t in self.content.topics), "safety"
            )
        keys = [result.answer_key, *result.more]
        return {
            "intent": result.intent,
            "answer_key": "+".join(keys),
            "confidence": round(result.confidence, 4),
            "urgency": "urgent" if result.intent == "emergency" else None,
            "triage": found.outcome,
            "slots": result.slots,
        }

    def is_red_flag(self, text: str) -> bool:
        """Whether a message alone raises an alarm: the screen, or the classifier's second net."""
        found, _ = triage.screen(text)
        if found.alarm:
            return True
        return _second_net_allowed(found) and self.understand(text).intent == "emergency"

    # -- answering ------------------------------------------------------------------------------------
    @staticmethod
    def context_key(message: Message) -> str:
        """Whose context a message reads and writes: a Slack user id and a web sender never share context."""
        return f"{message.channel}:{message.sender_id}"

    async def answer(self, message: Message, context: dict[str, Any] | None = None) -> Reply:
        """``context``: the sender's stored context when the caller has read it already (the runtime reads it
        with the rate limit, in one round trip to a shared store); None: read here."""
        key = self.context_key(message)
        now = time.time()
        if context is None:
            context = await self.store.get_context(key) or {}
        first = _first_message_key(message, context)
        if first is not None and (kept := self._first_replies.get(first)) is not None:
            found, memory = triage.screen(message.text, None, now)  # the screen runs on every message, always
            if not found.alarm:
                reply, decision, language = kept
                await self._remember(key, context, decision, memory, language, now)
                return reply
        spoken = languages.resolve(
            message.text,
            served=self.languages,
            explicit=message.language,
            sticky=context.get("lang"),
            default=self.languages[0],
        )
        found, memory = triage.screen(message.text, context.get("triage"), now)
        audience = message.audience or found.audience
        if spoken.unsupported and not found.alarm:
            decision = self._unsupported(message, spoken.unsupported, audience)
        else:
            decision = self._decide(message, context, found, spoken.language, audience, now)
        random_picks = self.templates.random_picks
        reply = self.composer.reply(decision)
        language = spoken.remember or context.get("lang")
        if first is not None and not found.alarm and not reply.emergency and reply.urgency is None:
            if self.templates.random_picks == random_picks:  # no variation drawn: the same reply every time
                self._first_replies.put(first, (reply, decision, language))
        await self._remember(key, context, decision, memory, language, now)
        return reply

    def _unsupported(self, message: Message, language: str, audience: Audience) -> Decision:
        """A language the clinic does not serve: say which it does, in that language where the content has it."""
        lang = language if self.templates.has("utter_language_unsupported", language) else self.languages[0]
        return Decision("out_of_scope", 0.0, ["language_unsupported"], {}, lang, message.channel, audience)

    def _decide(
        self,
        message: Message,
        context: dict[str, Any],
        found: triage.Triage,
        language: str,
        audience: Audience,
        now: float,
    ) -> Decision:
        channel = message.channel
        if found.alarm and found.level is not None:
            intent = "crisis" if found.outcome == "crisis" else "emergency"
            return Decision(intent, 1.0, [intent], {}, language, channel, audience, urgency=found.level)
        chosen = self._chosen(message, context, now)
        result = chosen or self.understand(message.text)
        if chosen is None:
            self._apply_context(message.text, result, context, now)
        if result.intent == "emergency" and not _second_net_allowed(found):
            # the classifier is a second net only: the screen read this as general, past or negated
            result.intent = result.answer_key = next(
                (t for t, _ in result.ranking if t in self.content.topics), "safety"
            )
        if result.intent == "emergency":
            return Decision("emergency", result.confidence, ["emergency"], result.slots, language, channel, audience)
        keys = [result.answer_key, *result.more]
        if found.same_day and _SAME_DAY_ANSWERS.get(found.same_day) in self.content.examples and chosen is None:
            keys = [_SAME_DAY_ANSWERS[found.same_day]]
            result.intent = keys[0].split("/")[0]
        preface = found.level if found.outcome == "preface" else None
        return Decision(
            result.intent,
            result.confidence,
            keys,
            result.slots,
            language,
            channel,
            audience,
            preface=preface if preface != "crisis" else None,
            choices=result.choices,
            ranking=result.ranking,
        )

    def _chosen(self, message: Message, context: dict[str, Any], now: float) -> Understanding | None:
        """A button click, a typed payload, or the number of an offered choice: that intent, no guessing."""
        raw = message.payload or message.text
        offered = context.get("choices") or [] if _fresh(context, now, self.config.context_ttl_seconds) else []
        number = raw.strip()
        if _CHOICE_NUMBER.fullmatch(number) and 1 <= int(number) <= len(offered):
            raw = offered[int(number) - 1]
        match = _PAYLOAD.match(raw)
        if not match or not self.templates.has(f"utter_{match['intent']}"):
            return None
        slots: dict[str, str] = {}
        if match["slots"]:
            try:
                loaded = json.loads(match["slots"])
                slots = {
                    k: v for k, v in loaded.items() if isinstance(k, str) and isinstance(v, str) and is_unicode(k + v)
                }
            except (ValueError, AttributeError, RecursionError):  # a hand-typed payload can be anything
                slots = {}
        for built_in in ("urgency", "audience", "red_flag"):  # set by the core only, never by a payload
            slots.pop(built_in, None)
        label = match["intent"]
        if label in ("emergency", "crisis"):
            return None  # an alarm comes from the screen, never from a payload
        return Understanding(label.split("/")[0], 1.0, label, [(label.split("/")[0], 1.0)], slots)

    def _apply_context(self, text: str, result: Understanding, context: dict[str, Any], now: float) -> None:
        """Follow-ups: 'and for migraines?' keeps the topic; 'how long does it last for that?' keeps the use."""
        if not _fresh(context, now, self.config.context_ttl_seconds) or len(text.split()) > _SHORT:
            return
        last, last_key = context.get("topic"), context.get("answer_key", "")
        kept_slots = context.get("slots") or {}
        if last in self.content.topics and "use" in result.slots and result.intent != "emergency":
            if _FOLLOW_UP.match(text) or result.intent in ("out_of_scope", last):
                score = dict(result.ranking).get(last, result.confidence)
                key = last_key if last_key.split("/")[0] == last else last
                result.intent, result.answer_key, result.confidence, result.choices = last, key, score, []
                result.more = []
        elif _BACK_REFERENCE.search(text) and result.intent in self.content.topics:
            for slot, value in kept_slots.items():
                result.slots.setdefault(slot, value)

    async def _remember(
        self, key: str, context: dict[str, Any], d: Decision, memory: Any, language: str | None, now: float
    ) -> None:
        kept = {
            "t": now,
            "topic": d.intent,
            "answer_key": d.answer_keys[0] if d.answer_keys else d.intent,
            "slots": {k: v for k, v in d.slots.items() if k in ("use", "brand")},
            "choices": [payload(c, d.slots) for c in d.choices],
        }
        if language:
            kept["lang"] = language
        if memory:
            kept["triage"] = memory
        ttl = max(self.config.context_ttl_seconds, _MEMORY_SECONDS)
        await self.store.set_context(key, kept, ttl)


_FIRST_REPLIES = 1024  # replies kept (a few KB each); an FAQ bot hears far fewer distinct first questions
_FIRST_CHARS = 300  # longer first messages are answered afresh


def _first_message_key(message: Message, context: dict[str, Any]) -> tuple[str, str, str, str] | None:
    """What a first message's reply depends on; None when there is a conversation, a button or a long text."""
    if context or message.payload is not None or len(message.text) > _FIRST_CHARS:
        return None
    return (message.text, message.channel, message.language or "", message.audience or "")


def _second_net_allowed(found: triage.Triage) -> bool:
    """The classifier may raise an alarm only where the screen found nothing at all to judge: never over a
    message the screen read as negated, general, past, an indication or a same-day local effect."""
    return found.outcome == "none" and found.reason == "nothing"


def _fresh(context: dict[str, Any], now: float, ttl: float) -> bool:
    return bool(context) and now - float(context.get("t", 0)) <= ttl


def _served(wanted: list[str], content: Content) -> list[str]:
    """The languages the clinic serves: its setting, or every language of the content (source first)."""
    if not wanted:
        return list(content.languages)
    missing = [lang for lang in wanted if lang not in content.languages]
    if missing:
        raise ContentError(
            [f"setting languages: the content has no {', '.join(missing)} (it has {', '.join(content.languages)})"]
        )
    return [lang for lang in content.languages if lang in wanted]
