"""The language of a phone number's last answer, so that STOP, START and HELP are answered in it.

A short-lived context in the store (a day): enough for the STOP or HELP that follows a conversation, and no
lasting record of who speaks which language.
"""

from __future__ import annotations

from botox_bot.store import Store

MEMORY_SECONDS = 24 * 3600
_PREFIX = "sms-language:"  # "<channel>-language:<sender>": what the desk's "forget me" deletes (desk/services.py)


class SenderLanguages:
    def __init__(self, store: Store):
        self.store = store

    async def remember(self, sender: str, language: str) -> None:
        await self.store.set_context(f"{_PREFIX}{sender}", {"language": language}, MEMORY_SECONDS)

    async def recall(self, sender: str) -> str | None:
        context = await self.store.get_context(f"{_PREFIX}{sender}")
        language = (context or {}).get("language")
        return language if isinstance(language, str) else None
