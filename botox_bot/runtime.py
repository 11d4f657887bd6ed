"""The answering pipeline every channel calls, and what it needs: the engine (once loaded), the store, metrics.

``BotRuntime.answer`` is the one path from a channel to the core, the same for every channel: rate limit (on the
channels where patients write), engine, metrics, log line, escalation to staff. A channel decides none of it: it
declares what it is (``Channel.patient``) and formats what comes back, including ``RateLimited``.

The engine loads in a worker thread after the server starts listening, so ``/healthz`` answers at once and
``/readyz`` says when questions can be answered. Nothing per request re-reads content or re-trains.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any, Protocol

from aiohttp import web

from botox_bot.core import triage
from botox_bot.core.clinic import load_clinic
from botox_bot.core.content import Content
from botox_bot.core.engine import Engine
from botox_bot.core.models import Message, Reply
from botox_bot.desk.digest import build, previous_week, render, week_bounds, week_of
from botox_bot.desk.forget import forget_request
from botox_bot.desk.handoff import Desk
from botox_bot.desk.ids import ConversationIds
from botox_bot.desk.services import DeskConfig, DeskServices
from botox_bot.desk.texts import say
from botox_bot.escalation import Escalation, EscalationPolicy, Escalations, EscalationSink
from botox_bot.server.errors import Problem
from botox_bot.server.logs import LINE_WRITTEN, request_fields, request_id
from botox_bot.server.metrics import Metrics
from botox_bot.settings import Settings
from botox_bot.store import Store
from botox_bot.store.failover import FailoverStore, store_from_url

log = logging.getLogger("botox_bot.runtime")


def store_for(settings: Settings) -> Store:
    """The store the settings name: Redis (``REDIS_URL``, keyed with ``BOTOX_BOT_STORE_KEY``) or memory."""
    redis = settings.redis  # with a URL and no store key: a SettingsError that names both
    return store_from_url(redis.url, redis.store_key.get_secret_value() if redis.store_key else None)


class RateLimited(Exception):
    """A patient channel's sender is over the rate limit; the channel says so in its own way.

    The webhook answers 429 with ``Retry-After``, SMS stays silent (a flood costs the clinic nothing), the phone
    line says one short sentence.
    """

    def __init__(self, retry_after: int):
        super().__init__(f"over the rate limit; retry after {retry_after} s")
        self.retry_after = retry_after


class AlreadyClaimed(Exception):
    """The claim handed to ``BotRuntime.answer`` was taken before (a replayed request): nothing was answered."""


Claim = tuple[str, float]
"""A key that must be claimed once, and for how many seconds the claim holds."""


class Source(Protocol):
    """What the pipeline needs to know of the channel a message came through; every ``Channel`` has it."""

    @property
    def name(self) -> str: ...

    @property
    def label(self) -> str:
        """The channel as people call it ("the phone line")."""
        ...

    @property
    def patient(self) -> bool:
        """Patients write there: rate-limited, and emergencies and requests for a person go to staff."""
        ...


class BotRuntime:
    def __init__(
        self,
        settings: Settings,
        engine: Engine | None = None,
        store: Store | None = None,
        channel_names: frozenset[str] | None = None,
    ):
        self.settings = settings  # for the composition root (app.py), which hands each channel its group
        self.channel_names = channel_names  # the registry's, for checking content variations (``channel:``)
        self.clinic = settings.clinic  # what every channel may say: the clinic's name, phone, emergency number
        self.store: Store = store or (engine.store if engine else store_for(settings))
        if engine is not None:
            engine.store = self.store  # one store for the engine's context and the channels' state
        self.metrics = Metrics()
        self._engine = engine
        self._loading: asyncio.Task[None] | None = None
        self.load_error: str | None = None
        self.ids = ConversationIds.from_settings(settings)  # the keyed conversation ids staff and the store see
        self.escalations = Escalations(self.metrics, _escalation_policy(settings))
        self.services = DeskServices(_desk_config(settings), self.store, self.ids)
        self.escalations.record = self._audit_escalation
        self._sweeper: asyncio.Task[None] | None = None
        self.stopping = False  # set on SIGTERM: /readyz says so while requests in flight finish
        if engine is not None:
            self._desk_loaded(engine)
        self.metrics.ready.set(1 if engine else 0)
        if isinstance(self.store, FailoverStore):
            self.store.listeners.append(lambda degraded: self.metrics.store_degraded.set(int(degraded)))

    # -- life cycle ------------------------------------------------------------------------------
    @property
    def ready(self) -> bool:
        return self._engine is not None

    async def lifespan(self, app: web.Application) -> AsyncIterator[None]:
        """For ``app.cleanup_ctx``: start loading with the app, stop with it."""
        if self._engine is None and self._loading is None:
            self._loading = asyncio.create_task(self._load(), name="botox-bot load")
        self._sweeper = asyncio.create_task(self._sweep_holds(), name="botox-bot desk sweeper")
        yield
        if self._loading and not self._loading.done():
            self._loading.cancel()
        self._sweeper.cancel()
        await self.escalations.drain(timeout=self.settings.shutdown_timeout_seconds)
        await self.store.close()

    async def load(self) -> None:
        """Load now and wait (for programs that embed the bot without an aiohttp app of ours)."""
        if self._engine is None:
            if self._loading is None:
                self._loading = asyncio.create_task(self._load(), name="botox-bot load")
            await asyncio.shield(self._loading)

    async def _load(self) -> None:
        log.info("loading content and model")
        try:
            config = self.settings.engine_config()
            engine = await asyncio.to_thread(Engine.from_config, config, self.store, self.channel_names)
            await asyncio.to_thread(triage.compile_all)  # every screen rule, before the first patient's message
        except Exception as exc:  # content broken after start-up checks, or the cache unwritable
            self.load_error = f"{type(exc).__name__}: {exc}"
            log.error("loading failed; not ready", extra={"error": self.load_error})
            return
        self._desk_loaded(engine)
        self._engine = engine
        gc.freeze()  # the loaded content and model live as long as the process: keep them out of every GC pass
        self.metrics.ready.set(1)
        log.info(
            "ready", extra={"intents": len(engine.classifier.labels), "content_digest": engine.content.digest[:12]}
        )

    def _desk_loaded(self, engine: Engine) -> None:
        """The desk's parts that need the content: the clinic's hours (its file), name per language, vocabulary."""
        clinic = load_clinic(self.settings.clinic_file, engine.content)
        self.services.loaded(engine.content, clinic.hours)

    async def _sweep_holds(self) -> None:
        """Hand back conversations whose handoff timed out, every few seconds, so the patient is told; and once a
        week, on Monday morning, post the digest (one instance does)."""
        beats = 0
        while True:
            await asyncio.sleep(5)
            beats += 1
            try:
                await self.desk.sweep()
                if beats % 120 == 0:  # every ten minutes
                    await self.post_digest(datetime.now(UTC))
            except Exception:
                log.exception("desk sweep failed")

    async def post_digest(self, now: datetime) -> bool:
        """Post last week's digest to the staff channels, if it is Monday from 8:00 (clinic time) and no instance
        has yet. True when posted. Only with the review loop on (nothing is counted otherwise)."""
        services = self.services
        if services.stats is None or not self.desk.sides:
            return False
        local = now.astimezone(services.hours.zone) if services.hours.zone else now
        if local.weekday() != 0 or local.hour < 8:
            return False
        week = previous_week(local)
        if not await self.store.claim(f"desk:digest:{week}", 8 * 86400):
            return False
        start, end = week_bounds(week, local.tzinfo or UTC)
        unanswered = [item for item in await services.review.pending() if start <= item.t < end]  # type: ignore[union-attr]
        text = render(await build(self.store, week, unanswered))
        for side in list(self.desk.sides.values()):
            try:
                await side.announce(text)
            except Exception:
                log.exception("weekly digest not posted", extra={"side": side.name})
        return True

    @property
    def desk(self) -> Desk:
        return self.services.desk

    @property
    def content(self) -> Content | None:
        """The loaded content (topics, titles), for channels that list what the bot answers; None until ready."""
        return self._engine.content if self._engine else None

    @property
    def known_intents(self) -> frozenset[str]:
        return frozenset(self._engine.classifier.labels) if self._engine else frozenset()

    # -- answering -------------------------------------------------------------------------------
    async def answer(
        self,
        message: Message,
        source: Source,
        rate_key: str | None = None,
        claim: Claim | None = None,
        *,
        address: str | None = None,
        no_reply: str | None = None,
        contact: str | None = None,
    ) -> Reply:
        """Rate limit, answer, count, log what may be logged, escalate: the same for every channel.

        What happens beyond answering follows from what ``source`` (the channel) declares about itself. On a
        patient channel a sender over the limit gets ``RateLimited`` (``rate_key``, default the sender id,
        is whom the limit counts), and so does a client ``address`` over its own limit (web channels name it:
        a client that invents a sender per message is still one client), unless the message has a red flag.
        ``claim``: something that must happen once (a signed request's signature), taken with the rate limit;
        taken already, ``AlreadyClaimed``.

        ``no_reply``: the channel will not deliver the reply, and why ("opted out"); an escalation then says so,
        with ``contact`` (how staff can reach the person instead) rather than "answer sent".

        With Redis, the claim, the sender's and the address's rate limits and the context are one round trip
        (``Store.gather``), and the engine's context write the only other.
        """
        engine = self._engine
        if engine is None:
            raise Problem(503, "not_ready", "the bot is still starting; try again in a moment", {"Retry-After": "1"})
        context = None
        held = None
        if source.patient or claim is not None:
            limit = self.settings.rate_limit if source.patient else 0
            claim_key, claim_ttl = claim or (None, 0)
            by_address = source.patient and address is not None
            gathered = await self.store.gather(
                engine.context_key(message),
                f"{source.name}:{rate_key or message.sender_id}" if limit > 0 else None,
                limit,
                claim_key,
                claim_ttl,
                (f"address:{address}", self.settings.address_rate_limit) if by_address else None,
            )
            if not gathered.claimed:
                raise AlreadyClaimed()
            if gathered.retry_after is not None:
                self._over_limit(engine, message, source, gathered.retry_after)
            context = gathered.context or {}
        if source.patient:
            early, held = await self._desk_first(engine, message, source)
            if early is not None:
                return early
        elif message.audience is None:  # staff channels: an emergency answer is written for staff to act on
            message = message.model_copy(update={"audience": "staff"})
        reply = await engine.answer(message, context)
        self._count(source, reply)
        self._log(message, reply, source)
        if self.services.review is not None:
            await self._review(message, reply, source)
        if source.patient:
            reply = await self._desk_after(message, reply, source, held, no_reply)
            if reply.emergency or reply.urgency == "crisis" or reply.handoff:
                self._escalate(message, reply, source, no_reply, contact)
        return reply

    # -- the desk: before and after the engine --------------------------------------------------------
    async def _desk_first(
        self, engine: Engine, message: Message, source: Source
    ) -> tuple[Reply | None, dict[str, Any] | None]:
        """What comes before the engine on a patient channel: "forget me", a conversation staff hold, a callback
        number. Returns (a reply that ends the turn, or None; the hold when staff hold the conversation and the
        message is a red flag, which the engine then answers)."""
        language = forget_request(message.text)
        if language is not None and not engine.is_red_flag(message.text):
            return await self._forget(message, source, language), None
        desk = self.desk
        if not desk.live(source.name):
            return None, None
        conversation = self.ids.conversation(source.name, message.sender_id)
        hold, case = await asyncio.gather(desk.hold(conversation), desk.case(conversation))
        if hold and not await desk.timed_out(conversation, hold):
            if engine.is_red_flag(message.text):  # staff hold it, but a red flag is answered and escalated at once
                return None, hold
            if await desk.patient_wrote(conversation, message.text, hold):
                self.metrics.replies.labels(source.name, "relayed_to_staff").inc()
                return _silent(case.language if case else "en"), None
        if case is not None and case.callback:
            number = self.services.scrubber.phone_number(message.text)
            if number is not None:
                return await self._callback(case, number, message, source), None
        return None, None

    async def _desk_after(
        self, message: Message, reply: Reply, source: Source, held: dict[str, Any] | None, no_reply: str | None
    ) -> Reply:
        """After the engine: open a case for staff (asked for a person, or an alarm), business hours, review, counts."""
        services = self.services
        if services.stats is not None:
            await services.stats.count(reply, week_of(datetime.now(UTC)))
        alarm = reply.emergency or reply.urgency == "crisis"
        if not (alarm or reply.handoff) or no_reply is not None or not self.desk.live(source.name):
            return reply
        conversation = self.ids.conversation(source.name, message.sender_id)
        after_hours = reply.handoff and not alarm and not services.hours.is_open(datetime.now(UTC))
        case = await self.desk.open_case(conversation, source.name, message.sender_id, reply.language, after_hours)
        if held is not None:
            await self.desk.tell_threads(
                case, "RED FLAG from the patient while you hold this conversation: the bot sent the emergency answer."
            )
        if not reply.handoff or alarm:
            return reply
        name = services.clinic_name(reply.language)
        if after_hours:
            now = datetime.now(UTC)
            opening = services.hours.describe(services.hours.next_opening(now), now, reply.language)
            sentence = say("after_hours", reply.language, clinic=name, opening=opening)
        else:
            sentence = say("asked", reply.language, clinic=name)
        await self.services.audit.record(
            "handoff.requested",
            actor="patient",
            conversation=conversation,
            channel=source.name,
            after_hours=after_hours,
        )
        return _with_sentence(reply, sentence)

    async def _review(self, message: Message, reply: Reply, source: Source) -> None:
        """The review loop (opt-in): keep what fell through; remember the last question for a "not helpful"."""
        review = self.services.review
        if review is None or reply.emergency or reply.urgency is not None or not message.text.strip():
            return  # alarms are never review material: the screen's rules are reviewed code
        await self._remember_question(message, reply, source)
        if reply.fallback or reply.choices:
            await review.keep(
                message.text,
                guess=reply.intent,
                answer_key=reply.answer_key,
                confidence=reply.confidence,
                reason="fallback" if reply.fallback else "choice",
                language=reply.language,
                channel=source.name,
                conversation=self.ids.conversation(source.name, message.sender_id),
            )

    async def _remember_question(self, message: Message, reply: Reply, source: Source) -> None:
        """The last question (scrubbed) and its answer, for an hour: a "not helpful" click on it goes to review."""
        conversation = self.ids.conversation(source.name, message.sender_id)
        kept = {
            "text": self.services.scrubber.scrub(message.text)[:500],
            "guess": reply.intent,
            "answer_key": reply.answer_key,
            "confidence": reply.confidence,
            "language": reply.language,
        }
        await self.store.set_context(self.ids.key("last", conversation), kept, 3600)

    async def feedback(self, source: Source, sender: str, intent: str, helpful: bool) -> None:
        """Helpful / not helpful on an answer: metrics, the shared count, the weekly digest, and (review on) a
        "not helpful" answer's question for review. ``intent`` must already be a known one (or "unknown")."""
        vote = "yes" if helpful else "no"
        self.metrics.feedback.labels(source.name, intent, vote).inc()
        await self.store.increment("feedback", f"{intent}:{vote}")  # shared by every instance, unlike metrics
        services = self.services
        if services.stats is not None:
            await services.stats.feedback(helpful, week_of(datetime.now(UTC)))
        if services.review is None or helpful:
            return
        conversation = self.ids.conversation(source.name, sender)
        last = await self.store.get_context(self.ids.key("last", conversation))
        if last:
            await services.review.keep(
                last["text"],
                guess=last["guess"],
                answer_key=last["answer_key"],
                confidence=last["confidence"],
                reason="not_helpful",
                language=last["language"],
                channel=source.name,
                conversation=conversation,
            )
            await self.store.set_context(self.ids.key("last", conversation), {}, 0)

    async def _callback(self, case: Any, number: str, message: Message, source: Source) -> Reply:
        """Outside business hours the patient left a number: staff get it in the escalation's thread."""
        await self.desk.open_case(case.conversation, case.channel, case.sender, case.language, callback=False)
        await self.desk.tell_threads(case, f"Callback number left for the morning: {number}")
        await self.services.audit.record(
            "callback.left", actor="patient", conversation=case.conversation, channel=source.name
        )
        name = self.services.clinic_name(case.language)
        return _notice(say("callback", case.language, clinic=name), case.language, "handoff")

    async def _forget(self, message: Message, source: Source, language: str) -> Reply:
        complete = await self.services.forget(source.name, message.sender_id, actor="patient")
        self.metrics.replies.labels(source.name, "forget").inc()
        name = self.services.clinic_name(language)
        text = say("forgotten" if complete else "forget_incomplete", language, clinic=name)
        return _notice(text, language, "forget")

    async def _audit_escalation(self, item: Escalation, outcome: str) -> None:
        await self.services.audit.record(
            f"escalation.{outcome}",
            conversation=item.conversation,
            channel=item.channel,
            urgency=item.urgency,
            intent=item.intent,
            request_id=item.request_id,
            delivered=item.delivered,
            text=item.text,
        )

    def _over_limit(self, engine: Engine, message: Message, source: Source, wait: int) -> None:
        """Over the limit: raise ``RateLimited``. A red flag is never held back: a limit must not silence an
        emergency."""
        if engine.is_red_flag(message.text):
            log.warning("over the rate limit, answered anyway: a red flag", extra={"channel": source.name})
            return
        self.metrics.rate_limited.labels(source.name).inc()
        raise RateLimited(wait)

    async def _count_hit(self, key: str, per_minute: int) -> int | None:
        return await self.store.rate_limit(key, per_minute) if per_minute > 0 else None

    async def admit_visit(self, source: Source, address: str) -> None:
        """A visit that mints a sender (the web chat page and its web token), counted per client ``address``;
        over the limit, ``RateLimited``: page loads are free, so they are not unlimited."""
        wait = await self._count_hit(f"visit:{address}", self.settings.address_rate_limit)
        if wait is not None:
            self.metrics.rate_limited.labels(source.name).inc()
            raise RateLimited(wait)

    def _count(self, source: Source, reply: Reply) -> None:
        metrics = self.metrics
        metrics.replies.labels(source.name, reply.intent).inc()
        if reply.fallback:
            metrics.fallbacks.labels(source.name).inc()
        if reply.emergency:
            metrics.emergencies.labels(source.name, reply.urgency or "unknown").inc()

    def _log(self, message: Message, reply: Reply, source: Source) -> None:
        """On the request's access line when there is one (one line a request), else a line of its own."""
        fields = {"intent": reply.intent, "confidence": reply.confidence, "emergency": reply.emergency}
        if self.settings.log_message_text:
            fields.update(sender=message.sender_id, text=message.text)
        in_request = request_fields.get()
        if in_request is not None and LINE_WRITTEN not in in_request:
            in_request.update(fields)
        else:
            log.info("reply", extra={"channel": source.name, **fields})

    # -- escalations -----------------------------------------------------------------------------
    def add_escalation_sink(self, sink: EscalationSink) -> None:
        """A channel that can reach staff (Slack's staff channel) registers here."""
        self.escalations.add_sink(sink)

    def _escalate(
        self, message: Message, reply: Reply, source: Source, no_reply: str | None = None, contact: str | None = None
    ) -> None:
        """Tell staff in the background, from the reply's typed fields: the patient's answer never waits for Slack.

        Message text and sender only when message-text logging is on; the patient's own contact (their number)
        only when no reply could reach them, since then it is the one way staff can act.
        """
        loud = self.settings.log_message_text
        conversation = self.ids.conversation(source.name, message.sender_id)
        live = no_reply is None and self.desk.live(source.name)
        alarm = reply.emergency or reply.urgency == "crisis"
        self.escalations.send(
            Escalation(
                channel=source.name,
                label=source.label,
                emergency=reply.emergency,
                urgency=reply.urgency,
                time=datetime.now(UTC),
                request_id=request_id.get(),
                intent=reply.intent,
                audience=reply.audience,
                language=reply.language,
                language_name=self._language_name(reply.language),
                conversation=conversation,
                delivered=no_reply is None,
                undelivered_reason=no_reply,
                contact=contact if no_reply is not None else None,
                live=live,
                after_hours=live and reply.handoff and not alarm and not self.services.hours.is_open(datetime.now(UTC)),
                text=message.text if loud else None,
                sender=message.sender_id if loud else None,
            ),
            key=conversation,
        )

    def _language_name(self, code: str) -> str:
        """The patient's language as staff (who read English) call it: "Spanish"."""
        content = self.content
        names = content.language_names.get("en", {}) if content else {}
        return names.get(code, code)


def _silent(language: str) -> Reply:
    """Nothing to say: staff hold the conversation and have the message (a channel sends no text for it)."""
    return Reply(intent="handoff", confidence=1.0, text="", language=language)


def _notice(text: str, language: str, intent: str) -> Reply:
    """The desk's own sentence as a reply (no consult prompt: it is not an answer about Botox)."""
    return Reply(intent=intent, confidence=1.0, text=text, answer=text, language=language)


def _with_sentence(reply: Reply, sentence: str) -> Reply:
    """The reply led by the desk's sentence (staff were asked; or when the desk opens), then its own answer (the
    clinic's number and the safety line), then its consult prompt."""
    answer = f"{sentence} {reply.answer}".strip() if reply.answer else sentence
    if reply.answer and reply.answer in reply.text:
        text = reply.text.replace(reply.answer, answer, 1)
    else:
        text = f"{sentence}\n\n{reply.text}" if reply.text else sentence
    return reply.model_copy(update={"answer": answer, "text": text})


def desk_services(settings: Settings, store: Store) -> DeskServices:
    """The desk as the server builds it, for the command line (``review``, ``report``, ``forget``, ``audit``)."""
    return DeskServices(_desk_config(settings), store, ConversationIds.from_settings(settings))


def _desk_config(settings: Settings) -> DeskConfig:
    return DeskConfig(
        data_dir=settings.data_dir,
        audit_log=settings.audit_log,
        shared=settings.redis.url is not None,
        message_text=settings.log_message_text,
        handoff_timeout_seconds=settings.handoff_timeout_seconds,
        review=settings.review,
        review_retention_days=settings.review_retention_days,
        clinic_name=settings.clinic_name,
        staff_names=settings.staff_names,
        region=(settings.country or "US"),
    )


def _escalation_policy(settings: Settings) -> EscalationPolicy:
    return EscalationPolicy(
        window_seconds=settings.escalation_window_seconds,
        global_per_minute=settings.escalation_per_minute,
        queue_size=settings.escalation_queue_size,
        concurrency=settings.escalation_concurrency,
        max_attempts=settings.escalation_attempts,
    )
