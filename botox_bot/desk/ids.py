"""The one key-builder for the desk's state: a conversation is known by a keyed hash of ``channel:sender``.

Staff see this id (in escalations, the audit log, ``botox-bot forget``), never the sender id or phone number;
store keys for the desk's state (holds, outboxes, review items) are built from it, so no key names a patient.

HMAC-SHA256 with the store key when the hardening branch's ``BOTOX_BOT_STORE_KEY`` setting exists and is set,
else the webhook secret, else a fixed salt (a plain hash: it keeps ids out of sight, but a phone number can be
guessed back from it by trying numbers; set a secret in production). Everything goes through ``ConversationIds``,
so switching to the store layer's own mechanism is a change in this one file.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

_UNKEYED = b"botox-bot unkeyed conversation id"
PREFIX = "c-"


class ConversationIds:
    def __init__(self, secret: str | bytes | None):
        key = secret.encode("utf-8") if isinstance(secret, str) else secret
        self.keyed = bool(key)
        self._key = key or _UNKEYED

    @classmethod
    def from_settings(cls, settings: Any) -> ConversationIds:
        """The store key when the settings have one (the hardening branch adds it), else the webhook secret."""
        for name in ("store_key", "webhook_secret"):
            value = getattr(settings, name, None)
            if value is not None:
                return cls(value.get_secret_value() if hasattr(value, "get_secret_value") else str(value))
        return cls(None)

    def conversation(self, channel: str, sender: str) -> str:
        """``c-`` and 20 hex digits: short enough to type into ``botox-bot forget``, 80 bits against collisions."""
        digest = hmac.new(self._key, f"{channel}:{sender}".encode(), hashlib.sha256).hexdigest()
        return PREFIX + digest[:20]

    @staticmethod
    def key(kind: str, conversation: str) -> str:
        """The store key of one piece of the desk's state for one conversation: ``desk:<kind>:<id>``."""
        return f"desk:{kind}:{conversation}"
