"""Scrub a patient's question before the review loop keeps it: names, phone numbers, emails, dates, addresses.

Phone numbers are found by ``phonenumbers`` (Google's libphonenumber, kept up to date with every country's
numbering plan), leniently: a number that is only *possible* (555 numbers, a typo) is still a number to hide.
The rest are rules, chosen for this one job (a question kept so a person can label its intent), where hiding a
harmless word costs little and keeping a name costs a patient's privacy:

- emails, URLs, and any run of 7 or more digits (record numbers, a local number the library could not place);
- dates: ``03/04/1985``, ``2024-03-04``, ``March 4``, ``4 de marzo``, ``4th of March`` (not "3 months ago");
- street addresses: a house number followed by up to four words and a street word (``12 Elm Street``,
  ``calle Mayor 5``), and ZIP codes after a state or "zip";
- names: after a cue ("my name is", "I'm", "this is", "me llamo", "soy", "Dr.", "Mrs"...), and any capitalised
  word that is not the first of its sentence and not a word the bot's content knows (brand names, places in
  the body, drug names stay; "Sarah" and "Dr. Patel" go).

Microsoft Presidio and scrubadub were considered: Presidio finds names with a spaCy model (a download this
project cannot make: no model hub), and scrubadub's name detector needs NLTK corpora (the same) and has had no
release since 2023. Their pattern recognisers are no better than the rules here, which are tested case by case
in tests/test_desk_review.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import phonenumbers

PHONE, EMAIL, URL, NUMBER, DATE, ADDRESS, NAME = (
    "[PHONE]",
    "[EMAIL]",
    "[URL]",
    "[NUMBER]",
    "[DATE]",
    "[ADDRESS]",
    "[NAME]",
)
_MONTHS = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|"
    r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|enero|febrero|marzo|abril|mayo|junio|julio|agosto|"
    r"septiembre|setiembre|octubre|noviembre|diciembre"
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_URL = re.compile(r"\b(?:https?://|www\.)\S+", re.I)
_DIGITS = re.compile(r"(?<![\w\[])\+?\d(?:[\d\s().-]{5,}\d)(?![\w\]])")
_DATES = [
    re.compile(r"\b\d{4}-\d{1,2}-\d{1,2}\b"),
    re.compile(r"\b\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b"),
    re.compile(rf"\b(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?\b", re.I),
    re.compile(rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+|de\s+)?(?:{_MONTHS})\b(?:,?\s+(?:de\s+)?\d{{4}})?", re.I),
]
_STREET = (
    r"street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|way|place|pl|terrace|circle|cir|"
    r"highway|hwy|parkway|pkwy|square|sq"
)
_ADDRESSES = [
    re.compile(
        rf"\b\d{{1,6}}\s+(?:[A-Za-z0-9.'-]+\s+){{0,3}}(?:{_STREET})\b\.?(?:,?\s+(?:apt|suite|unit|#)\s*\w+)?", re.I
    ),
    re.compile(r"\b(?:calle|c/|avenida|avda\.?|av\.|paseo|plaza|carrera|camino)\s+(?:[\w.'-]+\s+){0,3}\d{1,5}\b", re.I),
    re.compile(r"\b(?:zip(?:\s*code)?|c\.?p\.?|código postal)\s*:?\s*\d{5}(?:-\d{4})?\b", re.I),
    re.compile(r"\b[A-Z]{2}\s+\d{5}(?:-\d{4})?\b"),
]
_STRONG_CUES = (
    r"my name is|my name's|name is|call me|me llamo|mi nombre es|dr|dra|doctor|doctora|mr|mrs|ms|miss|nurse|"
    r"sr|sra|srta|señor|señora"
)
_WEAK_CUES = r"i am|i'm|im|this is|it's|soy|habla|con"
_NAME_CUES = re.compile(
    rf"\b(?:(?P<strong>{_STRONG_CUES})|(?P<weak>{_WEAK_CUES}))\.?\s+"
    r"(?P<name>[A-Za-zÁÉÍÓÚÑáéíóúñ'-]+(?-i:\s+[A-ZÁÉÍÓÚÑ][a-záéíóúñ'-]+)?)",
    re.I,
)
_CUE_NOT_NAMES = {
    # after "I'm", "soy", "this is": words that describe, not name
    "a",
    "an",
    "the",
    "not",
    "so",
    "very",
    "really",
    "just",
    "still",
    "getting",
    "going",
    "worried",
    "scared",
    "pregnant",
    "breastfeeding",
    "allergic",
    "nervous",
    "new",
    "on",
    "in",
    "at",
    "having",
    "taking",
    "about",
    "thinking",
    "wondering",
    "asking",
    "trying",
    "looking",
    "over",
    "under",
    "told",
    "due",
    "sure",
    "afraid",
    "una",
    "un",
    "muy",
    "de",
    "la",
    "el",
    "alérgica",
    "alérgico",
    "nueva",
    "nuevo",
    "paciente",
    "embarazada",
    "normal",
    "ok",
    "okay",
    "fine",
    "good",
    "sorry",
    "glad",
    "here",
    "back",
    "done",
    "interested",
    "curious",
    "botox",
    "it",
    "that",
    "this",
    "what",
    "how",
    "my",
    "mi",
    "your",
    "su",
    "happy",
    "sad",
    "tired",
}
_WORD = re.compile(r"[A-Za-zÁÉÍÓÚÑáéíóúñü][\w'’-]*")
_SENTENCE_END = re.compile(r"[.!?¿¡:;\n]\s*$")
_KEEP_CAPITALISED = {
    "i",
    "botox",
    "ok",
    "okay",
    "hi",
    "hello",
    "hola",
    "usa",
    "us",
    "fda",
    "er",
    "md",
    "np",
    "rn",
    "dr",
    "dra",
    "mr",
    "mrs",
    "ms",
    "miss",
    "sr",
    "sra",
    "srta",
    "doctor",
    "doctora",
    "nurse",
    "señor",
    "señora",
    "im",
    "i'm",
}


class Scrubber:
    """``scrub(text)``: the text with personal details replaced by ``[PHONE]``, ``[NAME]``...

    ``known_words``: the content's vocabulary (lower case); a capitalised word in it is not taken for a name.
    ``region``: where a phone number without a country code is read (the clinic's country).
    """

    def __init__(self, known_words: Iterable[str] = (), region: str = "US"):
        self.known = {w.lower() for w in known_words} | _KEEP_CAPITALISED
        self.region = region

    def scrub(self, text: str) -> str:
        text = _EMAIL.sub(EMAIL, text)
        text = _URL.sub(URL, text)
        text = self._phones(text)
        for pattern in _DATES:
            text = pattern.sub(DATE, text)
        for pattern in _ADDRESSES:
            text = pattern.sub(ADDRESS, text)
        text = _DIGITS.sub(lambda m: NUMBER if sum(c.isdigit() for c in m[0]) >= 7 else m[0], text)
        text = _NAME_CUES.sub(self._cued_name, text)
        return self._capitalised_names(text)

    def phone_number(self, text: str) -> str | None:
        """The first phone number in ``text``, as written (a callback number a patient left), or None."""
        for match in phonenumbers.PhoneNumberMatcher(text, self.region, leniency=phonenumbers.Leniency.POSSIBLE):
            return match.raw_string
        return None

    def _phones(self, text: str) -> str:
        found = list(phonenumbers.PhoneNumberMatcher(text, self.region, leniency=phonenumbers.Leniency.POSSIBLE))
        for match in reversed(found):
            text = text[: match.start] + PHONE + text[match.end :]
        return text

    def _cued_name(self, match: re.Match[str]) -> str:
        """After "my name is" any word but a describing one is a name; after "I'm" only a capitalised or unknown
        one ("I'm Sarah", "soy ana"; not "I'm pregnant", "soy alérgica")."""
        first = match["name"].split()[0]
        low = first.lower()
        if low in _CUE_NOT_NAMES:
            return match[0]
        if match["weak"] and not first[:1].isupper() and low in self.known:
            return match[0]
        return match[0][: match.start("name") - match.start()] + NAME

    def _capitalised_names(self, text: str) -> str:
        """A capitalised word the content does not know, not at the start of a sentence: a name."""
        out, last = [], 0
        for match in _WORD.finditer(text):
            word = match[0]
            if not word[:1].isupper() or word.lower().strip("'’") in self.known or (word.isupper() and len(word) <= 3):
                continue
            if match.start() and text[match.start() - 1] == "[":
                continue  # a placeholder put in by an earlier step
            before = text[: match.start()].rstrip()
            if not before or _SENTENCE_END.search(before) or before[-1] in '"“(«':
                continue  # the first word of a sentence is capitalised anyway
            out.append(text[last : match.start()] + NAME)
            last = match.end()
        out.append(text[last:])
        return re.sub(r"\[NAME\](?:\s+\[NAME\])+", NAME, "".join(out))
