"""A ``Reply`` for a phone: plain text for SMS, and words for a speech engine to say, in the reply's language.

SMS: no markup, GSM-7 punctuation (one curly quote turns a 153-character segment into a 67-character one),
choices as numbered lines, and at most what one reply should carry, cut at a sentence, never mid-word, with the
consult prompt always kept. Accented letters are kept: Spanish is written with them, and "á", "í", "ó", "ú" are
not in GSM-7, so a Spanish reply usually travels as UCS-2 (``sms_segments`` counts what it costs). Speech: no URLs
or symbols read aloud (symbols said as words of the reply's language), phone numbers read digit by digit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from botox_bot.channels.phrases import phrases
from botox_bot.core.models import Reply

SMS_LIMIT = 1600  # Twilio's limit for one message body, in characters (counted here in UTF-16 units, as UCS-2 is)
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
"""The GSM 03.38 default alphabet: one septet each. Spanish keeps é, ñ, ü, ¿ and ¡ here, but not á, í, ó, ú."""
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")
"""The GSM 03.38 extension table: an escape and the character, two septets each."""
_SEGMENT = {"GSM-7": (160, 153), "UCS-2": (70, 67)}
"""Units in a message that fits in one segment, and in each segment of a longer one (its header takes the rest)."""


@dataclass(frozen=True)
class Segments:
    """What an SMS body costs: its encoding, its length in that encoding's units, and its segments."""

    encoding: Literal["GSM-7", "UCS-2"]
    units: int
    count: int


def sms_segments(text: str) -> Segments:
    """How carriers split ``text``: GSM-7 if every character is in it (160 septets alone, 153 a segment when
    concatenated; an extension character takes 2), else UCS-2 (70 alone, 67 a segment; a character outside the
    Basic Multilingual Plane takes 2). A character's units are never split between segments."""
    gsm = all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)
    sizes = [2 if ch in GSM7_EXTENSION else 1 for ch in text] if gsm else [utf16_length(ch) for ch in text]
    encoding: Literal["GSM-7", "UCS-2"] = "GSM-7" if gsm else "UCS-2"
    single, each = _SEGMENT[encoding]
    units = sum(sizes)
    if units <= single:
        return Segments(encoding, units, 1 if units else 0)
    count, used = 1, 0
    for size in sizes:
        if used + size > each:
            count, used = count + 1, 0
        used += size
    return Segments(encoding, units, count)


def utf16_length(text: str) -> int:
    """Length in UTF-16 code units, the way UCS-2 messages (and Twilio's 1,600 limit) count them."""
    return len(text.encode("utf-16-le")) // 2


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
        "\u00ab": '"',  # « »: Spanish quotation marks, not in GSM-7
        "\u00bb": '"',
        "\u2039": "'",
        "\u203a": "'",
        "\u00b4": "'",
    }
)
_MARKUP = re.compile(r"\*\*|__|`|\*(?=\S)|(?<=\S)\*")
_URL = re.compile(r"\s*\(?\bhttps?://\S+|\bwww\.\S+", re.I)
_PHONE = re.compile(r"\+?\d[\d\s().-]{5,}\d")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def sms_text(reply: Reply, limit: int = SMS_LIMIT) -> str:
    """The answer, numbered choices, then the consult prompt, within ``limit`` UTF-16 units (characters, for
    any reply the content has: none goes beyond the Basic Multilingual Plane)."""
    answer = _plain(reply.answer or reply.text)
    consult = _plain(reply.consult)
    words = phrases(reply.language)
    choices = "\n".join(
        _plain(words.text("sms.choice", number=i, title=c.title)) for i, c in enumerate(reply.choices, 1)
    )
    tail = "\n\n".join(part for part in (choices, consult) if part)
    wide = utf16_length(answer) - len(answer)  # characters beyond the BMP take two units: leave room for them all
    if not tail:
        return cut_at_sentence(answer, limit - wide)
    return f"{cut_at_sentence(answer, limit - utf16_length(tail) - 2 - wide)}\n\n{tail}"


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


def speech_text(text: str, numbers: tuple[str, ...] = (), language: str = "en") -> str:
    """Words for ``<Say>``: URLs dropped, symbols spoken in ``language``, phone numbers digit by digit.

    ``numbers`` are said digit by digit wherever they appear, however short ("911" is "9 1 1", never
    "nine hundred eleven", in Spanish never "novecientos once").
    """
    text = _URL.sub("", _plain(text))
    text = _PHONE.sub(lambda m: spoken_number(m.group()), text)
    for number in sorted(filter(_has_digit, numbers), key=len, reverse=True):
        text = re.sub(rf"(?<!\d){re.escape(number)}(?!\d)", spoken_number(number), text)
    symbols = phrases(language).section("voice")["symbols"]
    text = re.sub(r"\s*%", f" {symbols['%']}", text)
    for symbol in ("&", "/", "+"):
        text = text.replace(symbol, f" {symbols[symbol]} ")
    text = re.sub(r"^\s*-\s+", "", text, flags=re.M)  # list bullets
    text = re.sub(r"[#*_~<>|\[\]{}]", " ", text)
    return re.sub(r"[ \t]+", " ", re.sub(r"\s*\n\s*", "\n", text)).strip()


def spoken_number(number: str) -> str:
    """'555-0100' -> '5 5 5, 0 1 0 0': each digit said, a pause where the number has one. Words (an unset
    emergency number reads "your local emergency number") are said as they are."""
    if not _has_digit(number):
        return number
    groups = [g for g in re.split(r"[\s().-]+", number.lstrip("+")) if g]
    return ", ".join(" ".join(group) for group in groups)


def _has_digit(text: str) -> bool:
    return any(ch.isdigit() for ch in text)


def _plain(text: str) -> str:
    return _MARKUP.sub("", text.translate(_TO_GSM)).strip()
