"""The desk in Microsoft Teams: escalations as cards in the staff channel, "Take over" / "Hand back", and staff
replies in the card's thread.

Teams lets a bot post into a channel only proactively, with the channel's Bot Connector address (its
``serviceUrl``), which the bot learns from any activity it receives there: so staff mention the bot once in the
channel named by ``BOTOX_BOT_TEAMS_STAFF_CHANNEL`` (the bot says it is ready), and that address is kept in the
store for every instance. Only that channel, from the settings, can become the desk: nobody can redirect
escalations to a chat of their own.

Each escalation is a new post (a thread root) in the channel. A click on its "Take over" arrives from the thread
(conversation id ``<channel>;messageid=<root>``), which is then the case's thread: staff replies written there
(mentioning the bot, as Teams delivers channel messages to bots only then) go to the patient, and patient
messages are posted there.
"""

from __future__ import annotations

import logging
from typing import Any

from microsoft_agents.activity import Activity, ActivityTypes, ChannelAccount, ConversationAccount
from microsoft_agents.hosting.core import TurnContext

from botox_bot.channels.formatting import AUDIENCE, escalation_headline, escalation_summary
from botox_bot.channels.teams.cards import CARD_CONTENT_TYPE, card
from botox_bot.desk.handoff import Desk, Result
from botox_bot.escalation import Escalation
from botox_bot.store import Store

log = logging.getLogger("botox_bot.teams")

SIDE = "teams"
DESK_KEY = "desk"  # in a card button's data: {"desk": "take" | "back", "conversation": "c-..."}
ADDRESS = "desk:teams:address"  # the staff channel's Bot Connector address, learnt from an activity there
ADDRESS_TTL = 365 * 86400
DEGRADED = (
    "⚠️ The shared store (Redis) is unreachable, so this handoff lives on one instance only: a patient served by "
    "another instance may not get replies. If it is urgent, call the patient."
)


class TeamsDesk:
    name = SIDE

    def __init__(
        self,
        desk: Desk,
        adapter: Any,
        app_id: str,
        staff_channel: str,
        store: Store,
        staff_names: bool,
        timeout_minutes: int,
    ):
        self.desk = desk
        self.adapter = adapter
        self.app_id = app_id
        self.staff_channel = staff_channel
        self.store = store
        self.staff_names = staff_names
        self.timeout_minutes = timeout_minutes

    # -- the staff channel's address ------------------------------------------------------------------------
    async def learn(self, activity: Activity) -> bool:
        """Keep the staff channel's address from an activity received there; True when the activity was there."""
        if _channel_of(activity) != self.staff_channel:
            return False
        address = {
            "service_url": activity.service_url,
            "tenant": activity.conversation.tenant_id if activity.conversation else None,
            "bot": activity.recipient.id if activity.recipient else None,
        }
        known = await self.store.get_context(ADDRESS)
        if known != address:
            await self.store.set_context(ADDRESS, address, ADDRESS_TTL)
            log.info("teams staff channel address learnt")
        return True

    async def _send(self, conversation: str, activity: Activity) -> str | None:
        """Post ``activity`` proactively to ``conversation`` (the channel, or a thread in it); its id."""
        address = await self.store.get_context(ADDRESS)
        if not address:
            raise RuntimeError(
                "the Teams staff channel's address is not known yet: mention the bot once in that channel"
            )
        continuation = Activity(
            type=ActivityTypes.event,
            name="continueConversation",
            channel_id="msteams",
            service_url=address["service_url"],
            conversation=ConversationAccount(
                id=conversation, tenant_id=address.get("tenant"), is_group=True, conversation_type="channel"
            ),
            recipient=ChannelAccount(id=address.get("bot") or f"28:{self.app_id}"),
        )
        sent: dict[str, str | None] = {}

        async def callback(context: TurnContext) -> None:
            response = await context.send_activity(activity)
            sent["id"] = response.id if response else None

        await self.adapter.continue_conversation(self.app_id, continuation, callback)
        return sent.get("id")

    # -- the escalation sink and the desk's StaffSide ------------------------------------------------------
    async def escalate(self, item: Escalation) -> None:
        summary, body = escalation_card(item)
        posted = await self._send(self.staff_channel, _card(summary, body))
        if item.live and item.conversation and item.summary is None and posted:
            key = f"{self.staff_channel};messageid={posted}"
            await self.desk.note_thread(item.conversation, SIDE, {"conversation": key, "key": key}, key)

    async def post(self, thread: dict[str, Any], text: str) -> None:
        await self._send(thread["conversation"], Activity(type=ActivityTypes.message, text=text))

    async def announce(self, text: str) -> None:
        await self._send(self.staff_channel, Activity(type=ActivityTypes.message, text=text.replace("\n", "\n\n")))

    # -- activities in the staff channel -------------------------------------------------------------------
    async def on_message(self, context: TurnContext, text: str) -> bool:
        """A desk button or a reply in a case's thread: handled here (True); anything else is the bot's (False)."""
        activity = context.activity
        value: dict[str, Any] = activity.value if isinstance(activity.value, dict) else {}
        action = value.get(DESK_KEY)
        conversation_id = activity.conversation.id if activity.conversation else ""
        if action in ("take", "back"):
            conversation = str(value.get("conversation") or "")
            if conversation:
                await self._button(context, action, conversation, conversation_id)
            return True
        if _channel_of(activity) != self.staff_channel:
            return False
        case = await self.desk.thread_case(SIDE, conversation_id)
        if case is None:
            if text.lower().strip(" .!") in ("desk", "desk here", "desk status"):
                await context.send_activity(
                    "This channel is the clinic's desk: emergencies and requests for a person on patient channels "
                    "are posted here, and staff can take a conversation over from its card."
                )
                return True
            return False
        await self._reply(context, case, text)
        return True

    async def _button(self, context: TurnContext, action: str, conversation: str, thread_key: str) -> None:
        staff = _staff(context.activity)
        if action == "back":
            result = await self.desk.hand_back(conversation, staff)
            text = (
                "Handed back to the bot; the patient was told."
                if result.outcome == "returned"
                else "Nobody holds this conversation: the bot is answering it."
            )
            await self._say(context, text, result)
            return
        thread = {"conversation": thread_key, "key": thread_key}
        await self.desk.note_thread(conversation, SIDE, thread, thread_key)
        result = await self.desk.take_over(conversation, SIDE, thread, staff)
        if result.outcome == "taken":
            signed = "with your name" if self.staff_names else "as the clinic"
            text = (
                f"{_display(context.activity)} took over. Replies in this thread (mention the bot) go to the patient "
                f"({signed}); their messages appear here. Red flags are still answered by the bot at once. Hand back "
                f"when done, or it returns to the bot after {self.timeout_minutes} min without a reply."
            )
            if result.reason:
                text += f" The patient could not be told of the change: {result.reason}."
        elif result.outcome == "held":
            text = "Already taken over by a colleague."
        else:
            text = "This conversation is closed: the patient asked to be forgotten, or it expired."
        await self._say(context, text, result, conversation if result.outcome == "taken" else None)

    async def _reply(self, context: TurnContext, conversation: str, text: str) -> None:
        if not text:
            return
        author = _display(context.activity) if self.staff_names else None
        result = await self.desk.staff_reply(conversation, text, _staff(context.activity), author)
        if result.outcome == "delivered":
            if result.degraded:
                await context.send_activity(DEGRADED)
            return
        reasons = {
            "not held": "Not sent: nobody holds this conversation. Press Take over first.",
            "gone": "Not sent: this conversation is closed (the patient asked to be forgotten, or it expired).",
        }
        await self._say(
            context, reasons.get(result.outcome) or f"Not delivered to the patient: {result.reason}.", result
        )

    async def _say(self, context: TurnContext, text: str, result: Result, hold: str | None = None) -> None:
        body: list[dict[str, Any]] = [_text(text)]
        if result.degraded:
            body.append(_text(DEGRADED, color="warning"))
        if hold:
            body.append(_buttons([("Hand back to the bot", "back", hold)]))
        await context.send_activity(_card(text, body))


