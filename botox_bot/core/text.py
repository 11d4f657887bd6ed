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
    text = "".join(ch for ch in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(ch))
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)
    return _SPACES.sub(" ", text).strip()


def for_model(text: str) -> str:
    """What the classifier sees: cleaned, punctuation dropped, every toxin brand written as 'botox'."""
    text = _NOT_WORD.sub(" ", clean(text)).replace("'", "")
    text = _BRANDS.sub("botox", text)
    return _SPACES.sub(" ", text).strip()


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def model_tokens(text: str) -> list[str]:
    return _WORD.findall(for_model(text))


def word_features(toks: list[str]) -> list[str]:
    """Word unigrams and bigrams."""
    return [f"w:{t}" for t in toks] + [f"b:{a}_{b}" for a, b in zip(toks, toks[1:])]


def char_ngrams(tok: str) -> list[str]:
    """Character 3-5-grams of one word, padded with spaces (robust to typos).

    No prefix: they hold only letters, digits and spaces, so they cannot collide with 'w:' and 'b:' features.
    """
    padded = f" {tok} "
    return [padded[i : i + n] for n in (3, 4, 5) for i in range(len(padded) - n + 1)]


def features(text: str) -> list[str]:
    """Everything the classifier sees of a text: word features plus each word's character n-grams."""
    toks = model_tokens(text)
    feats = word_features(toks)
    for tok in toks:
        feats += char_ngrams(tok)
    return feats
