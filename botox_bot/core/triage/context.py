"""Where a finding stands in its message: happening now, denied, asked about in general, in the past, or a
condition someone wants treated. And who it is happening to (the sender, someone else, a patient of staff).

Everything is decided per finding, inside its clause or sentence, so "I had double vision last year, it went away.
Now my throat feels tight" is one resolved mention and one current alarm. When the signals conflict, the reading
that leads to care wins: a report phrased as a question is a report, and a hedge ("not sure if my vision is
blurry") is not a denial.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

from botox_bot.core.triage import lexicon_en, lexicon_es, prefilter
from botox_bot.core.triage.concepts import Finding, compile_words
from botox_bot.core.triage.normalise import Text

# Context labels
REPORT = "report"  # a statement that it is happening
REPORT_Q = "question-form report"  # a report phrased as a question ("swallowing is hard, is that normal?")
AMBIGUOUS = "ambiguous"  # "is it normal to see double?": a report only if an injection is known (memory)
GENERAL = "general question"
HYPOTHETICAL = "hypothetical"
HISTORY = "resolved history"
INDICATION = "indication"
NEGATED = "negated"

SENTENCE_END = frozenset(".?!;")
PUNCT = frozenset(".?!;:,")
_NEGATION_REACH = 6  # tokens a negator reaches forward ("no real trouble at all with breathing" is 6)


def _marker(name: str, suffix: str = "") -> re.Pattern[str]:
    parts = [lex.MARKERS[name] for lex in (lexicon_en, lexicon_es) if name in lex.MARKERS]
    return compile_words("(?:" + "|".join(f"(?:{p})" for p in parts) + ")" + suffix)


def _words(name: str) -> frozenset[str]:
    return frozenset(
        w
        for lex in (lexicon_en, lexicon_es)
        if name in lex.MARKERS
        for w in lex.MARKERS[name].split("|")
        if " " not in w
    )


NEGATOR = _marker("negator")
HEDGE = _marker("hedge")
INTERJECTION = _words("interjection")
SCOPE_BREAK = _words("clause_break")
IF_WHETHER = _marker("if_whether")
_MARKERS = {
    name: _marker(name, suffix=r"(?: now| ya| ahora)?" if name == "resolution" else "")
    for name in (
        "general",
        "hearsay",
        "weak_general",
        "hypothetical",
        "history",
        "resolution",
        "current",
        "referback",
        "indication",
        "chronic",
        "other",
        "staff",
        "child",
        "injection",
        "follow_up",
    )
}
# Now-words that override a history reading ("last year ... and now it's back"). "again" only when it is happening
# again, not in "can it happen again?" or "never again".
NOWISH = compile_words(
    r"now|right now|rn|currently|at the moment|today|tonight|this (?:morning|afternoon|evening)|still|"
    r"(?:happening|having it|having them|got it|getting it|started|starting|came back|coming back|is back|its back) "
    r"again|again (?:now|today|tonight)|(?:its|it is|theyre|they are|is|are|came|coming) back(?! to normal)|"
    r"getting worse|ahora|ahorita|hoy|todavia|aun|de nuevo|esta (?:manana|tarde|noche)|"
    r"(?:me|le) (?:esta )?(?:volviendo|volvio) a pasar"
)
# A subject with a present or recent verb: the sender is telling, not asking in general.
PERSONAL = compile_words(
    r"(?<!can )(?<!could )(?<!will )(?<!would )(?<!might )(?<!may )(?<!should )(?<!to )(?<!if )(?<!do )"
    r"(?:i|she|he|they|we|pt|patient|client|(?:my|her|his|our|their) (?:\w+ )?\w+) (?:am|is|are|was|were|has|have|"
    r"had|cant|cannot|couldnt|can barely|can hardly|keep|keeps|kept|feel|feels|felt|started|got|been|just|now|still|"
    r"suddenly|woke|notice\w*|seem|seems|look|looks|sound|sounds|dont|doesnt|m|s|ve)\b"
    r"(?! (?:wondering|curious|asking|thinking|considering|planning|interested|trying to (?:decide|figure|understand)|"
    r"going to get|getting botox|scheduled|reading|researching))|"
    r"(?:im|ive|shes|hes|theyre)(?! (?:wondering|curious|asking|thinking|considering|planning|interested|"
    r"trying to (?:decide|figure|understand)|going to get|getting botox|scheduled|reading|researching|worried about|"
    r"scared of|afraid of|nervous))\b|"
    r"(?:tengo|tiene|estoy|esta|siento|siente|me siento|se siente|no puedo|no puede|me cuesta|le cuesta|veo|ve)"
)
POSSESSIVE = compile_words(
    r"(?:my|her|his|their|mi|su) (?:\w+ )?(?:eyes?|vision|sight|throat|tongue|lips?|face|speech|voice|breathing|"
    r"swallowing|arms?|legs?|neck|head|eyelids?|lids?|bladder|chest|body|mouth|garganta|lengua|labios|cara|voz|"
    r"vista|ojos|brazos|piernas|cuello|cabeza|vejiga|pecho)|(?:me|le)|"
    # Spanish subjunctive after "es normal que ...": about the sender ("es normal que no pueda tragar?")
    r"no pueda|tenga|sienta|vea|este"
)
_CONTINUATION = frozenset("like such including or especially eg e.g for como o incluyendo tipo osea".split())
_SHORT_SENTENCE = 6  # tokens: "hives, swelling?" after a general question continues it
_FIRST_PERSON = frozenset(
    "i im ive my me mine she shes her he hes his him we our mi mis yo me tengo estoy ella".split()
)
_INDICATION_REACH = 4  # tokens from "would botox help" to the symptom it is asked for ("my left arm weakness")
_BARE_OBJECT = frozenset(
    "it this that me her him them us with too also at all botox tox a para ayudaria ayuda sirve".split()
)
_FOR_ME = {("for", w) for w in ("me", "her", "him", "them", "us", "my", "mi")}
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


_PATTERNS = {**_MARKERS, "nowish": NOWISH, "personal": PERSONAL, "possessive": POSSESSIVE}
MARKER_SOURCES = [(name, pattern.pattern) for name, pattern in _PATTERNS.items()]
PREFILTER = prefilter.Prefilter(prefilter.load("markers", MARKER_SOURCES))


class _Spans(dict):
    """Marker spans, each kind located on first use only (most messages need one or two kinds)."""

    def __init__(self, scene: Scene) -> None:
        super().__init__()
        self.scene = scene

    def __missing__(self, name: str) -> list[tuple[int, int]]:
        found = self.scene._find(_PATTERNS[name]) if name in self.scene.active else []
        if name in ("current", "nowish"):
            # "since my stroke" is a long-standing condition, not a time anchor of a new symptom; "fine now" is a
            # resolution, not a now
            masks = self["chronic"] + self["resolution"]
            found = [s for s in found if not any(s[0] < b and a < s[1] for a, b in masks)]
        self[name] = found
        return found


@dataclass
class Scene:
    """One message, cut into sentences and clauses, with every context marker located once."""

    text: Text
    sentence_of: list[int] = field(default_factory=list)
    clause_of: list[int] = field(default_factory=list)
    sentences: list[tuple[int, int]] = field(default_factory=list)
    clauses: list[tuple[int, int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        toks = self.text.tokens
        s0 = c0 = 0
        for i, tok in enumerate(toks):
            if tok in SENTENCE_END and i + 1 < len(toks) and toks[i + 1] in _CONTINUATION:
                continue  # "what are the signs? like double vision?" is one question
            if tok in SENTENCE_END:
                self._close(s0, i + 1, sentence=True)
                self._close(c0, i + 1, sentence=False)
                s0 = c0 = i + 1
            elif tok in (",", ":") and not (i + 1 < len(toks) and toks[i + 1] in _CONTINUATION):
                self._close(c0, i + 1, sentence=False)
                c0 = i + 1
        self._close(s0, len(toks), sentence=True)
        self._close(c0, len(toks), sentence=False)

    def _close(self, a: int, b: int, *, sentence: bool) -> None:
        if b <= a:
            return
        spans, index = (self.sentences, self.sentence_of) if sentence else (self.clauses, self.clause_of)
        index.extend([len(spans)] * (b - a))
        spans.append((a, b))

    @cached_property
    def spans(self) -> _Spans:
        return _Spans(self)

    @cached_property
    def active(self) -> set[str]:
        """Marker kinds whose words occur in this message (the others cannot match: see prefilter.py)."""
        return PREFILTER.active(self.text.tokens)

    def _find(self, pattern: re.Pattern[str]) -> list[tuple[int, int]]:
        t = self.text
        return [(t.token_at(m.start()), t.token_at(m.end() - 1) + 1) for m in pattern.finditer(t.text)]

    def has(self, name: str, a: int, b: int) -> bool:
        """Whether a marker of this kind overlaps tokens [a, b)."""
        return any(x < b and a < y for x, y in self.spans[name])

    def anywhere(self, name: str) -> bool:
        return bool(self.spans[name])

    def sentence(self, f: Finding) -> tuple[int, int]:
        return self.sentences[self.sentence_of[f.start]]

    def clause(self, f: Finding) -> tuple[int, int]:
        return self.clauses[self.clause_of[f.start]]


def classify(scene: Scene, f: Finding, *, injection: bool = False) -> str:
    """The context label of one finding. ``injection``: a recent injection is known (this message or memory)."""
    if negated(scene, f):
        return NEGATED
    s0, s1 = scene.sentence(f)
    c0, c1 = scene.clause(f)
    now_in_clause = scene.has("current", c0, c1) or scene.has("nowish", c0, c1)
    if _hypothetical(scene, f, c0) and not now_in_clause:
        return HYPOTHETICAL
    if _indication(scene, f, s0, s1):
        return INDICATION
    if _history(scene, f, s0, s1):
        return HISTORY
    personal = scene.has("personal", c0, c1)
    referred = any(a >= s1 for a, _ in scene.spans["referback"])
    if scene.has("hearsay", c0, c1) and not now_in_clause:
        return GENERAL
    if _pre_existing(scene, s0, s1):
        return REPORT_Q if referred else GENERAL
    if scene.has("general", c0, c1):
        if personal or now_in_clause or referred:
            return REPORT_Q
        return GENERAL
    if scene.has("weak_general", c0, c1):
        if personal or scene.has("possessive", c0, c1) or scene.has("current", s0, s1) or injection or referred:
            return REPORT_Q
        return AMBIGUOUS
    if _continues_question(scene, s0, s1):
        return GENERAL
    if scene.has("general", s0, s1) or scene.has("weak_general", s0, s1) or "?" in scene.text.tokens[s0:s1]:
        return REPORT_Q
    return REPORT


def continues_earlier_question(scene: Scene) -> bool:
    """A message that goes on with the previous message's general question: "like trouble breathing?"."""
    toks = scene.text.tokens
    if not toks or toks[0] not in _CONTINUATION:
        return False
    s0, s1 = scene.sentences[0]
    words = [t for t in toks[s0:s1] if t not in PUNCT]
    if len(words) > _SHORT_SENTENCE + 2 or any(t in _FIRST_PERSON for t in words):
        return False
    return not (scene.has("current", s0, s1) or scene.has("nowish", s0, s1))


