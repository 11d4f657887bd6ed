"""The store interface the engine and the channels depend on: a few primitives, no channel's vocabulary.

Each piece of state a channel keeps is a small helper over these in the channel's own folder (SMS opt-outs in
``channels/twilio/optouts.py``, Slack feedback in ``channels/slack/feedback.py``), so a new kind of state costs
no change here, nor in the memory, Redis and failover stores.

Keys and set members may name a patient (``sms:+15551234567``): a store that keeps them at rest keeps only their
keyed hashes (``RedisStore``), so callers pass them as they are. Counter names and fields are the exception:
kept readable, they must never name anyone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import orjson


@dataclass(frozen=True, slots=True)
class Gathered:
    """What ``Store.gather`` read and counted in one round trip, before a message is answered."""

    context: dict[str, Any] | None
    """The sender's context, as ``get_context`` would return it."""
    retry_after: int | None
    """None: within the rate limit (or no limit asked); else the seconds to wait, as ``rate_limit`` returns."""
    claimed: bool = True
    """False when the claim asked for was already taken (then nothing was counted); True otherwise."""


class Store(Protocol):
    @property
    def name(self) -> str:
        """``memory`` or ``redis`` (``/readyz`` says which)."""
        ...

    async def get_context(self, key: str) -> dict[str, Any] | None:
        """The JSON object kept under ``key``, or ``None`` when there is none or it expired."""
        ...

    async def set_context(self, key: str, context: dict[str, Any], ttl_seconds: int) -> None:
        """Keep ``context`` (a JSON object) for ``ttl_seconds``; 0 forgets it."""
        ...

    async def claim(self, key: str, ttl_seconds: float) -> bool:
        """True the first time ``key`` is claimed within ``ttl_seconds``, False after.

        One primitive for everything that must happen once: a replayed signature, a retried Slack event.
        """
        ...

    async def add_member(self, name: str, member: str) -> None:
        """Put ``member`` in the set ``name``. Sets never expire and are never evicted, and a write is durable:
        a shared store that is down gets it when it is back."""
        ...

    async def remove_member(self, name: str, member: str) -> None:
        """Take ``member`` out of the set ``name`` (durable, as ``add_member``)."""
        ...

    async def has_member(self, name: str, member: str) -> bool:
        """Whether ``member`` is in the set ``name``."""
        ...

    async def increment(self, name: str, field: str) -> None:
        """Add one to the counter ``field`` of ``name`` (counts shared by every instance, unlike metrics).

        Both are kept as they are, for people to read: aggregate counts (``feedback``, ``duration:yes``), never
        a sender id or anything else that names someone."""
        ...

    async def append(self, name: str, item: dict[str, Any], max_items: int, ttl_seconds: int | None = None) -> None:
        """Add ``item`` (a JSON object) to the end of the list ``name``, keeping the last ``max_items``; with
        ``ttl_seconds`` the whole list expires that long after its last write. Lists are not durable writes."""
        ...

    async def items(self, name: str) -> list[dict[str, Any]]:
        """The list ``name``, oldest first (empty when there is none)."""
        ...

    async def take(self, name: str) -> list[dict[str, Any]]:
        """The list ``name``, emptied in the same step: each item is taken by one caller only (a queue)."""
        ...

    async def remove_item(self, name: str, item: dict[str, Any]) -> None:
        """Remove every copy of ``item`` (equal as JSON) from the list ``name``."""
        ...

    async def counts(self, name: str) -> dict[str, int]:
        """Every counter of ``name`` (what ``increment`` added up)."""
        ...

    async def rate_limit(self, key: str, per_minute: int) -> int | None:
        """Count one message from ``key``: None when allowed, else the seconds to wait (a moving minute)."""
        ...

    async def gather(
        self,
        context_key: str,
        rate_key: str | None = None,
        per_minute: int = 0,
        claim_key: str | None = None,
        claim_ttl: float = 0,
        second_limit: tuple[str, int] | None = None,
    ) -> Gathered:
        """Everything a message needs before it is answered, in one round trip to a shared store: the claim
        (``claim_key`` for ``claim_ttl`` seconds; taken already: nothing else is counted), the rate limit
        (``rate_key``, when ``per_minute`` > 0), a second one counted apart (``second_limit``: a client address
        and its limit; the wait is the longer of the two) and the context under ``context_key``.

        The same as calling ``claim``, ``rate_limit`` and ``get_context`` in turn; with Redis it is one script.
        """
        ...

    async def status(self) -> str:
        """``ok``, or ``degraded`` when a shared store is unreachable and the bot runs on local memory."""
        ...

    async def close(self) -> None:
        """Release connections (at shutdown)."""
        ...


def canonical(item: dict[str, Any]) -> str:
    """One JSON spelling per list item, so that equal items compare equal (``remove_item``; Redis's ``LREM``)."""
    return dumps(item, orjson.OPT_SORT_KEYS)


def dumps(value: Any, option: int = 0) -> str:
    """JSON text of a stored value. A string that is not valid Unicode (a lone surrogate, which a JSON body may
    carry as an escape) is stored with U+FFFD in its place, rather than failing the message that brought it."""
    try:
        return orjson.dumps(value, option=option).decode()
    except TypeError:
        return orjson.dumps(_valid_text(value), option=option).decode()


def _valid_text(value: Any) -> Any:
    if isinstance(value, str):
        return value if is_unicode(value) else "".join("\ufffd" if "\ud800" <= ch <= "\udfff" else ch for ch in value)
    if isinstance(value, dict):
        return {_valid_text(k): _valid_text(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_valid_text(v) for v in value]
    return value


def is_unicode(text: str) -> bool:
    """Valid Unicode, so JSON and UTF-8 can carry it: not so with a lone surrogate, which a JSON body may bring in
    as an escape ("\\ud800")."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
