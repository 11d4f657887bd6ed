"""Where a finding stands in its message: happening now, denied, asked about in general, in the past, or a
condition someone wants treated (who it happens to is scene.audience; what is denied is negation.py).

Everything is decided per finding, inside its clause or sentence, so "I had double vision last year, it went away.
Now my throat feels tight" is one resolved mention and one current alarm. When the signals conflict, the reading
that leads to care wins: a report phrased as a question is a report, and a hedge ("not sure if my vision is
blurry") is not a denial.
"""

from __future__ import annotations

from botox_bot.core.triage.concepts import Finding
from botox_bot.core.triage.negation import negated
from botox_bot.core.triage.scene import CONTINUATION, PUNCT, Scene, marker

# Context labels
REPORT = "report"  # a statement that it is happening
REPORT_Q = "question-form report"  # a report phrased as a question ("swallowing is hard, is that normal?")
AMBIGUOUS = "ambiguous"  # "is it normal to see double?": a report only if an injection is known (memory)
GENERAL = "general question"
HYPOTHETICAL = "hypothetical"
HISTORY = "resolved history"
INDICATION = "indication"
NEGATED = "negated"

IF_WHETHER = marker("if_whether")
_SHORT_SENTENCE = 6  # tokens: "hives, swelling?" after a general question continues it
_FIRST_PERSON = frozenset(
    "i im ive my me mine she shes her he hes his him we our mi mis yo me tengo estoy ella".split()
)

_INDICATION_REACH = 4  # tokens from "would botox help" to the symptom it is asked for ("my left arm weakness")
_BARE_OBJECT = frozenset(
    "it this that me her him them us with too also at all botox tox a para ayudaria ayuda sirve".split()
)
_FOR_ME = {("for", w) for w in ("me", "her", "him", "them", "us", "my", "mi")}


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
    if not toks or toks[0] not in CONTINUATION:
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
