"""Self-harm and suicidal thoughts, in any person, English and Spanish; and the idioms that only sound like it.

"I want to die", "going to hurt myself", "no quiero vivir", "me quiero morir" -> crisis. "This is killing me lol",
"I could die of embarrassment", "dying to know", "me muero de risa" -> not. Someone who has already harmed
themselves or is in immediate danger (pills taken, a plan for tonight) also gets "danger": the answer then leads
with the emergency number. Negation and general questions reuse context.py, like the medical concepts.
"""

from __future__ import annotations

from dataclasses import dataclass

from botox_bot.core.triage import prefilter
from botox_bot.core.triage.concepts import Finding, compile_words
from botox_bot.core.triage.normalise import Text

_SELF = r"(?:myself|herself|himself|themselves|themself|yourself)"

CRISIS = compile_words(
    # English
    r"(?:want|wanna|wish|wished|wishing|going|planning|plan|ready|decided|trying|tried|thinking about|"
    r"thought about|think about|thinking of|considering|urge|urges) (?:to )?(?:die|kill " + _SELF + r"|"
    r"end (?:it all|my life|her life|his life|their life|things|everything)|be dead|not be (?:here|alive|around)|"
    r"not wake up|disappear forever|unalive " + _SELF + r"|take my (?:own )?life|hurt " + _SELF + r"|"
    r"harm " + _SELF + r"|cut " + _SELF + r")|"
    r"kill(?:ing|ed)? " + _SELF + r"|kms|unaliv\w*|suicid(?:al|e attempt|e note|e plan)|"
    r"(?:thinking|thought|thoughts|think|considering|planning|plan|attempt\w*|commit|committing|want|going) "
    r"(?:about |of |to )?(?:commit(?:ting)? )?suicide|self ?harm\w*|"
    r"(?:hurt|hurting|harm|harming|cut|cutting) " + _SELF + r"|"
    r"end(?:ing)? (?:my|her|his|their) (?:own )?life|take (?:my|her|his|their) (?:own )?life|better off dead|"
    r"(?:everyone|they|family|everybody|my family|my kids) (?:would be|is|are|d be|will be) better off without "
    r"(?:me|her|him)|"
    r"(?:dont|do not|doesnt|dont even|didnt) want to (?:live|be alive|be here anymore|exist|wake up|go on)|"
    r"(?:want|wants|wanna|going|ready) to end it(?= [.!?,;:]| *$| all| now| tonight| today| for good)|"
    r"no (?:reason|point) (?:to live|in living|living|to go on|going on|in going on)|nothing (?:left )?to live for|"
    r"(?:wish|wished|wishes) (?:i|she|he) (?:was|were|had been) (?:dead|never born)|"
    r"(?:wish|wished) (?:i|she|he) (?:could )?(?:die|disappear|not wake up|wouldnt wake up)|"
    r"(?:cant|cannot|dont want to) go on (?:living|like this|anymore)|tired of (?:living|being alive|life)|"
    r"(?:want|wants|wanted) to die|"
    # no point in living; wanting it all to end
    r"(?:dont|do not|cant|cannot|doesnt|no|not|never|whats the|what is the) (?:see |find |have |any |even )*"
    r"(?:the |a |any )?(?:point|reason|sense|use) (?:in|of|to|for) (?:living|life|being alive|going on|being here|"
    r"staying alive|anything anymore|live|keep going|go on|carry on|continue|keep living|be here)|"
    r"(?:go to sleep|sleep|fall asleep) and (?:never|not) wake up|never wake up again|"
    r"(?:going to|about to|will|want to|wants to|plan to|planning to|plans to|thinking about|thinking of) "
    r"(?:overdose|od)\b|(?:end|ending|ended) it all|(?:want|wants|need|needs|wish) (?:it all|"
    r"everything|this|my life|life) to "
    r"(?:end|stop|be over)(?! (?:soon|quickly|already))?|(?:make|let) it (?:all )?(?:end|stop) (?:for good|forever)|"
    # self-harm going on, and pills about to be taken
    r"(?:been|started|keep|keeps|am|im|is|was|back to) (?:cutting|burning|hurting|harming) (?:again|myself|herself|"
    r"himself)|(?:cutting|self harming|harming myself) again|relapsed (?:on|into) (?:cutting|self harm)|"
    r"(?:take|taking|swallow|swallowing|down|downing) (?:them all|all of them|all of it|the whole bottle|all the pills|"
    r"all my pills|every pill)|"
    # Spanish
    r"(?:me |se )?quiero morir(?:me)?|(?:me quiero|quisiera|quiero|se quiere|se quiso|me quise) (?:matar(?:me|se)?|"
    r"morir(?:me|se)?|desaparecer|quitar(?:me|se)? la vida|dejar de vivir|no despertar)|mejor me muero|"
    r"no (?:le |les )?(?:veo|encuentro|tiene|hay|tengo) (?:ningun |nada de )?sentido (?:a |en |de )?(?:la vida|vivir|"
    r"seguir|nada|seguir viviendo)|(?:quisiera|quiero|me gustaria|ojala) (?:estar|estuviera) muert[oa]|"
    r"ojala (?:me muriera|no despertara|estuviera muert[oa])|(?:no tiene|no le veo|sin) sentido (?:vivir|la vida|"
    r"seguir)|"
    r"(?:me he estado|me estoy|me sigo|volvi a|sigo) (?:cortando|cortar|lastimando|lastimar|haciendo dano)|"
    r"(?:me las|me la|me los) quiero tomar todas?|tomarme todas (?:las pastillas)?|quiero que todo (?:se )?(?:acabe|"
    r"termine)|"
    r"(?:ya )?no (?:quiero|quiere) (?:vivir|seguir viviendo|estar aqui|despertar|seguir)|quitar(?:me|se) la vida|"
    r"suicid\w*|matarme|matarse|me voy a matar|se va a matar|hacerme dano|hacerse dano|lastimarme|cortarme|"
    r"me corte|mejor (?:muerta|muerto)|no vale la pena vivir|(?:seria|estarian) mejor sin mi|"
    r"me quiero ir para siempre"
)

