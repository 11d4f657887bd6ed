"""A ``Reply`` as a Microsoft Teams message: an Adaptive Card, with a plain-text fallback.

Pure functions, no SDK client: ``botox_bot.channels.teams`` sends what these build.

The card reads top to bottom: the emergency heading (only for an emergency), the answer, the choices as
buttons, the consult prompt, the sources. A button is an ``Action.Submit`` whose ``data`` carries the choice's
payload under ``botox_choice``; Teams posts it back as a message activity whose ``value`` is that data, and
the ``msteams`` ``messageBack`` part shows the button's title in the chat as if the person had typed it.

The plain-text fallback goes in the activity's ``summary`` and the card's ``fallbackText``, never in the
activity's ``text``: Teams splits an activity that has both ``text`` and a card into two chat messages, so the
answer would show twice (MicrosoftDocs/msteams-docs#1998, microsoft/BotFramework-Services#98).
"""

from __future__ import annotations

from typing import Any

from botox_bot.channels.formatting import emergency_heading, listing, site
from botox_bot.core.models import Choice, Reply

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
CARD_VERSION = "1.5"  # the newest version Teams renders on desktop, web and mobile
CHOICE_KEY = "botox_choice"
_MAX_CHOICES = 6  # more buttons than this wrap badly on a phone
_MAX_SOURCES = 8


def reply_message(reply: Reply) -> tuple[str, dict[str, Any]]:
    """The fallback text and the Adaptive Card for one reply."""
    fallback = reply.text
    body: list[dict[str, Any]] = []
    heading = emergency_heading(reply)
    if heading is not None:
        fallback = f"{heading}. {fallback}"
        body.append(_text(heading, color="attention", weight="bolder", size="large"))
    body.append(_text(reply.answer or reply.text))
    if reply.choices:
        body.append(choice_buttons(reply.choices))
    if reply.consult:
        body.append(_text(reply.consult, isSubtle=True, spacing="medium"))
    if reply.sources:
        links = " · ".join(f"[{site(url)}]({url})" for url in reply.sources[:_MAX_SOURCES])
        body.append(_text(f"Sources: {links}", isSubtle=True, size="small"))
    return fallback, card(body, fallback)


def welcome_message(
    clinic_name: str, bot_name: str | None, in_group: bool, topics: list[Choice]
) -> tuple[str, dict[str, Any]]:
    """What the bot says when it is added: what it answers (the content's topics, as buttons), and (in channels)
    that it needs a mention."""
    intro = f"Hi! I answer common questions about Botox for {clinic_name}."
    about = f"I can tell you about {listing([t.title for t in topics])}." if topics else ""
    how = (
        f"Mention me (@{bot_name or 'the bot'}) with your question."
        if in_group
        else "Ask me a question, or pick a topic."
    )
    note = "This is general information, not medical advice. In an emergency, call your local emergency number."
    fallback = " ".join(part for part in (intro, about, how, note) if part)
    body = [_text(intro, weight="bolder")]
    if topics:
        body.append(_text(about))
    body.append(_text(how))
    if topics:
        body.append(choice_buttons(topics))
    body.append(_text(note, isSubtle=True, size="small"))
    return fallback, card(body, fallback)


def choice_buttons(choices: list[Choice]) -> dict[str, Any]:
    """An ``ActionSet`` of ``Action.Submit`` buttons, one a choice, placed where it stands in the body."""
    return {
        "type": "ActionSet",
        "actions": [
            {
                "type": "Action.Submit",
                "title": choice.title,
                "data": {
                    CHOICE_KEY: choice.payload,
                    "msteams": {
                        "type": "messageBack",
                        "displayText": choice.title,
                        "text": choice.title,
                        "value": {CHOICE_KEY: choice.payload},
                    },
                },
            }
            for choice in choices[:_MAX_CHOICES]
        ],
    }


def chosen_payload(value: Any) -> str | None:
    """The payload of a clicked choice, from a message activity's ``value``; ``None`` when it is not one.

    Teams sends the button's ``data`` (with the ``msteams`` part folded in); the payload is looked for at the
    top level and, for clients that pass the ``messageBack`` value on as it was written, under ``msteams``.
    """
    if not isinstance(value, dict):
        return None
    msteams = value.get("msteams")
    for place in (value, msteams.get("value") if isinstance(msteams, dict) else None):
        payload = place.get(CHOICE_KEY) if isinstance(place, dict) else None
        if isinstance(payload, str) and payload.strip():
            return payload[:2000]
    return None


def card(body: list[dict[str, Any]], fallback: str) -> dict[str, Any]:
    return {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": CARD_VERSION,
        "fallbackText": fallback,
        "body": body,
        "msteams": {"width": "Full"},
    }


def _text(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": text, "wrap": True, **style}
