"""The small interface every channel implements: who it is, whether it is set up, its routes, start and stop.

A channel verifies, parses, formats and sends. It never classifies and never decides policy: it turns a
platform's request into one ``Message``, hands it to the runtime's answering pipeline (``Channel.answer``) and
formats the ``Reply`` that comes back. What the pipeline does with a message (rate limit, escalation to staff)
follows from the facts the channel declares here (``patient``), not from lists of channel names elsewhere.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import ClassVar, Self

from aiohttp import web

from botox_bot.core.models import Message, Reply
from botox_bot.runtime import BotRuntime, Claim
from botox_bot.settings import Settings

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    handler: Handler
    max_body_bytes: int | None = None
    """The largest body the handler reads, when smaller than the application's: an ``Expect: 100-continue``
    declaring more gets 413 before the client uploads anything."""


class Channel:
    """Base class. A subclass declares the class attributes below and its routes; ``channels.REGISTRY`` lists it."""

    name: ClassVar[str]
    """The channel's name in ``Message.channel``, metrics, logs and content variations (``channel: sms``)."""
    label: ClassVar[str]
    """The channel as people call it, e.g. in a staff escalation: "the phone line"."""
    patient: ClassVar[bool] = False
    """Patients write here: messages are rate-limited, and an emergency or a request for a person is escalated."""

    def __init__(self, runtime: BotRuntime, prefix: str = ""):
        self.runtime = runtime
        self.prefix = prefix.rstrip("/")

    @classmethod
    def configured(cls, settings: Settings) -> bool:
        """Whether the settings hold what this channel needs (its credentials); only then is it mounted."""
        return True

    @classmethod
    def from_settings(cls, runtime: BotRuntime, settings: Settings, prefix: str = "") -> Self:
        """The channel, given its own group of the settings and no other (the base class needs none).

        The clinic's details, which every channel may say, are on the runtime (``runtime.clinic``).
        """
        return cls(runtime, prefix)

    def routes(self) -> list[Route]:
        raise NotImplementedError

    async def start(self) -> None:
        """Called when the app starts (a channel that holds a connection of its own opens it here)."""

    async def stop(self) -> None:
        """Called when the app stops."""

    async def answer(
        self,
        message: Message,
        rate_key: str | None = None,
        claim: Claim | None = None,
        *,
        address: str | None = None,
        no_reply: str | None = None,
        contact: str | None = None,
    ) -> Reply:
        """The one way a channel reaches the core: the runtime's pipeline, with this channel's policy.

        Raises ``RateLimited`` on a patient channel when the sender (or ``rate_key``) is over the limit, or the
        client ``address`` is (channels where the client is the patient's own device name it), and
        ``AlreadyClaimed`` when ``claim`` (a key that must be seen once, and for how long) was taken before.
        ``no_reply``: the channel will not send the reply, and why ("opted out"); staff are told so, with
        ``contact`` (how to reach the person instead), if the message is escalated.
        """
        return await self.runtime.answer(
            message, self, rate_key, claim, address=address, no_reply=no_reply, contact=contact
        )

    def path(self, path: str) -> str:
        return f"{self.prefix}{path}" or "/"
