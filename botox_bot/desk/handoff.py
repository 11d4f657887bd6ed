"""Live handoff: staff take a patient's conversation over from the staff channel, reply, and hand it back.

The state lives in the store, so any instance can serve either side (the Slack event that carries a staff reply
may reach one instance and the patient's web page poll another):

- ``desk:case:<id>``: a conversation staff were told about: its channel, how to reach the patient (the sender id:
  a web chat's page id, or an SMS number), its language, and the staff threads it was posted in. Kept two days
  after the last activity; "forget me" deletes it.
- ``desk:thread:<side>:<thread>``: which conversation a staff thread is about (a Slack ``channel:ts``, a Teams
  conversation id).
- ``desk:hold:<id>``: who holds the conversation, since when and until when (each staff reply extends it by
  the handoff timeout). While it holds, the bot does not answer (red flags excepted: see the runtime).
- ``desk:outbox:<id>``: staff replies waiting for the web chat's poll.

The patient is told each change (taken over, handed back, timed out) on their channel, through the channel's
*deliverer*: the web chat's outbox, SMS through Twilio's REST API. A conversation on a channel with no deliverer
(the webhook, the phone line) is escalated as before, without a "Take over" button.

When the store is degraded (Redis down), every step still works on this instance's memory, and the staff side is
told plainly that a patient served by another instance may not see the replies.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from botox_bot.desk.audit import AuditLog
from botox_bot.desk.ids import ConversationIds
from botox_bot.desk.texts import say
from botox_bot.store import Store

log = logging.getLogger("botox_bot.desk")

CASE_TTL_SECONDS = 2 * 86400
THREAD_TTL_SECONDS = 7 * 86400
OUTBOX_MAX = 100
POLL_SECONDS = 0.1  # how often a waiting web chat poll looks at the shared outbox (another instance's replies)


class Undeliverable(Exception):
    """The patient cannot be reached on their channel (opted out, the channel's API refused)."""


@dataclass(frozen=True)
class Case:
    conversation: str
    channel: str
    sender: str
    language: str = "en"
    opened: float = 0.0
    threads: dict[str, dict[str, Any]] = field(default_factory=dict)  # side -> thread (Slack: channel, ts)
    callback: bool = False  # asked outside business hours: the next phone number is a callback number

    def record(self) -> dict[str, Any]:
        return {
            "channel": self.channel,
            "sender": self.sender,
            "language": self.language,
            "opened": self.opened,
            "threads": self.threads,
            "callback": self.callback,
        }


@dataclass(frozen=True)
class Outgoing:
    """What reaches the patient: a staff reply (``kind="staff"``) or a notice from the desk (``"notice"``)."""

    kind: str
    text: str
    author: str  # how the patient sees it signed: the clinic, or a staff member's name when the setting says so

    def record(self) -> dict[str, Any]:
        return {"kind": self.kind, "text": self.text, "author": self.author, "t": round(time.time(), 3)}


Deliverer = Callable[[Case, Outgoing], Awaitable[None]]


class StaffSide(Protocol):
    """A staff channel that can post into a case's thread (Slack, Teams)."""

    name: str

    async def post(self, thread: dict[str, Any], text: str) -> None: ...

    async def announce(self, text: str) -> None:
        """Post in the staff channel itself (the weekly digest)."""
        ...


@dataclass(frozen=True)
class Result:
    """What a staff action did. ``outcome``: taken, already held (``holder``), gone (forgotten or expired), not held,
    delivered, undelivered (``reason``). ``degraded``: the store is on local memory (Redis down)."""

    outcome: str
    holder: str | None = None
    reason: str | None = None
    degraded: bool = False


class Desk:
    def __init__(
        self,
        store: Store,
        ids: ConversationIds,
        audit: AuditLog,
        clinic_name: Callable[[str], str],
        timeout_seconds: float = 1800,
        clock: Callable[[], float] = time.time,
    ):
        self.store = store
        self.ids = ids
        self.audit = audit
        self.clinic_name = clinic_name  # language -> the clinic's name in it ("our clinic" / "nuestra clínica")
        self.timeout = timeout_seconds
        self._clock = clock
        self.deliverers: dict[str, Deliverer] = {}
        self.sides: dict[str, StaffSide] = {}
        self._wakeups: dict[str, asyncio.Event] = {}
        self._holds_here: dict[str, float] = {}  # conversations held through this instance -> until (the sweeper)

    # -- wiring ---------------------------------------------------------------------------------------
    def add_deliverer(self, channel: str, deliverer: Deliverer) -> None:
        """A patient channel that can carry staff replies (web chat, SMS) registers how."""
        self.deliverers[channel] = deliverer

    def add_side(self, side: StaffSide) -> None:
        self.sides[side.name] = side

    def live(self, channel: str) -> bool:
        """Staff can take over a conversation on ``channel``: it can carry their replies, and a staff side exists."""
        return channel in self.deliverers and bool(self.sides)

    async def degraded(self) -> bool:
        return await self.store.status() == "degraded"

    # -- cases ----------------------------------------------------------------------------------------
    async def open_case(
        self, conversation: str, channel: str, sender: str, language: str, callback: bool = False
    ) -> Case:
        """Remember how to reach the patient of an escalated conversation (kept two days after the last activity)."""
        old = await self.case(conversation)
        case = Case(
            conversation=conversation,
            channel=channel,
            sender=sender,
            language=language,
            opened=old.opened if old else round(self._clock(), 3),
            threads=old.threads if old else {},
            callback=callback or (old.callback if old else False),
        )
        await self._save(case)
        return case

    async def case(self, conversation: str) -> Case | None:
        record = await self.store.get_context(self.ids.key("case", conversation))
        if not record:
            return None
        return Case(conversation=conversation, **{k: record[k] for k in Case.__dataclass_fields__ if k in record})

    async def _save(self, case: Case) -> None:
        await self.store.set_context(self.ids.key("case", case.conversation), case.record(), CASE_TTL_SECONDS)

    async def note_thread(self, conversation: str, side: str, thread: dict[str, Any], key: str) -> None:
        """An escalation was posted: its thread (``key``, e.g. Slack's ``C0STAFF:1700000000.000100``) is this case's."""
        await self.store.set_context(
            self.ids.key(f"thread:{side}", key), {"conversation": conversation}, THREAD_TTL_SECONDS
        )
        case = await self.case(conversation)
        if case is not None:
            await self._save(Case(**{**case.__dict__, "threads": {**case.threads, side: thread}}))

    async def thread_case(self, side: str, key: str) -> str | None:
        found = await self.store.get_context(self.ids.key(f"thread:{side}", key))
        return found.get("conversation") if found else None

    # -- holds ----------------------------------------------------------------------------------------
    async def hold(self, conversation: str) -> dict[str, Any] | None:
        return await self.store.get_context(self.ids.key("hold", conversation))

    def expired(self, hold: dict[str, Any]) -> bool:
        return float(hold.get("until", 0)) <= self._clock()

    async def take_over(self, conversation: str, side: str, thread: dict[str, Any], staff: str) -> Result:
        degraded = await self.degraded()
        case = await self.case(conversation)
        if case is None:
            return Result("gone", degraded=degraded)
        current = await self.hold(conversation)
        if current and not self.expired(current) and current.get("staff") != staff:
            return Result("held", holder=current.get("staff"), degraded=degraded)
        now = self._clock()
        hold = {"side": side, "thread": thread, "staff": staff, "since": round(now, 3), "until": now + self.timeout}
        await self._save_hold(conversation, hold)
        await self.audit.record("handoff.taken", actor=staff, conversation=conversation, channel=case.channel)
        reason = await self._tell_patient(case, "taken")
        return Result("taken", holder=staff, reason=reason, degraded=degraded)

    async def _save_hold(self, conversation: str, hold: dict[str, Any]) -> None:
        # kept a day past its end, so that a patient writing after a timeout is told they are back with the bot
        ttl = int(float(hold["until"]) - self._clock()) + 86400
        await self.store.set_context(self.ids.key("hold", conversation), hold, ttl)
        self._holds_here[conversation] = float(hold["until"])

    async def hand_back(self, conversation: str, actor: str, reason: str = "staff") -> Result:
        """Give the conversation back to the bot (``reason``: staff pressed Hand back, or ``timeout``)."""
        hold = await self.hold(conversation)
        self._holds_here.pop(conversation, None)
        if hold is None:
            return Result("not held", degraded=await self.degraded())
        if reason == "timeout" and not await self.store.claim(f"desk:handback:{conversation}:{hold['since']}", 86400):
            return Result("not held")  # another instance is handing it back
        await self.store.set_context(self.ids.key("hold", conversation), {}, 0)
        case = await self.case(conversation)
        event = "handoff.timed_out" if reason == "timeout" else "handoff.returned"
        await self.audit.record(event, actor=actor, conversation=conversation, channel=case.channel if case else None)
        told = await self._tell_patient(case, "timed_out" if reason == "timeout" else "returned") if case else None
        side = self.sides.get(str(hold.get("side")))
        if side is not None and reason == "timeout":
            await self._post(side, hold["thread"], "Handed back to the bot: no staff reply within the handoff timeout.")
        return Result("returned", reason=told, degraded=await self.degraded())

    async def timed_out(self, conversation: str, hold: dict[str, Any]) -> bool:
        """A hold past its end is handed back now (the patient and the thread are told); True if it was."""
        if not self.expired(hold):
            return False
        await self.hand_back(conversation, "bot", reason="timeout")
        return True

    async def sweep(self) -> None:
        """Hand back the holds taken through this instance whose time is up (another instance may hold others:
        those are handed back when their patient next writes)."""
        now = self._clock()
        for conversation, until in list(self._holds_here.items()):
            if until > now:
                continue
            hold = await self.hold(conversation)
            if hold is None:
                self._holds_here.pop(conversation, None)
            elif not await self.timed_out(conversation, hold):
                self._holds_here[conversation] = float(hold.get("until", 0))

    # -- messages ---------------------------------------------------------------------------------------
    async def staff_reply(self, conversation: str, text: str, staff: str, author: str | None = None) -> Result:
        """A staff member's reply, to the patient on their channel, signed as the clinic (or ``author``)."""
        degraded = await self.degraded()
        hold = await self.hold(conversation)
        case = await self.case(conversation)
        if case is None:
            return Result("gone", degraded=degraded)
        if hold is None or self.expired(hold):
            return Result("not held", degraded=degraded)
        hold["until"] = self._clock() + self.timeout
        await self._save_hold(conversation, hold)
        signed = author or self.clinic_name(case.language)
        reason = await self._deliver(case, Outgoing("staff", text, signed))
        await self.audit.record(
            "staff.reply",
            actor=staff,
            conversation=conversation,
            channel=case.channel,
            text=text,
            delivered=reason is None,
            reason=reason,
        )
        return Result("delivered" if reason is None else "undelivered", reason=reason, degraded=degraded)

    async def patient_wrote(self, conversation: str, text: str, hold: dict[str, Any]) -> bool:
        """Relay a patient's message into the holding staff thread; False when no staff side could take it."""
        side = self.sides.get(str(hold.get("side")))
        if side is None:
            return False
        return await self._post(side, hold["thread"], f"Patient: {text}")

    async def tell_threads(self, case: Case, text: str) -> None:
        """Post ``text`` in every staff thread of ``case`` (a callback number, a red flag while held)."""
        for side_name, thread in case.threads.items():
            side = self.sides.get(side_name)
            if side is not None:
                await self._post(side, thread, text)

    async def _post(self, side: StaffSide, thread: dict[str, Any], text: str) -> bool:
        try:
            await side.post(thread, text)
        except Exception:
            log.exception("desk: could not post in the staff thread", extra={"side": side.name})
            return False
        return True

    async def _tell_patient(self, case: Case, key: str) -> str | None:
        text = say(key, case.language, clinic=self.clinic_name(case.language))
        return await self._deliver(case, Outgoing("notice", text, self.clinic_name(case.language)))

    async def _deliver(self, case: Case, outgoing: Outgoing) -> str | None:
        """None when delivered, else why not."""
        deliverer = self.deliverers.get(case.channel)
        if deliverer is None:
            return f"{case.channel} cannot carry staff replies"
        try:
            await deliverer(case, outgoing)
        except Undeliverable as exc:
            return str(exc)
        except Exception as exc:
            log.exception("desk: delivery to the patient failed", extra={"channel": case.channel})
            return f"{type(exc).__name__}"
        return None

    # -- the web chat's outbox --------------------------------------------------------------------------
    async def push_outbox(self, case: Case, outgoing: Outgoing) -> None:
        """The web chat's deliverer: queue for the page's poll (in the store, so any instance's poll finds it)."""
        await self.store.append(
            self.ids.key("outbox", case.conversation), outgoing.record(), OUTBOX_MAX, CASE_TTL_SECONDS
        )
        event = self._wakeups.get(case.conversation)
        if event is not None:
            event.set()

    async def wait_outbox(self, conversation: str, timeout: float) -> list[dict[str, Any]]:
        """What is waiting for the page, as soon as there is something or after ``timeout`` (a long poll)."""
        key = self.ids.key("outbox", conversation)
        deadline = asyncio.get_running_loop().time() + timeout
        event = self._wakeups.setdefault(conversation, asyncio.Event())
        try:
            while True:
                event.clear()
                found = await self.store.take(key)
                left = deadline - asyncio.get_running_loop().time()
                if found or left <= 0:
                    return found
                try:  # woken at once by a reply through this instance; else look again shortly
                    await asyncio.wait_for(event.wait(), min(POLL_SECONDS, left))
                except TimeoutError:
                    pass
        finally:
            if not event.is_set():
                self._wakeups.pop(conversation, None)

    # -- forget -----------------------------------------------------------------------------------------
    async def forget(self, conversation: str) -> None:
        """Delete the desk's state for a conversation: case, hold, outbox, and the thread index entries."""
        case = await self.case(conversation)
        for side, thread in (case.threads if case else {}).items():
            key = thread.get("key")
            if key:
                await self.store.set_context(self.ids.key(f"thread:{side}", key), {}, 0)
        for kind in ("case", "hold"):
            await self.store.set_context(self.ids.key(kind, conversation), {}, 0)
        await self.store.take(self.ids.key("outbox", conversation))
        self._holds_here.pop(conversation, None)
