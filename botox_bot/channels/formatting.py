"""What every channel's formatting shares: the emergency headings, a source's short name, the topics' titles.

Kept in one place so that the channels cannot drift apart (Slack's and Teams' headings once were written twice,
and the Teams buttons said "How it works" where the content says "How Botox works"). Pure functions of the
``Reply`` and the ``Content``: a channel adds only its platform's markup.
"""

from __future__ import annotations

from collections.abc import Collection
from urllib.parse import urlparse

from botox_bot.channels.phrases import available, phrases
from botox_bot.core.content import Content
from botox_bot.core.models import Choice, Reply
from botox_bot.escalation import Escalation
from botox_bot.settings import ClinicSettings

_UNSET = {"clinic_name": "our clinic", "emergency_number": "your local emergency number"}
"""What ``settings.clinic`` says for a detail the clinic has not set (settings.py): English words, which a
channel replaces with the content's own words for "our clinic" in the language it speaks."""

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


def listing(titles: list[str], last: str = "and", language: str = "en") -> str:
    """'how Botox works, medical uses, and safety': titles as words in a sentence (first letters lowered).

    ``last`` is "and" or "or"; in Spanish "a, b o c" (the channels' phrases say how each language lists).
    """
    return phrases(language).listing(titles, last)


def clinic_detail(clinic: ClinicSettings, content: Content | None, language: str, name: str) -> str:
    """The clinic's ``clinic_name`` or ``emergency_number`` as a channel says it in ``language``.

    Set by the clinic: as set. Unset: the content's words for it in that language ("nuestra clínica",
    "número local de emergencias"), the same words the answers use; English before the content is loaded.
    """
    value = clinic.name if name == "clinic_name" else clinic.emergency_number
    if content is None:
        return value
    unset = {_UNSET[name], *(words.get(name) for words in content.defaults.values())}
    if value not in unset:
        return value
    return content.defaults.get(language, {}).get(name) or value


def served_languages(content: Content | None, wanted: Collection[str] = ()) -> list[str]:
    """The languages a channel offers (a language switch, a phone menu): the content's (source first), limited
    to the clinic's ``languages`` setting when it has one, and to those the channels have phrases for."""
    codes = list(content.languages) if content is not None else list(available())
    offered = [code for code in codes if (not wanted or code in wanted) and code in available()]
    return offered or [codes[0] if codes else "en"]


# -- staff escalations (Slack blocks, Teams cards) ---------------------------------------------------------
_TOLD = {
    "call_now": " (told to call the emergency number now)",
    "urgent": " (told to go to the emergency department now)",
    "crisis": " (given the crisis line)",
}
AUDIENCE = {"other": "someone writing about another person", "staff": "staff reporting about a patient"}
"""Who wrote, when it was not the patient themself, as an escalation says it."""


def escalation_summary(item: Escalation) -> str:
    """One sentence that tells the truth about the patient's side: answer sent, or no reply possible and why."""
    where, when = item.label, item.time.strftime("%Y-%m-%d %H:%M UTC")
    if item.summary == "capped":
        return (
            f"{item.more} more escalations in the last minute were held back by the per-minute cap (the most "
            f"severe was {escalation_headline(item).lower()} on {where}). Every one is in the audit log: run "
            "`botox-bot audit`."
        )
    if item.summary == "conversation":
        return (
            f"+{item.more} more from conversation `{item.conversation}` on {where} since {when} "
            f"(folded into the escalation above: one post per conversation per window)."
        )
    if not item.delivered:
        reason = f" ({item.undelivered_reason})" if item.undelivered_reason else ""
        reach = " Reach them at the number below." if item.contact else ""
        return (
            f"{escalation_headline(item)} on {where} at {when}: NO reply could be sent to the patient{reason}.{reach}"
        )
    if item.urgency in _TOLD:
        return f"{escalation_headline(item)} on {where} at {when}: answer sent{_TOLD[item.urgency]}."
    return f"{escalation_headline(item)} on {where} at {when}."


def escalation_headline(item: Escalation) -> str:
    if item.urgency == "crisis":
        return "Crisis (self-harm or suicidal thoughts)"
    if item.emergency:
        return "Emergency" if item.urgency != "urgent" else "Urgent red flag"
    return "A patient asked for a person"
