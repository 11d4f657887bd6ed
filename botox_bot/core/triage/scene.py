"""One message cut into sentences and clauses, with its context markers located on demand.

The markers (general question, history, resolution, now-words, indication, audience ...) are regexes from the
lexicons; each kind is only searched for when a decision needs it and its words occur in the message (see
prefilter.py), because most messages need one or two kinds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from botox_bot.core.triage import lexicon_en, lexicon_es, prefilter
from botox_bot.core.triage.concepts import Finding, Rule, lazy_words
from botox_bot.core.triage.normalise import Text

SENTENCE_END = frozenset(".?!;")
PUNCT = frozenset(".?!;:,")
CONTINUATION = frozenset("like such including or especially eg e.g for como o incluyendo tipo osea".split())


def marker(name: str, suffix: str = "") -> Rule:
    parts = [lex.MARKERS[name] for lex in (lexicon_en, lexicon_es) if name in lex.MARKERS]
    return lazy_words("(?:" + "|".join(f"(?:{p})" for p in parts) + ")" + suffix)


def words(name: str) -> frozenset[str]:
    return frozenset(
        w
        for lex in (lexicon_en, lexicon_es)
        if name in lex.MARKERS
        for w in lex.MARKERS[name].split("|")
        if " " not in w
    )


MARKERS = {
    name: marker(name, suffix=r"(?: now| ya| ahora)?" if name == "resolution" else "")
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
NOWISH = lazy_words(
    r"now|right now|rn|currently|at the moment|today|tonight|this (?:morning|afternoon|evening)|still|"
    r"(?:happening|having it|having them|got it|getting it|started|starting|came back|coming back|is back|its back) "
    r"again|again (?:now|today|tonight)|(?:its|it is|theyre|they are|is|are|came|coming) back(?! to normal)|"
    r"getting worse|ahora|ahorita|hoy|todavia|aun|de nuevo|esta (?:manana|tarde|noche)|"
    r"(?:me|le) (?:esta )?(?:volviendo|volvio) a pasar"
)
# A subject with a present or recent verb: the sender is telling, not asking in general.
PERSONAL = lazy_words(
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
POSSESSIVE = lazy_words(
    r"(?:my|her|his|their|mi|su) (?:\w+ )?(?:eyes?|vision|sight|throat|tongue|lips?|face|speech|voice|breathing|"
    r"swallowing|arms?|legs?|neck|head|eyelids?|lids?|bladder|chest|body|mouth|garganta|lengua|labios|cara|voz|"
    r"vista|ojos|brazos|piernas|cuello|cabeza|vejiga|pecho)|(?:me|le)|"
    # Spanish subjunctive after "es normal que ...": about the sender ("es normal que no pueda tragar?")
    r"no pueda|tenga|sienta|vea|este"
)

PATTERNS = {**MARKERS, "nowish": NOWISH, "personal": PERSONAL, "possessive": POSSESSIVE}
MARKER_SOURCES: list[tuple[str, str]] = [(name, pattern.pattern) for name, pattern in PATTERNS.items()]
PREFILTER = prefilter.Prefilter(prefilter.load("markers", MARKER_SOURCES))


class _Spans(dict[str, list[tuple[int, int]]]):
    """Marker spans, each kind located on first use only (most messages need one or two kinds)."""

    def __init__(self, scene: Scene) -> None:
        super().__init__()
        self.scene = scene

    def __missing__(self, name: str) -> list[tuple[int, int]]:
        found = self.scene._find(PATTERNS[name]) if name in self.scene.active else []
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
            if tok in SENTENCE_END and i + 1 < len(toks) and toks[i + 1] in CONTINUATION:
                continue  # "what are the signs? like double vision?" is one question
            if tok in SENTENCE_END:
                self._close(s0, i + 1, sentence=True)
                self._close(c0, i + 1, sentence=False)
                s0 = c0 = i + 1
            elif tok in (",", ":") and not (i + 1 < len(toks) and toks[i + 1] in CONTINUATION):
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

    def _find(self, pattern: Rule) -> list[tuple[int, int]]:
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


def audience(scene: Scene) -> str | None:
    """'staff', 'other', or None when nothing in the message says (the sender, unless memory knows better)."""
    if scene.anywhere("staff"):
        return "staff"
    if scene.anywhere("other"):
        return "other"
    return None


def is_child(scene: Scene) -> bool:
    return scene.anywhere("child")
