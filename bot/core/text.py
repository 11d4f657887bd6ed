"""Text normalisation and the classifier's features, shared by training and inference.

Training hands :func:`features` to scikit-learn's ``TfidfVectorizer`` as its analyzer, and inference calls the
very same function, so the two can never disagree about what a feature is.
"""

from __future__ import annotations

import re
import unicodedata

MAX_CHARS = 2000
"""Longer messages are cut to this many characters before they are understood (a question fits easily)."""

_BRANDS = re.compile(
    r"\b(?:botox(?:\s+cosmetic)?|botoxes|bottox|botx|botoks|dysport|xeomin|jeuveau|daxxify|myobloc|letybo|"
    r"onabotulinumtoxin\s*a|onabotulinumtoxina|abobotulinumtoxina|incobotulinumtoxina|"
    r"botulinum(?:\s+toxin)?(?:\s+(?:type\s+)?a)?|bont\s*-?\s*a|bont|neurotoxins?|tox)\b"
)
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "`": "'"})
_NOT_WORD = re.compile(r"[^a-z0-9'\s]+")
_SPACES = re.compile(r"\s+")
_WORD = re.compile(r"[a-z0-9']+")


_ASCII_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def clean(text: str) -> str:
    """Lowercase, fold accents and symbols, drop control characters; keep it readable for keyword rules."""
    text = text[:MAX_CHARS]
    if text.isascii():  # the common case, without the per-character Unicode work below
        return _SPACES.sub(" ", _ASCII_CONTROL.sub(" ", text.lower()).replace("`", "'")).strip()
    text = unicodedata.normalize("NFKC", text).translate(_APOSTROPHES)
    text = "".join(
        ch for ch in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(ch)
    )
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)
    return _SPACES.sub(" ", text).strip()


def for_model(text: str) -> str:
    """What the classifier sees: cleaned, punctuation dropped, every toxin brand written as 'botox'."""
    text = _NOT_WORD.sub(" ", clean(text)).replace("'", "")
    text = _BRANDS.sub("botox", text)
    return _SPACES.sub(" ", text).strip()


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def features(text: str) -> list[str]:
    """Word unigrams and bigrams plus character 3-5-grams within words (robust to typos)."""
    toks = words(for_model(text))
    feats = [f"w:{t}" for t in toks]
    feats += [f"b:{a}_{b}" for a, b in zip(toks, toks[1:])]
    # character n-grams carry no prefix: they hold only letters, digits and spaces, so they cannot collide
    # with the 'w:' and 'b:' features, and skipping the prefix keeps this hot loop cheap
    for tok in toks:
        padded = f" {tok} "
        feats += [padded[i:i + n] for n in (3, 4, 5) for i in range(len(padded) - n + 1)]
    return feats