def _continues_question(scene: Scene, s0: int, s1: int) -> bool:
    """A short verbless sentence ("hives, swelling?") right after a general question belongs to that question."""
    toks = scene.text.tokens
    words = [t for t in toks[s0:s1] if t not in PUNCT]
    if s0 == 0 or len(words) > _SHORT_SENTENCE or any(t in _FIRST_PERSON for t in words):
        return False
    if scene.has("current", s0, s1) or scene.has("nowish", s0, s1):
        return False
    p0, p1 = scene.sentences[scene.sentence_of[s0 - 1]]
    return scene.has("general", p0, p1) or scene.has("hypothetical", p0, p1) or scene.has("weak_general", p0, p1)


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


def _hypothetical(scene: Scene, f: Finding, c0: int) -> bool:
    toks = scene.text.tokens
    for a, b in scene.spans["hypothetical"]:
        if not (c0 <= a < f.start):
            continue
        word = " ".join(toks[a:b])
        if word in ("if", "si") and a > 0 and IF_WHETHER.fullmatch(toks[a - 1]):
            continue  # "not sure if", "no se si": whether, a hedged report
        if (
            word in ("afraid of", "scared of", "worried about", "fear of")
            and b < len(toks)
            and toks[b]
            in (
                "my",
                "her",
                "his",
                "this",
                "these",
                "the",
                "mi",
                "su",
            )
        ):
            continue  # "worried about my double vision" is about something happening
        return True
    return False


