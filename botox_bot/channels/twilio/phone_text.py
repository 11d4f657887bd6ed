"""A ``Reply`` for a phone: plain text for SMS, and words for a speech engine to say.

SMS: no markup, GSM-7 punctuation (one curly quote turns a 153-character segment into a 67-character one),
choices as numbered lines, and at most what one reply should carry, cut at a sentence, never mid-word, with the
consult prompt always kept. Speech: no URLs or symbols read aloud, phone numbers read digit by digit.
"""

from __future__ import annotations

import re

from botox_bot.core.models import Reply

SMS_LIMIT = 1600  # Twilio's limit for one message body
_TO_GSM = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2026": "...",
        "\u00a0": " ",
        "\u2022": "-",
    }
)
_MARKUP = re.compile(r"\*\*|__|`|\*(?=\S)|(?<=\S)\*")
_URL = re.compile(r"\s*\(?\bhttps?://\S+|\bwww\.\S+", re.I)
_PHONE = re.compile(r"\+?\d[\d\s().-]{5,}\d")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def sms_text(reply: Reply, limit: int = SMS_LIMIT) -> str:
    """The answer, numbered choices, then the consult prompt, within ``limit`` characters."""
    answer = _plain(reply.answer or reply.text)
    consult = _plain(reply.consult)
    choices = "\n".join(f"Reply {i} for {c.title}." for i, c in enumerate(reply.choices, 1))
    tail = "\n\n".join(part for part in (choices, consult) if part)
    budget = limit - len(tail) - 2
    return f"{cut_at_sentence(answer, budget)}\n\n{tail}" if tail else cut_at_sentence(answer, limit)


def cut_at_sentence(text: str, limit: int) -> str:
    """``text`` if it fits; else as many whole sentences as fit; else whole words and an ellipsis."""
    if len(text) <= limit:
        return text
    kept = ""
    for sentence_end in _SENTENCE_END.finditer(text):
        if sentence_end.start() > limit:
            break
        kept = text[: sentence_end.start()]
    if kept:
        return kept
    words = text[: max(limit - 3, 0)].rsplit(None, 1)[0] if " " in text[:limit] else ""
    return f"{words}..." if words else text[:limit]


def speech_text(text: str, numbers: tuple[str, ...] = ()) -> str:
    """Words for ``<Say>``: URLs dropped, symbols spoken, phone numbers digit by digit.

    ``numbers`` are said digit by digit wherever they appear, however short ("911" is "9 1 1", never
    "nine hundred eleven").
    """
    text = _URL.sub("", _plain(text))
    text = _PHONE.sub(lambda m: spoken_number(m.group()), text)
    for number in sorted(filter(None, numbers), key=len, reverse=True):
        text = re.sub(rf"(?<!\d){re.escape(number)}(?!\d)", spoken_number(number), text)
    text = text.replace("&", " and ").replace("%", " percent").replace("/", " or ").replace("+", " plus ")
    text = re.sub(r"^\s*-\s+", "", text, flags=re.M)  # list bullets
    text = re.sub(r"[#*_~<>|\[\]{}]", " ", text)
    return re.sub(r"[ \t]+", " ", re.sub(r"\s*\n\s*", "\n", text)).strip()


def spoken_number(number: str) -> str:
    """'555-0100' -> '5 5 5, 0 1 0 0': each digit said, a pause where the number has one."""
    groups = [g for g in re.split(r"[\s().-]+", number.lstrip("+")) if g]
    return ", ".join(" ".join(group) for group in groups)


def _plain(text: str) -> str:
    return _MARKUP.sub("", text.translate(_TO_GSM)).strip()
