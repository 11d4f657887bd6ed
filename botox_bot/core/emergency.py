"""The emergency screen: finds a person describing a red-flag symptom, before any classifier runs.

It is a reviewed rule set, kept in code on purpose: clinics tune the FAQ content, but nobody should be able to
switch off the emergency answer by editing YAML. The screen works in four steps:

1. Normalise the text and correct typos of the symptom words (``swalowing`` -> ``swallowing``) with
   RapidFuzz, against a short vocabulary of symptom words only, so ordinary words are left alone.
2. Find red-flag symptom phrases (breathing, swallowing, speech, vision, spreading or generalised weakness,
   throat or tongue swelling, wheezing, hives, bladder control, botulism).
3. Drop phrases that are plainly negated ("no trouble breathing").
4. A general question about a risk ("can botox cause trouble swallowing?") is left to the classifier and the
   safety answer, unless the message also tells of something happening to someone ("I have...", "since
   yesterday", "my patient..."): when in doubt, it is an emergency.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import OSA

from botox_bot.core.text import clean

CALL_NOW = "call_now"
URGENT = "urgent"

# Symptom words that typos are corrected to. Words close to these but meaning something else are listed in
# _PROTECTED (drooling is a treatment, not drooping; a threat is not a throat).
_VOCABULARY = (
    "breathe breathing breath breathless breathed swallow swallowing swallowed swallows dysphagia "
    "speaking speech talking slurred slurring slurry hoarse vision double blurry blurred blurring blurriness "
    "eyelid eyelids drooping droopy weakness throat swelling swollen tongue wheezing wheezy choking "
    "difficulty trouble struggling hives allergic reaction bladder botulism spreading everything "
    "anaphylaxis anaphylactic shortness tightness seeing focus"
).split()
_PROTECTED = frozenset(
    "breast breasts bread sweating sweat sweats sweaty drooling drool threat threats weeks feeding reading "
    "heading treating seating leading version visits visit double doubled troubled dropping shopping "
    "speaker speakers thought through blurb hiving spread spreads swelled fillers driving botulinum "
    "botulinumtoxin toxins sharpness thickness struggles reactions".split()
)

_APOS = re.compile(r"'")
_TOKEN = re.compile(r"[a-z]+|[0-9]+|[^\sa-z0-9]")

_D = r"(?:\w+\W+)"  # one word and what follows it, for "up to N words between"
_HARD = (
    r"(?:trouble|difficulty|difficulties|difficult|hard|harder|hardly|problems?|issues?|struggl\w*|unable to|"
    r"cant|cannot|can not|couldnt|could not|not able to|barely|pain(?:ful)? when|impossible)"
)
_WEAK = r"(?:weak\w*|waek\w*|weeak\w*|limp|floppy|heavy)"
_BODY = r"(?:arms?|legs?|neck|body|hands?|shoulders?|everywhere|all over)"

_RULES: tuple[tuple[str, str, str], ...] = (
    # (kind, level, pattern) over the normalised text
    ("breathing", CALL_NOW, rf"{_HARD}\W+{_D}{{0,3}}breath\w*"),
    (
        "breathing",
        CALL_NOW,
        rf"breath\w*\W+{_D}{{0,3}}(?:hard|harder|difficult|labou?red|shallow|tight|weird|"
        r"funny|heavy|strange|off|fast|rapid|noisy)",
    ),
    (
        "breathing",
        CALL_NOW,
        r"short(?:ness)? of breath|breathless|out of breath|gasping|wheez\w*|dyspn[oe]\w*|"
        r"cant get (?:enough )?air|(?:chest|airway) (?:is |feels |feel )?(?:tight|closing)|"
        r"suffocat\w*|no puedo respirar|dificultad para respirar|me cuesta respirar|falta de aire",
    ),
    ("swallowing", CALL_NOW, rf"{_HARD}\W+{_D}{{0,3}}swallow\w*"),
    (
        "swallowing",
        CALL_NOW,
        rf"swallow\w*\W+{_D}{{0,3}}(?:hard|harder|difficult|painful|weird|funny|strange|off|"
        r"impossible|a struggle)",
    ),
    (
        "swallowing",
        CALL_NOW,
        r"dysphagia|choking|chok(?:e|ed) on|(?:food|water|drinks?|liquids?|pills?|spit|saliva)"
        rf"\W+{_D}{{0,3}}(?:stuck|going down the wrong|goes down the wrong|went down the wrong|"
        r"coming (?:back|out)|comes (?:back|out))|no puedo tragar|dificultad para tragar",
    ),
    (
        "throat",
        CALL_NOW,
        rf"(?:throat|tongue)\W+{_D}{{0,4}}(?:swell\w*|swollen|closing|tight\w*|thick)|"
        rf"(?:swell\w*|swollen)\W+{_D}{{0,2}}(?:throat|tongue)|anaphyla\w*",
    ),
    (
        "weakness",
        CALL_NOW,
        rf"weakness\W+{_D}{{0,2}}spreading|spreading\W+{_D}{{0,2}}weakness|"
        rf"{_WEAK}\W+{_D}{{0,4}}spreading",
    ),
    (
        "weakness",
        URGENT,
        rf"{_WEAK}\W+{_D}{{0,4}}{_BODY}|(?:whole|entire|full) body\W+{_D}{{0,3}}{_WEAK}|"
        rf"(?:generali[sz]ed|general|total|full body|whole body) weakness|"
        rf"(?:neck|arms?|legs?)\W+{_D}{{0,3}}{_WEAK}|"
        rf"{_HARD}\W+{_D}{{0,3}}(?:hold\w*|lift\w*|keep\w*|raise|raising) (?:up )?"
        r"(?:my |his |her |their |the )?(?:head|arms?|neck)|"
        r"head (?:keeps |is )?(?:falling|dropping|flopping|droops|drooping)|"
        r"(?:cant|cannot|can hardly|can barely|hardly|barely|unable to|trouble|hard to) "
        r"(?:stand|walk|get up|climb|grip|lift)\w*|"
        r"(?:legs?|knees?) (?:keep |keeps |kept )?(?:giving out|gave out|give out|buckl\w*)",
    ),
    (
        "speech",
        URGENT,
        rf"{_HARD}\W+{_D}{{0,3}}(?:speak\w*|talk\w*|speech|saying words|get(?:ting)? (?:my |the )?"
        r"words out|forming words|pronounc\w*)|slurr\w*|dysarthria|dysphonia|"
        rf"(?:speech|voice)\W+{_D}{{0,3}}(?:slurred|slow|weird|off|changed|different|hoarse|gone|"
        r"weak|raspy|strange)|(?:lost|losing|loss of) (?:my |her |his )?voice|hoarse\w*|"
        r"dificultad para hablar",
    ),
    (
        "vision",
        URGENT,
        r"(?:double|dubble|duble|doubel|doble|dbl) vision|seeing (?:double|dubble)|see(?:ing)? (?:two|2) of|diplopia|"
        r"blurr?(?:y|ed|ing)? (?:vision|sight|eyes)|"
        rf"(?:vision|sight|eyesight)\W+{_D}{{0,3}}(?:blur\w*|double|fuzzy|hazy|weird|off|changed|"
        r"worse|going|problems?|dim)|"
        r"(?:cant|cannot|trouble|hard to|difficulty|unable to) (?:see|focus)\w*|"
        r"everything (?:is |looks |seems )?(?:blurry|double|fuzzy)|"
        r"(?:lost|losing|loss of) (?:my )?(?:vision|sight)|vision (?:doble|borrosa)",
    ),
    ("allergy", CALL_NOW, rf"allergic reaction\W+{_D}{{0,6}}(?:breath\w*|throat|tongue)"),
    ("allergy", URGENT, r"\bhives\b|welts|allergic reaction|(?:rash|itch\w*) (?:all over|everywhere|spreading)"),
    (
        "bladder",
        URGENT,
        r"(?:cant|cannot|unable to|trouble|difficulty) (?:control|hold)\w* (?:my )?"
        r"(?:bladder|pee|urine)|(?:lost|losing|loss of) (?:my )?bladder control",
    ),
    ("botulism", URGENT, r"botulism"),
)
_COMPILED = tuple((kind, level, re.compile(rf"(?<![a-z0-9])(?:{pat})")) for kind, level, pat in _RULES)

_NEGATED = re.compile(
    r"(?:\bno|\bnot|\bwithout|\bnever|\bnor|\bdont have|\bdo not have|\bdont get|\bnot having|\bno longer have|"
    r"\bhavent had|\bhavent got|\bdidnt have|\bzero)\s+(?:any\s+|much\s+|real\s+|more\s+)?$"
)
_GENERAL = re.compile(
    r"^(?:(?:hi|hey|hello|so|ok|okay|um|quick question|question|doc|doctor|also)\W+)*"
    r"(?:can|could|does|do|did|will|would|might|may|is|are|what|whats|how|which|should|who|where|when|why)\b|"
    r"\b(?:cause|causes|risk|risks|chance|chances|possible|possibility|side effects?|common|rare|likely|"
    r"prevent|avoid|if|in case|ever|anyone|people|someone|patients|safe|last time|in the past|previously|"
    r"history of|years ago)\b"
)
_EXPERIENTIAL = re.compile(
    r"(?<!if )(?<!when )(?<!whether )(?<!in case )"
    r"\b(?:i|im|ive|we|he|she|hes|shes|they|my \w+|our \w+|pt|patient|client)\s+(?:\w+\s+)?"
    r"(?:have|has|had|having|got|getting|am|is|are|feel\w*|felt|notic\w*|experienc\w*|start\w*|develop\w*|"
    r"woke|wake|cant|cannot|couldnt|keep|keeps|kept|been|suddenly|now|still|just|called|calling|reports?\w*)\b|"
    r"\b(?:now|since|today|tonight|yesterday|this morning|right now|currently|ago|last night|after my|"
    r"since my|post injection|post botox|post op|just had|got botox|had botox|had my|got my|getting worse|"
    r"days? after|weeks? after|hours? after|minutes after|within minutes|help me|please help|rn)\b"
)


@dataclass(frozen=True)
class RedFlag:
    kind: str
    level: str  # CALL_NOW or URGENT
    phrase: str


def _normalise(text: str) -> str:
    cleaned = _APOS.sub("", clean(text))
    return " ".join(_correct(tok) for tok in _TOKEN.findall(cleaned))


@lru_cache(maxsize=65536)
def _correct(token: str) -> str:
    if len(token) < 5 or not token.isalpha() or token in _PROTECTED or token in _VOCAB_SET:
        return token
    cutoff = 1 if len(token) < 9 else 2
    hit = process.extractOne(token, _VOCABULARY, scorer=OSA.distance, score_cutoff=cutoff)
    return hit[0] if hit else token


_VOCAB_SET = frozenset(_VOCABULARY)


def screen(text: str) -> RedFlag | None:
    """The most serious red flag a message describes, or ``None``."""
    norm = _normalise(text)
    flags: list[RedFlag] = []
    for kind, level, pattern in _COMPILED:
        for match in pattern.finditer(norm):
            if not _NEGATED.search(norm[: match.start()]):
                flags.append(RedFlag(kind, level, match.group(0)))
                break
    if not flags:
        return None
    if _GENERAL.search(norm) and not _EXPERIENTIAL.search(norm):
        return None
    return min(flags, key=lambda f: f.level != CALL_NOW)