DANGER = compile_words(
    r"(?:took|taken|swallowed|take|taking|downed|tome|me tome|trague) (?:all|a bunch|a lot|a handful|too many|"
    r"a bottle|the whole bottle|the bottle|\d+|lots|most|every|muchas|todas|un monton|varias|un frasco) "
    r"(?:of |de )?(?:my |her |his |the |las |mis )?(?:pills|meds|medication|medications|tablets|sleeping pills|"
    r"tylenol|xanax|ambien|oxy\w*|insulin|pastillas|medicinas|pildoras)|"
    r"overdos(?:ed|ing)(?! on (?:botox|tox|units|filler))|"
    r"(?:cut|cutting|slit|slitting) (?:my|her|his) (?:wrists?|arms?|throat)|"
    r"(?:already|just) (?:hurt|cut|harmed|stabbed|shot|poisoned) (?:myself|herself|himself)|"
    r"(?:have|got|holding|bought|loaded) (?:a |the |my )?(?:gun|knife|rope|blade|razor)|"
    r"(?:going to|about to|will) (?:jump|shoot|hang)|(?:on|at) the (?:bridge|roof|ledge|edge|train tracks)|"
    r"(?:this is|saying) (?:my )?goodbye|my last (?:message|text)|suicide note|"
    r"me corte (?:las venas|los brazos)|me voy a (?:tirar|aventar|colgar)|tengo (?:una pistola|un cuchillo|una soga)|"
    r"(?:bottle|handful|bunch|pile) of (?:pills|meds|tablets) <g3>(?:in front of me|in my hand|next to me|ready)|"
    r"(?:pills|meds|pastillas) <g2>(?:in front of me|in my hand|en la mano|ready|listas)|"
    r"tonight|right now|ahora mismo|esta noche"
)

IDIOMS = compile_words(
    r"(?:die|dying|died|dead|morir|muero|muera|muriendo) (?:of|from|de) (?:la )?(?:embarrassment|laughter|"
    r"laughing|shame|boredom|cuteness|jealousy|happiness|excitement|envy|risa|ganas|verguenza|pena|hambre|sueno|"
    r"calor|frio|amor|aburrimiento|envidia|nervios)|dying to|to die for|die laughing|dead (?:lol|lmao)|"
    r"(?:hurt|kill|killing|killed) " + _SELF + r" (?:laughing|at the gym|in the gym|working|trying|shaving|"
    r"cooking|by accident|accidentally|lifting|running|for)|me muero (?:por|de)"
)


SOURCES: list[tuple[str, str]] = [("crisis", CRISIS.pattern), ("danger", DANGER.pattern), ("idioms", IDIOMS.pattern)]
PREFILTER = prefilter.Prefilter(prefilter.load("crisis", SOURCES))
_NOT_ALONE = frozenset({"tonight", "right now", "ahora mismo", "esta noche"})


@dataclass(frozen=True)
class CrisisFinding:
    finding: Finding
    danger: bool


def find(text: Text) -> list[CrisisFinding]:
    """Crisis mentions (without their context yet). ``danger``: immediate danger said in the same message."""
    active = PREFILTER.active(text.tokens)
    if "crisis" not in active and "danger" not in active:
        return []
    s = text.text
    matches = list(CRISIS.finditer(s)) if "crisis" in active else []
    danger_spans = [(m.start(), m.end()) for m in DANGER.finditer(s)] if "danger" in active else []
    idioms = [(m.start(), m.end()) for m in IDIOMS.finditer(s)] if matches and "idioms" in active else []
    out: list[CrisisFinding] = []
    for m in matches:
        if any(m.start() < y and x < m.end() for x, y in idioms):
            continue
        f = Finding("crisis", text.token_at(m.start()), text.token_at(m.end() - 1) + 1)
        out.append(CrisisFinding(f, bool(danger_spans)))
    if not out:
        # pills already taken or a weapon at hand is danger even when no crisis word is used
        for x, y in danger_spans:
            if s[x:y] not in _NOT_ALONE:
                out.append(CrisisFinding(Finding("crisis", text.token_at(x), text.token_at(y - 1) + 1), True))
                break
    return out
