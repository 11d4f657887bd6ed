"""Negation with a scope: what a "no", "not", "denies" or "sin" actually denies.

"No trouble breathing, just a bruise" denies the breathing; "can't eat without choking" denies nothing; "not sure
if my vision is blurry" is a hedge, not a denial; "no, I can't breathe" starts with an interjection; "pt denies
SOB, dysphagia, vision changes" denies the whole list; "trouble breathing? no." denies after the fact; "never had
trouble swallowing until today" is a report.
"""

from __future__ import annotations

from botox_bot.core.triage.concepts import Finding, compile_words
from botox_bot.core.triage.scene import PUNCT, Scene, marker, words

_NEGATION_REACH = 6  # tokens a negator reaches forward ("no real trouble at all with breathing" is 6)
NEGATOR = marker("negator")
HEDGE = marker("hedge")
INTERJECTION = words("interjection")
SCOPE_BREAK = words("clause_break")
_LIST_NEGATORS = frozenset({"denies", "denied", "denying", "negative", "niega", "without", "sin", "no", "ni", "nor"})
_WITHOUT = frozenset({"without", "sin"})
_INABILITY = frozenset(
    "cant cannot couldnt unable hard barely hardly puedo puede eat drink talk speak walk move sip comer tomar beber "
    "hablar".split()
)
# words after a negator that make it part of another statement ("wont stop slurring", "no puedo comer sin ahogarme")
_CONTINUES = frozenset(
    {
        "stop",
        "stops",
        "quit",
        "leave",
        "parar",
        "para",
        "deja",
        "puedo",
        "puede",
        "pueden",
        "podia",
        "pude",
        "able",
        "logro",
        "logra",
    }
)
_RIGHT_DENIALS = frozenset({"no", "none", "nope", "negative", "denies", "denied", "nada", "ninguno", "ninguna"})
_REVIVAL = compile_words(
    r"(?:but|and|until|till|up until|hasta|pero|y) (?:now|today|this morning|tonight|recently|ahora|hoy|ayer|"
    r"yesterday)|until (?:now|today|recently)|(?:but|pero) (?:now|ahora)"
)


def negated(scene: Scene, f: Finding) -> bool:
    """A negator in reach before the finding, inside its clause, that is not a hedge or an interjection."""
    toks = scene.text.tokens
    i, steps = f.start - 1, 0
    while i >= 0 and steps < _NEGATION_REACH and toks[i] not in PUNCT and toks[i] not in SCOPE_BREAK:
        i -= 1
        steps += 1
    if i >= 0 and toks[i] == "," and _in_denied_list(toks, i, f.start):
        return True  # "pt denies SOB, dysphagia, vision changes"
    window_start = i + 1
    window = " ".join(toks[window_start : f.start])
    denied = False
    if window:
        after_all = " ".join(toks[window_start : min(len(toks), f.end + 1)])
        for m in NEGATOR.finditer(window):
            rest = after_all[m.end() :].split()
            word = m.group(0)
            if rest and HEDGE.match(" ".join(rest[:3])):
                continue  # "not sure if", "no idea whether", "not just"
            if word == "no" and rest and rest[0] in INTERJECTION:
                continue  # "no i cant breathe"
            if rest and rest[0] in _CONTINUES:
                continue  # "wont stop slurring"
            if word in _WITHOUT and _inability_before(toks, window_start + window[: m.start()].count(" ")):
                continue  # "can't eat without choking": "without" belongs to the inability, it denies nothing
            denied = True
    if not denied:
        denied = _denied_after(toks, f.end)
    if denied and _REVIVAL.search(" ".join(toks[f.end :])):
        return False  # "never had trouble swallowing until today"
    return denied


def _in_denied_list(toks: tuple[str, ...], comma: int, start: int) -> bool:
    """Walk back over a comma list of short items to a clinical negator: "denies fever, SOB, dysphagia".

    Plain "no" only counts when the list ends with "or"/"nor" ("no fever, cough or trouble breathing"), because
    "no fever, trouble breathing" more likely reports the trouble.
    """
    has_or = any(t in ("or", "nor", "ni", "o") for t in toks[comma:start])
    j = comma
    for _ in range(8):
        k = j - 1
        while k >= 0 and toks[k] not in PUNCT and j - k <= 5:
            if toks[k] in _LIST_NEGATORS:
                return toks[k] not in ("no", "without", "sin") or has_or
            k -= 1
        if k < 0 or toks[k] != ",":
            return False
        j = k
    return False


def _inability_before(toks: tuple[str, ...], start: int) -> bool:
    j = start - 1
    while j >= 0 and toks[j] not in PUNCT:
        if toks[j] in _INABILITY:
            return True
        j -= 1
    return False


def _denied_after(toks: tuple[str, ...], end: int) -> bool:
    """Staff and checklist style: "trouble breathing? no", "SOB: denies", "swallowing issues - none"."""
    j = end
    if j < len(toks) and toks[j] in (":", "?", ","):
        j += 1
    if j < len(toks) and toks[j] in _RIGHT_DENIALS:
        return j + 1 == len(toks) or toks[j + 1] in PUNCT
    return False
