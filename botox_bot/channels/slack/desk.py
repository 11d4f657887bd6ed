"""The desk in Slack: the staff channel's escalation threads, "Take over" and "Hand back", and staff replies.

An escalation about a conversation staff can take over (a web chat or SMS patient) carries a "Take over" button.
Whoever presses it holds the conversation: every reply they (or a colleague) write in that thread goes to the
patient as the clinic (or with their Slack name, when ``BOTOX_BOT_STAFF_NAMES`` is on), and every patient
message comes back into the thread. "Hand back" (or the handoff timeout) returns it to the bot. A reply that
did reach the patient gets a check mark; one that did not says why, in the thread.

Slack is only the staff side here: the state is the desk's (``botox_bot.desk.handoff``), in the store.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from botox_bot.channels.slack.blocks import escape, hand_back_button
from botox_bot.desk.handoff import Desk, Result

log = logging.getLogger("botox_bot.slack")

SIDE = "slack"
DEGRADED = (
    ":warning: The shared store (Redis) is unreachable, so this handoff lives on one instance only: a patient "
    "served by another instance may not get replies. If it is urgent, call the patient."
)


def thread_of(channel: str, ts: str) -> tuple[dict[str, Any], str]:
    """A Slack thread as the desk keeps it, and its key."""
    key = f"{channel}:{ts}"
    return {"channel": channel, "ts": ts, "key": key}, key


class SlackDesk:
    """The desk's staff side in Slack: posts in threads, and answers the buttons and thread replies."""

    name = SIDE

    def __init__(self, desk: Desk, client: AsyncWebClient, staff_channel: str, staff_names: bool, timeout_minutes: int):
        self.desk = desk
        self.client = client
        self.staff_channel = staff_channel
        self.staff_names = staff_names
        self.timeout_minutes = timeout_minutes

    # -- the desk's StaffSide -----------------------------------------------------------------------
    async def post(self, thread: dict[str, Any], text: str) -> None:
        await self.client.chat_postMessage(
            channel=thread["channel"], thread_ts=thread["ts"], text=escape(text), unfurl_links=False
        )

    async def announce(self, text: str) -> None:
        await self.client.chat_postMessage(channel=self.staff_channel, text=escape(text), unfurl_links=False)

    async def escalated(self, conversation: str, channel: str, ts: str) -> None:
        """An escalation was posted: its thread is this conversation's."""
        thread, key = thread_of(channel, ts)
        await self.desk.note_thread(conversation, SIDE, thread, key)

    # -- buttons ----------------------------------------------------------------------------------------
    async def on_take_over(self, ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        conversation, user = str(action.get("value") or ""), body["user"]["id"]
        channel, root = _where(body)
        if not (conversation and channel and root):
            return
        thread, key = thread_of(channel, root)
        await self.desk.note_thread(conversation, SIDE, thread, key)
        result = await self.desk.take_over(conversation, SIDE, thread, f"slack:{user}")
        await self._say(thread, self._taken_text(result, user), result, conversation)

    async def on_hand_back(self, ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        conversation, user = str(action.get("value") or ""), body["user"]["id"]
        channel, root = _where(body)
        if not (conversation and channel and root):
            return
        result = await self.desk.hand_back(conversation, f"slack:{user}")
        text = (
            f"<@{user}> handed the conversation back to the bot; the patient was told."
            if result.outcome == "returned"
            else "This conversation is not held by anyone: the bot is answering it."
        )
        if result.outcome == "returned" and result.reason:
            text += f" (The patient could not be told: {escape(result.reason)}.)"
        await self._say(thread_of(channel, root)[0], text, result)

    # -- a staff reply in a thread ----------------------------------------------------------------------
    async def is_case_thread(self, event: dict[str, Any]) -> bool:
        root = event.get("thread_ts")
        return bool(root) and await self.desk.thread_case(SIDE, f"{event['channel']}:{root}") is not None

    async def on_thread_reply(self, event: dict[str, Any]) -> bool:
        """A message in a thread: when the thread is a case's, it is a reply for the patient (True); else False."""
        channel, root = event["channel"], event.get("thread_ts")
        if not root:
            return False
        conversation = await self.desk.thread_case(SIDE, f"{channel}:{root}")
        if conversation is None:
            if channel == self.staff_channel and await self.desk.degraded():
                await self.post(thread_of(channel, root)[0], f"Not sent. {DEGRADED}")
                return True
            return False
        user, text = event["user"], (event.get("text") or "").strip()
        if not text:
            return True
        author = await self._name(user) if self.staff_names else None
        result = await self.desk.staff_reply(conversation, text, f"slack:{user}", author)
        thread = thread_of(channel, root)[0]
        if result.outcome == "delivered":
            await self._react(channel, event["ts"])
            if result.degraded:
                await self.post(thread, DEGRADED)
            return True
        if result.degraded and result.outcome in ("not held", "gone"):
            await self.post(thread, f"Not sent. {DEGRADED}")
            return True
        reasons = {
            "not held": "Not sent: nobody holds this conversation. Press *Take over* first.",
            "gone": "Not sent: this conversation is closed (the patient asked to be forgotten, or it expired).",
        }
        message = reasons.get(result.outcome) or f"Not delivered to the patient: {escape(result.reason or 'unknown')}."
        await self._say(thread, message, result)
        return True

    # -- helpers ----------------------------------------------------------------------------------------
    def _taken_text(self, result: Result, user: str) -> str:
        if result.outcome == "taken":
            signed = "with your Slack name" if self.staff_names else "as the clinic"
            text = (
                f"<@{user}> took over. Replies in this thread go to the patient ({signed}); their messages appear "
                f"here. Red flags are still answered by the bot at once. Hand back when done, or it returns to the "
                f"bot after {self.timeout_minutes} min without a reply."
            )
            if result.reason:
                text += f" The patient could not be told of the change: {escape(result.reason)}."
            return text
        if result.outcome == "held":
            holder = str(result.holder or "")
            who = f"<@{holder.removeprefix('slack:')}>" if holder.startswith("slack:") else "a colleague"
            return f"Already taken over by {who}."
        return "This conversation is closed: the patient asked to be forgotten, or it expired."

    async def _say(self, thread: dict[str, Any], text: str, result: Result, conversation: str | None = None) -> None:
        blocks: list[dict[str, Any]] = [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]
        if result.degraded:
            blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": DEGRADED}]})
        if conversation and result.outcome == "taken":
            blocks.append(hand_back_button(conversation))
        await self.client.chat_postMessage(
            channel=thread["channel"], thread_ts=thread["ts"], text=text, blocks=blocks, unfurl_links=False
        )

    async def _react(self, channel: str, ts: str) -> None:
        try:
            await self.client.reactions_add(channel=channel, timestamp=ts, name="white_check_mark")
        except SlackApiError:
            log.info("slack: no reaction added (reactions:write missing?)")

    async def _name(self, user: str) -> str | None:
        """The staff member's display name (``users:read``), or None to sign as the clinic."""
        try:
            found: dict[str, Any] = (await self.client.users_info(user=user)).get("user") or {}
        except SlackApiError:
            return None
        profile: dict[str, Any] = found.get("profile") or {}
        return profile.get("display_name") or profile.get("real_name") or None


def _where(body: dict[str, Any]) -> tuple[str | None, str | None]:
    """The channel and the thread root a button was clicked in (the escalation post is the root)."""
    channel = (body.get("channel") or {}).get("id")
    message = body.get("message") or {}
    return channel, message.get("thread_ts") or message.get("ts")