def escalation_card(item: Escalation) -> tuple[str, list[dict[str, Any]]]:
    """The escalation as an Adaptive Card body: headline, what the patient was told, the facts, Take over."""
    summary = escalation_summary(item)
    facts = [
        {"title": "Channel", "value": item.label},
        {"title": "Time", "value": item.time.strftime("%Y-%m-%d %H:%M UTC")},
        {"title": "Request id", "value": item.request_id},
        {"title": "Language", "value": f"patient writes in {item.language_name}"},
    ]
    if item.conversation:
        facts.append({"title": "Conversation", "value": item.conversation})
    if item.audience in AUDIENCE:
        facts.append({"title": "Who", "value": AUDIENCE[item.audience]})
    if item.contact:
        facts.append({"title": "Reach them at", "value": item.contact})
    if item.sender:
        facts.append({"title": "Sender", "value": item.sender})
    color = "attention" if item.severity >= 2 else "default"
    body: list[dict[str, Any]] = [
        _text(escalation_headline(item), weight="bolder", size="large", color=color),
        _text(summary),
        {"type": "FactSet", "facts": facts},
        _text(
            f"Message: {item.text}"
            if item.text is not None
            else "Message text withheld: health information is not copied here unless BOTOX_BOT_LOG_MESSAGE_TEXT "
            "is on.",
            isSubtle=item.text is None,
        ),
    ]
    if item.after_hours:
        body.append(_text("Outside business hours: a callback number the patient leaves will appear in this thread."))
    if item.live and item.conversation and item.summary is None:
        body.append(_buttons([("Take over", "take", item.conversation)]))
    return summary, body


def _buttons(actions: list[tuple[str, str, str]]) -> dict[str, Any]:
    return {
        "type": "ActionSet",
        "actions": [
            {"type": "Action.Submit", "title": title, "data": {DESK_KEY: action, "conversation": conversation}}
            for title, action, conversation in actions
        ],
    }


def _card(summary: str, body: list[dict[str, Any]]) -> Activity:
    from microsoft_agents.activity import Attachment

    return Activity(
        type=ActivityTypes.message,
        summary=summary,
        attachments=[Attachment(content_type=CARD_CONTENT_TYPE, content=card(body, summary))],
    )


def _text(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": text, "wrap": True, **style}


def _channel_of(activity: Activity) -> str | None:
    """The Teams channel an activity is in (its conversation id without the thread part), or None outside one."""
    conversation = activity.conversation
    if conversation is None or conversation.conversation_type != "channel" or not conversation.id:
        return None
    return conversation.id.split(";", 1)[0]


def _staff(activity: Activity) -> str:
    user = activity.from_property
    return f"teams:{(user.aad_object_id or user.id) if user else '-'}"


def _display(activity: Activity) -> str:
    user = activity.from_property
    return (user.name if user and user.name else None) or "A colleague"
