"""The two shapes that cross the boundary between channels and the core: ``Message`` in, ``Reply`` out."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Urgency = Literal["call_now", "urgent", "crisis"]
"""How fast a person must act, set only by the triage screen (or the classifier's second net):

- ``call_now``: call the emergency number now (breathing, swallowing, swelling, anaphylaxis, FAST, spreading weakness)
- ``urgent``: the emergency department now (suspected spread of toxin: vision, speech, generalised weakness, bladder)
- ``crisis``: self-harm or suicidal thoughts: the crisis line, said with care
"""

Audience = Literal["self", "other", "staff"]
"""Who the message is about: the writer, someone else (a relative), or a patient reported by staff."""

CORE_INTENTS: tuple[str, ...] = (
    "how_it_works",
    "duration",
    "repeat_treatment",
    "medical_uses",
    "safety",
    "emergency",
)
"""The six intents the evaluation calls core; every other intent counts as ``other``."""

TOPIC_INTENTS: tuple[str, ...] = CORE_INTENTS[:5]
"""The five informational topics the bot answers (and offers as choices)."""

REQUIRED_INTENTS: tuple[str, ...] = (*CORE_INTENTS, "out_of_scope", "greet", "thanks", "handoff")


class Message(BaseModel):
    """One incoming message, whatever the channel it came from."""

    model_config = ConfigDict(frozen=True)

    text: str = ""
    sender_id: str = "anonymous"
    channel: str = "cli"
    payload: str | None = Field(
        default=None,
        description='A choice\'s payload when the person clicked a button (e.g. \'/duration{"use":"sweating"}\').',
    )
    metadata: dict[str, Any] = Field(
        default_factory=dict,
        description="What the platform said about the message (Rasa's REST metadata, a Slack or Teams conversation, "
        "a call id). The core does not read it; kept, as Rasa keeps it, for code that handles messages.",
    )
    audience: Audience | None = Field(
        default=None,
        description="'staff' on staff channels (Slack, Teams): emergency answers are then written for staff; "
        "None: the triage screen tells from the words (a relative, staff shorthand, or the person themself).",
    )
    language: str | None = Field(
        default=None,
        description="The language the channel knows the person uses (page language, Slack or Teams locale, "
        "an explicit choice); None: detect it from the text and the conversation.",
    )


class Choice(BaseModel):
    """One option the person can pick: a button where the channel has them, a numbered line elsewhere."""

    title: str
    payload: str


class IntentScore(BaseModel):
    intent: str
    confidence: float


class Reply(BaseModel):
    """What the core answers. ``text`` is the full text as sent, consult prompt included.

    Frozen: the engine hands the same reply to every new sender who sends the same first message (see
    ``Engine.answer``); a change is a ``model_copy(update=...)``."""

    model_config = ConfigDict(frozen=True)

    intent: str
    confidence: float
    text: str
    choices: list[Choice] = Field(default_factory=list)
    sources: list[str] = Field(default_factory=list)
    emergency: bool = Field(default=False, description="urgency is call_now or urgent: the red box.")
    urgency: Urgency | None = Field(default=None, description="Set for emergency and crisis answers only.")
    audience: Audience = "self"
    language: str = Field(default="en", description="The language of the reply (an ISO 639-1 code).")
    answer_key: str = Field(
        default="",
        description="The specific answer given, e.g. 'safety/pregnancy' (Rasa's retrieval intent); the intent "
        "itself when there is no specific answer.",
    )
    fallback: bool = Field(default=False, description="The bot could not place the question (out of scope).")
    handoff: bool = Field(default=False, description="The person asked for a human.")
    ranking: list[IntentScore] = Field(default_factory=list)
    slots: dict[str, str] = Field(default_factory=dict)
    response: str = Field(default="", description="The response template used, e.g. 'utter_duration'.")
    answer: str = Field(default="", description="The answer without the consult prompt, for rich layouts.")
    consult: str = Field(default="", description="The consult prompt that ends ``text``.")
