"""Turn a raw message into the token string the triage rules read, correcting typos of symptom words only.

Why a typo corrector with a dictionary guard: scared people text fast ("cnt brth", "trubble swalowing"), but a
corrector that rewrites real words produces alarms out of nothing (gives -> hives, peeing -> seeing, shallow ->
swallow). So a token is corrected only when it is NOT a word in English or Spanish (``wordfreq``), and only
towards the small symptom vocabulary of the lexicons. Each token's correction is cached.

The output is one string of tokens joined by single spaces. Punctuation that ends a clause is kept as its own
token (``,`` ``.`` ``?`` ``!`` ``;`` ``:``) so the rules' word windows never reach across it.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import OSA

from botox_bot.core.text import clean
from botox_bot.core.triage import lexicon_en, lexicon_es
from botox_bot.core.wordcache import word_cache

MAX_CHARS = 2000

# Below this Zipf frequency a token is not treated as a dictionary word (typos like "vison" 1.7, "trubble" 1.0,
# "chocking" 1.8 sit below it; the real words the review lists, e.g. hives 3.1, peeing 3.2, drooping 2.6, are above).
DICTIONARY_ZIPF = 2.3
DICTIONARY_ZIPF_SHORT = 3.0

_VOCABULARY: tuple[str, ...] = tuple(sorted(set(lexicon_en.WORDS) | set(lexicon_es.WORDS)))
_VOCAB_SET = frozenset(_VOCABULARY)
_BY_LENGTH: dict[int, tuple[str, ...]] = {}
for _w in _VOCABULARY:
    _BY_LENGTH[len(_w)] = (*_BY_LENGTH.get(len(_w), ()), _w)
_VOWELS = re.compile(r"[aeiouy]")
_SKELETONS: dict[str, str] = {}
for _word in _VOCABULARY:
    _SKELETONS.setdefault(_VOWELS.sub("", _word), _word)  # "brth" -> breath, "dbl" -> double, "cnt" -> cant

# Text-speak and staff shorthand, expanded before anything else (these are spellings, not typos).
_SHORTHAND: dict[str, str] = {**lexicon_en.SHORTHAND, **lexicon_es.SHORTHAND}
# Real words that sit near a symptom word but must never become one, even if rare in the frequency lists.
_PROTECTED = frozenset(lexicon_en.PROTECTED.split()) | frozenset(lexicon_es.PROTECTED.split())

_PRE = (
    (re.compile(r"\bc/o\b"), " complains of "),
    (re.compile(r"\bw/o\b"), " without "),
    (re.compile(r"\bs/p\b"), " status post "),
    (re.compile(r"\bb/c\b"), " because "),
    (re.compile(r"\bw/"), " with "),
    (re.compile(r"&"), " and "),
    (re.compile(r"\+"), " and "),
    (re.compile(r"[\u2019\u2018'`´]"), ""),
    (re.compile(r"\.{2,}|\u2026"), " "),  # "i cant... breathe": an ellipsis is a pause, not the end of a sentence
)
_PRE_CHARS = re.compile(r"[/&+'`\u2018\u2019\u00b4\u2026]|\.\.")
_TOKEN = re.compile(r"[a-z0-9]+|[.!?;:,()]")
_BREAKS = {"(": ",", ")": ","}
_RUNS = re.compile(r"([a-z])\1{2,}")
# Capitalised staff shorthand that is an ordinary word in lower case ("SOB" vs "sob", "SI" vs Spanish "si").
_CAPS = ((re.compile(r"\bSOB\b"), " short of breath "), (re.compile(r"\bSI\b(?= |$|[.,;])"), " suicidal ideation "))


@dataclass(frozen=True)
class Text:
    """A normalised message: ``text`` is ``tokens`` joined by single spaces; ``starts`` are their offsets."""

    tokens: tuple[str, ...]
    text: str
    starts: tuple[int, ...]

    def token_at(self, offset: int) -> int:
        """The index of the token that covers character ``offset`` of ``text``."""
        return max(0, bisect_right(self.starts, offset) - 1)


def normalise(raw: str) -> Text:
    """Clean, tokenise and correct one message."""
    raw = raw[:MAX_CHARS]
    if "SOB" in raw or "SI" in raw:
        for pattern, repl in _CAPS:
            raw = pattern.sub(repl, raw)
    if "\n" in raw or "\r" in raw:  # a line break ends a sentence in an SMS; clean() would fold it to a space
        raw = re.sub(r"[\r\n]+", " . ", raw)
    text = clean(raw)
    if _PRE_CHARS.search(text):
        for pattern, repl in _PRE:
            text = pattern.sub(repl, text)
    tokens: list[str] = []
    for tok in _TOKEN.findall(text):
        tok = _BREAKS.get(tok, tok)
        if tok in ",.?!;:":
            if tokens and tokens[-1] in ",.?!;:":  # "??" or ", ." -> keep the stronger break once
                if tok != ",":
                    tokens[-1] = tok
                continue
            tokens.append(tok)
            continue
        tokens.extend(correct(tok).split())
    joined = " ".join(tokens)
    starts, pos = [], 0
    for tok in tokens:
        starts.append(pos)
        pos += len(tok) + 1
    return Text(tuple(tokens), joined, tuple(starts))


def is_word(token: str) -> bool:
    """True for a dictionary word in English or Spanish (or a word the lexicons protect).

    Three-letter strings need a higher frequency: the lists hold many abbreviations and typos of that length
    ("hed" 2.65), while real three-letter words are common (arm 4.6, eye 4.8, leg 4.3).
    """
    threshold = DICTIONARY_ZIPF_SHORT if len(token) <= 3 else DICTIONARY_ZIPF
    return token in _PROTECTED or _zipf(token) >= threshold


@word_cache(4 << 20)  # bounded in bytes; long tokens not kept (botox_bot.core.wordcache)
def _zipf(token: str) -> float:
    from wordfreq import zipf_frequency  # imported on first use: most messages never need it

    return max(zipf_frequency(token, "en"), zipf_frequency(token, "es"))


@word_cache(8 << 20)
def correct(token: str) -> str:
    """The token, or the symptom word it is a typo of (may return two words for a run-together token)."""
    if token in _SHORTHAND:
        return _SHORTHAND[token]
    if token in _VOCAB_SET or not token.isalpha() or len(token) < 3:
        return token
    if _RUNS.search(token):  # "breatheee", "helppp": stretched letters
        for squeezed in (_RUNS.sub(r"\1\1", token), _RUNS.sub(r"\1", token)):
            if squeezed in _VOCAB_SET or squeezed in _SHORTHAND or is_word(squeezed):
                return _SHORTHAND.get(squeezed, squeezed)
        token = _RUNS.sub(r"\1", token)
    if not _VOWELS.search(token):  # vowel-less text-speak: "brth", "cnt", "dbl", "swllw"
        return _SKELETONS.get(token, token)
    candidate = _nearest(token)
    close = candidate is not None and OSA.distance(token, candidate) <= 1
    split = token if close or len(token) < 6 else _split(token)  # "nopuedo", "cantbreathe": two words run together
    if (candidate is None and split == token) or is_word(token):
        return token  # the dictionary guard: a real word is never rewritten
    return split if split != token else candidate or token


def _nearest(token: str) -> str | None:
    """The closest symptom word within one edit (short tokens) or two edits (six letters or more).

    Three-letter tokens only get a missing letter back ("hed" -> head), never a changed one.
    """
    if len(token) < 3:
        return None
    cutoff = 1 if len(token) < 6 else 2
    if len(token) == 3:
        hits = [w for w in _BY_LENGTH.get(4, ()) if OSA.distance(token, w) == 1]
        return hits[0] if len(hits) == 1 else None
    scored = process.extract(token, _VOCABULARY, scorer=OSA.distance, score_cutoff=cutoff, limit=6)
    if not scored:
        return None
    best = min(hit[1] for hit in scored)
    tied = sorted((hit[0] for hit in scored if hit[1] == best), key=lambda w: -_common_ends(token, w))
    if len(tied) > 1 and tied[0][:4] != tied[1][:4] and _common_ends(token, tied[0]) == _common_ends(token, tied[1]):
        return None  # two different symptom words equally close and equally like it: leave it
    if tied[0][0] != token[0] and best > 1 and len(token) < 7:  # short, two edits and a new first letter: a guess
        return None
    return tied[0]


def _common_ends(a: str, b: str) -> int:
    """Shared first and last letters: breaks ties towards the word the typist started and finished ("tragr")."""
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    m = 0
    while m < min(len(a), len(b)) - n and a[-1 - m] == b[-1 - m]:
        m += 1
    return n + m


def _split(token: str) -> str:
    """Split a run-together token into two words when one of them is a symptom word ("cantbreathe")."""
    for i in range(2, len(token) - 2):
        left, right = token[:i], token[i:]
        left = _SHORTHAND.get(left, left)
        if (left in _VOCAB_SET or right in _VOCAB_SET) and _known(left) and _known(right):
            return f"{left} {right}"
    return token


def _known(part: str) -> bool:
    return part in _VOCAB_SET or is_word(part)
