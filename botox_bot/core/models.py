"""The two shapes that cross the boundary between channels and the core: ``Message`` in, ``Reply`` out."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

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
    metadata: dict[str, Any] = Field(default_factory=dict)


class Choice(BaseModel):
    """One option the person can pick: a button where the channel has them, a numbered line elsewhere."""

    title: str
    payload: str


class IntentScore(BaseModel):
    intent: str
    confidence: float


class Reply(BaseModel):
    """What the core answers. ``text`` is the full text as sent, consult prompt included."""

    intent: str
    confidence: float
    text: str
    choices: list[Choice] = Field(default_factory=list)
    sources: list[str] = Field(default_factory=list)
    emergency: bool = False
    ranking: list[IntentScore] = Field(default_factory=list)
    slots: dict[str, str] = Field(default_factory=dict)
    response: str = Field(default="", description="The response template used, e.g. 'utter_duration'.")
    answer: str = Field(default="", description="The answer without the consult prompt, for rich layouts.")
    consult: str = Field(default="", description="The consult prompt that ends ``text``.")