def _indication(scene: Scene, f: Finding, s0: int, s1: int) -> bool:
    """Asking whether botox would treat this very symptom ("would botox help my arm weakness after my stroke").

    The ask must aim at the finding: right before it ("botox for my double vision"), or as a bare question after
    it ("I can't lift my arm since my stroke, would botox help?"). "Is botox for his drooling risky?" asks about
    something else, so a swallowing problem in the same message stays a pre-existing condition (a preface).
    """
    if scene.has("nowish", s0, s1) or scene.has("injection", s0, s1) or scene.has("current", s0, s1):
        return False
    toks = scene.text.tokens
    for a, b in scene.spans["indication"]:
        if b <= f.start and f.start - b <= _INDICATION_REACH and s0 <= a:
            return True
        if a >= f.end and (b >= len(toks) or toks[b] in PUNCT or toks[b] in _BARE_OBJECT or toks[b : b + 2] in _FOR_ME):
            return True
    return False


def _pre_existing(scene: Scene, s0: int, s1: int) -> bool:
    """A long-standing condition ("I have asthma and sometimes get short of breath, is botox safe?"): a preface."""
    if not scene.has("chronic", s0, s1):
        return False
    return not (scene.has("nowish", s0, s1) or scene.has("injection", s0, s1) or scene.has("current", s0, s1))


def _history(scene: Scene, f: Finding, s0: int, s1: int) -> bool:
    if scene.has("nowish", s0, s1):
        return False
    if scene.has("history", s0, s1):
        return True
    # "it went away", "cleared up": in this sentence or a later one, with no now-word after it
    for a, _ in scene.spans["resolution"]:
        if a >= s0 and not any(x > a for x, _ in scene.spans["nowish"]):
            return True
    return False


def audience(scene: Scene) -> str | None:
    """'staff', 'other', or None when nothing in the message says (the sender, unless memory knows better)."""
    if scene.anywhere("staff"):
        return "staff"
    if scene.anywhere("other"):
        return "other"
    return None


def is_child(scene: Scene) -> bool:
    return scene.anywhere("child")
