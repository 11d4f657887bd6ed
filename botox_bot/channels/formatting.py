"""What every channel's formatting shares: the emergency headings, a source's short name, the topics' titles.

Kept in one place so that the channels cannot drift apart (Slack's and Teams' headings once were written twice,
and the Teams buttons said "How it works" where the content says "How Botox works"). Pure functions of the
``Reply`` and the ``Content``: a channel adds only its platform's markup.
"""

from __future__ import annotations

from urllib.parse import urlparse

from botox_bot.core.content import Content
from botox_bot.core.models import Choice, Reply

HEADINGS = {"call_now": "Emergency: get help now", "urgent": "Urgent: get care today"}
"""The line an emergency answer starts with where a channel has headings (Slack, Teams), by ``Reply.urgency``."""


def emergency_heading(reply: Reply) -> str | None:
    """The heading for an emergency answer, ``None`` for any other (unknown levels read as the most urgent)."""
    if not reply.emergency:
        return None
    return HEADINGS.get(reply.urgency or "", HEADINGS["call_now"])


def site(url: str) -> str:
    """A source link's short name: ``https://www.nhs.uk/x`` -> ``nhs.uk``."""
    host = urlparse(url).hostname or url
    return host.removeprefix("www.")


def topic_choices(content: Content | None, language: str = "en") -> list[Choice]:
    """The content's topics, in its order, as choices titled in ``language``; none before the content is loaded."""
    if content is None:
        return []
    return [Choice(title=content.title(topic, language), payload=f"/{topic}") for topic in content.topics]


def listing(titles: list[str], last: str = "and") -> str:
    """'how Botox works, medical uses, and safety': titles as words in a sentence (first letters lowered)."""
    words = [t[:1].lower() + t[1:] for t in titles]
    if len(words) <= 2:
        return f" {last} ".join(words)
    return f"{', '.join(words[:-1])}, {last} {words[-1]}"
