"""A ``Reply`` as Slack Block Kit: the answer, choices as buttons, the consult prompt and sources in context.

Pure functions, no Slack client: the listeners in ``botox_bot.channels.slack`` send what these build.
"""

from __future__ import annotations

from typing import Any

from botox_bot.channels.formatting import (
    AUDIENCE,
    emergency_heading,
    escalation_headline,
    escalation_summary,
    site,
)
from botox_bot.core.models import Reply
from botox_bot.escalation import Escalation

CHOICE_ACTION = "botox_choice_{}"
TAKE_OVER = "desk_take_over"
HAND_BACK = "desk_hand_back"
FEEDBACK_ACTIONS = {"botox_feedback_yes": "yes", "botox_feedback_no": "no"}
_EMOJI = {"urgent": ":warning:"}  # every other emergency: :rotating_light:
_HEADER_EMOJI = {"call_now": ":rotating_light:", "urgent": ":warning:", "crisis": ":sos:"}

_SECTION_LIMIT = 3000  # characters in a section's text


def escape(text: str) -> str:
    """Slack's three control characters; everything else is shown as written."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def reply_blocks(reply: Reply, feedback: bool = True) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    heading = emergency_heading(reply)
    if heading is not None:
        title = f"{_EMOJI.get(reply.urgency or '', ':rotating_light:')} {heading}"
        blocks.append({"type": "header", "text": {"type": "plain_text", "text": title, "emoji": True}})
    blocks.append(_section(reply.answer or reply.text))
    if reply.choices:
        blocks.append(
            {
                "type": "actions",
                "block_id": "botox_choices",
                "elements": [
                    {
                        "type": "button",
                        "action_id": CHOICE_ACTION.format(i),
                        "value": choice.payload[:2000],
                        "text": {"type": "plain_text", "text": choice.title[:75], "emoji": True},
                    }
                    for i, choice in enumerate(reply.choices[:25])
                ],
            }
        )
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": escape(reply.consult)[:_SECTION_LIMIT]}]})
    if reply.sources:
        links = " · ".join(f"<{url}|{site(url)}>" for url in reply.sources[:8])
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": f"Sources: {links}"}]})
    if feedback and not reply.emergency and not reply.choices:
        blocks.append(
            {
                "type": "actions",
                "block_id": "botox_feedback",
                "elements": [
                    {
                        "type": "button",
                        "action_id": action,
                        "value": reply.intent,
                        "text": {"type": "plain_text", "text": label, "emoji": True},
                    }
                    for action, label in (
                        ("botox_feedback_yes", ":thumbsup: Helpful"),
                        ("botox_feedback_no", ":thumbsdown: Not helpful"),
                    )
                ],
            }
        )
    return blocks


def help_blocks(command: str, topics: list[str]) -> tuple[str, list[dict[str, Any]]]:
    """The ``/botox help`` text; ``topics`` are the content's topic names (none while the bot is starting)."""
    lines = [
        f"`{command} <question>`: ask anything about Botox (only you see the answer)",
        f"`{command} share <question>`: post the answer for the whole channel",
    ]
    if topics:
        names = ", ".join(f"`{t}`" for t in topics)
        lines.append(f"`{command} <topic>`: that topic's answer at once. Topics: {names}")
    text = "\n".join(lines)
    return text, [_section(text, escaped=True)]


def escalation_blocks(item: Escalation) -> tuple[str, list[dict[str, Any]]]:
    """The staff post: what happened and whether the patient got the answer, in plain words, then the details."""
    text = escalation_summary(item)
    when = item.time.strftime("%Y-%m-%d %H:%M UTC")
    fields = [f"*Channel:* {item.label}", f"*Time:* {when}", f"*Request id:* `{item.request_id}`"]
    if item.conversation:
        fields.append(f"*Conversation:* `{item.conversation}`")
    fields.append(f"*Language:* patient writes in {item.language_name}")
    if item.audience in AUDIENCE:
        fields.append(f"*Who:* {AUDIENCE[item.audience]}")
    if item.contact:
        fields.append(f"*Reach them at:* {escape(item.contact)}")
    if item.sender:
        fields.append(f"*Sender:* {escape(item.sender)}")
    message = (
        f"*Message:* {escape(item.text)}"
        if item.text is not None
        else "_Message text withheld: health information is not copied here unless BOTOX_BOT_LOG_MESSAGE_TEXT is on._"
    )
    header = f"{_HEADER_EMOJI.get(item.urgency or '', ':raising_hand:')} {escalation_headline(item)}"
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": header[:150], "emoji": True}},
        _section(escape(text), escaped=True),
        {"type": "section", "fields": [{"type": "mrkdwn", "text": f} for f in fields[:10]]},
        _section(message, escaped=True),
    ]
    if item.after_hours:
        blocks.append(
            _section(
                "_Outside business hours: the patient was told when the desk opens and invited to "
                "leave a callback number, which will appear in this thread._",
                escaped=True,
            )
        )
    if item.live and item.conversation and item.summary is None:
        blocks.append(take_over_button(item.conversation))
    return text, blocks


def take_over_button(conversation: str) -> dict[str, Any]:
    """Under an escalation staff can act on: whoever presses it holds the conversation (``slack/desk.py``)."""
    return _button_row("desk", TAKE_OVER, conversation, "Take over", primary=True)


def hand_back_button(conversation: str) -> dict[str, Any]:
    return _button_row("desk_hold", HAND_BACK, conversation, "Hand back to the bot")


def _button_row(block_id: str, action_id: str, value: str, label: str, primary: bool = False) -> dict[str, Any]:
    button: dict[str, Any] = {
        "type": "button",
        "action_id": action_id,
        "value": value,
        "text": {"type": "plain_text", "text": label, "emoji": True},
    }
    if primary:
        button["style"] = "primary"
    return {"type": "actions", "block_id": block_id, "elements": [button]}


def _section(text: str, escaped: bool = False) -> dict[str, Any]:
    body = text if escaped else escape(text)
    if len(body) > _SECTION_LIMIT:
        body = body[: _SECTION_LIMIT - 1].rsplit(" ", 1)[0] + "…"
    return {"type": "section", "text": {"type": "mrkdwn", "text": body}}
