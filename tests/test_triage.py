"""The triage screen (botox_bot.core.triage): a missed red flag is the worst bug, an alarm for a bruise the second.

Table-driven, English and Spanish: every concept, every urgency rule and combination, negation scope, the typo
guard, crisis vs idiom, memory over two messages, audience, and preface vs none vs alarm.
"""

from __future__ import annotations

import json

import pytest

from botox_bot.core.triage import Triage, screen
from botox_bot.core.triage.memory import TTL
from botox_bot.core.triage.normalise import correct, normalise

T0 = 1_700_000_000.0


def outcome(text: str) -> str:
    return screen(text, now=T0)[0].outcome


def triage(text: str) -> Triage:
    return screen(text, now=T0)[0]


def check(text: str, expected: str) -> None:
    got = triage(text)
    assert got.outcome == expected, (text, got)


# --- call_now: call the emergency number now --------------------------------------------------------------------------

CALL_NOW_EN = [
    # breathing
    ("breathing", "cant catch my breath since the shots this morning"),
    ("breathing", "i'm so winded just getting off the couch"),
    ("breathing", "hard to get a full breath in, chest feels tight"),
    ("breathing", "she's gasping and her lips are turning blue"),
    ("breathing", "feels like someone is sitting on my chest"),
    ("breathing", "my breathing sounds noisy and wheezy tonight"),
    ("breathing", "struggling for air after my neck tox"),
    ("breathing", "i can hardly breathe"),
    ("breathing", "shortness of breath 3 days post injection"),
    ("breathing", "not breathing right, scared"),
    # swallowing
    ("swallowing", "food keeps getting stuck halfway down"),
    ("swallowing", "my pills won't go down anymore"),
    ("swallowing", "i choke every time i drink water"),
    ("swallowing", "coughing whenever i sip anything since my injections"),
    ("swallowing", "feels like a lump in my throat and i cant get food down"),
    ("swallowing", "can't swallow my own spit, i'm drooling"),
    ("swallowing", "it takes me three tries to swallow a bite"),
    ("swallowing", "water goes down the wrong pipe every time"),
    ("swallowing", "i can't eat without choking"),
    ("swallowing", "i dont think i can swallow"),
    # swelling
    ("swelling", "my tongue feels too big for my mouth"),
    ("swelling", "lips are swelling up fast after the lip flip"),
    ("swelling", "throat feels like its closing"),
    ("swelling", "her whole face is puffing up"),
    ("swelling", "my throat is tight and scratchy since the shot"),
    # fainting
    ("faint", "i passed out in the parking lot after my appointment"),
    ("faint", "feel like i'm going to faint"),
    ("faint", "my husband collapsed an hour after his botox"),
    # weakness, whole body or spreading; cannot hold the head up
    ("weakness", "i'm weak all over and can barely get out of bed"),
    ("weakness", "can't lift my arms at all"),
    ("weakness", "my legs won't hold me, i cant stand up"),
    ("weakness", "weakness started in my neck and now it's in my arms"),
    ("weakness", "i feel paralyzed"),
    ("weakness", "she went limp on the sofa"),
    ("weakness", "too weak to walk to the bathroom"),
    ("weakness", "my arms feel heavier and heavier, getting worse every hour"),
    ("head_control", "i can't hold my head up"),
    ("head_control", "his head keeps flopping forward"),
    # combinations
    ("anaphylaxis", "covered in hives and i feel dizzy"),
    ("anaphylaxis", "itchy all over and lightheaded"),
    ("anaphylaxis", "broke out in a rash and now wheezing"),
    ("face_droop", "my smile is crooked and my arm is weak"),
    ("face_droop", "one side of my face is drooping and my words are slurred"),
    ("headache", "worst headache of my life and now i see double"),
    ("headache", "sudden terrible headache and my speech is slurred"),
    ("child", "my toddler is so floppy since the spasticity injections"),
    ("child", "my baby won't feed and seems weak after her botox"),
]

CALL_NOW_ES = [
    ("breathing", "no puedo respirar bien desde el botox"),
    ("breathing", "me falta el aire al caminar"),
    ("breathing", "siento el pecho apretado y me ahogo"),
    ("breathing", "me cuesta respirar desde anoche"),
    ("breathing", "mi mama tiene los labios morados"),
    ("swallowing", "me cuesta tragar"),
    ("swallowing", "no puedo tragar ni el agua"),
    ("swallowing", "se me atora la comida"),
    ("swallowing", "la comida no me baja"),
    ("swallowing", "me atraganto con todo lo que como"),
    ("swelling", "se me cierra la garganta"),
    ("swelling", "se me hinchan los labios"),
    ("swelling", "tengo la lengua hinchada"),
    ("swelling", "la cara se me esta hinchando mucho"),
    ("faint", "me desmaye despues de la cita"),
    ("weakness", "no puedo levantar los brazos"),
    ("weakness", "me siento debil en todo el cuerpo"),
    ("weakness", "estoy como paralizada"),
    ("head_control", "no puedo sostener la cabeza"),
    ("head_control", "se le cae la cabeza a mi papa"),
    ("anaphylaxis", "tengo ronchas y estoy mareada"),
    ("anaphylaxis", "comezon en todo el cuerpo y me siento mareado"),
    ("face_droop", "se me cae un lado de la cara y no puedo mover el brazo"),
    ("headache", "el peor dolor de cabeza de mi vida y veo borroso"),
    ("child", "mi bebe esta flojito y no quiere comer"),
]

# Spanish without accents and in Spanglish, as US patients text
SPANGLISH = [
    ("call_now", "no puedo swallow desde el botox"),
    ("call_now", "tengo trouble breathing"),
    ("call_now", "mi throat se siente cerrada"),
    ("urgent", "me siento weak en los brazos"),
    ("urgent", "veo double desde ayer"),
    ("call_now", "Me cuesta tragar desde el martes."),
    ("call_now", "no puedo respirár"),
]


# comparisons, shorthand, voice transcripts, capitals: the same concepts in other kinds of language
MORE_ALARMS = [
    ("call_now", "every breath feels like breathing through a straw"),
    ("call_now", "I keep having to stop mid sentence to get air"),
    ("call_now", "feels like my airway is narrowing"),
    ("call_now", "drinks come back out my nose"),
    ("call_now", "i can't get my vitamins down, they just sit in my throat"),
    ("call_now", "swallowing feels like work, i have to think about every gulp"),
    ("call_now", "se me va el agua por la nariz cuando tomo"),
    ("call_now", "my whole body feels like jelly"),
    ("call_now", "me late el corazon rapidisimo y tengo ronchas por todo el cuerpo"),
    ("call_now", "I CANT BREATHE PLEASE HELP"),
    ("call_now", "yes hi um my wife had her botox yesterday and she says she can't really swallow anything"),
    ("call_now", "pt s/p 100u cervical dystonia 5d ago, now dysphagia to liquids and SOB on exertion"),
    ("call_now", "la paciente refiere disfagia y disnea desde ayer"),
    ("call_now", "kinda hard to breathe ngl"),
    ("call_now", "throat closing up hives everywhere"),
    ("urgent", "i'm peeing on myself without knowing, started after botox"),
    ("urgent", "pt c/o diplopia and ptosis bilaterally 6 days post glabellar"),
    ("urgent", "eyes feel weird and everything is kind of double"),
    ("urgent", "la voz se me quebro y esta ronca desde el botox"),
    ("crisis", "I don't see a reason to keep going"),
    ("crisis", "i wish i could go to sleep and never wake up"),
    ("crisis", "my friend texted me she's going to overdose tonight"),
    ("crisis", "i just want to end it"),
]
MORE_ALARMS += [
    ("call_now", "respiro muy cortito desde la manana"),
    ("call_now", "se me hincharon los labios bien feo"),
    ("call_now", "tengo la lengua como dormida y muy grande"),
    ("call_now", "mi hijo de 4 anos esta muy flojo y no sostiene la cabeza"),
    ("urgent", "mi esposo dice que hablo como si estuviera borracha"),
    ("urgent", "se me sale la pipi sin querer desde el botox"),
    ("urgent", "no veo nada, todo borroso"),
    ("crisis", "ya no le encuentro sentido a la vida"),
    ("crisis", "quisiera estar muerta"),
    # gerunds after a difficulty ("a hard time holding my head up"), and spreading named by the weak part
    ("urgent", "I have such a hard time keeping my head up since the neck injections"),
    ("call_now", "the numbness is moving into my arms now"),
]
MORE_NEAR_MISSES = [
    "mi perrito esta ronco jaja, pregunta: cuanto cuesta el botox?",
    "no me falta el aire ni tengo problemas para tragar, solo un moreton",
    "me quede sin palabras con los resultados",
    "me puse tox ayer y no veo nada, cuando empieza a hacer efecto?",
    "i cant see anything yet, when does it kick in",
    "my dog is wheezing, not me lol, unrelated question about pricing",
    "my voice is hoarse from singing at a concert last night, can i still get botox today?",
    "I'd love to breathe new life into my forehead lol",
    "swallowing my fear and booking botox",
    "the needle made me a little lightheaded but I'm fine now",
    "no slurred speech, no double vision, no weakness. just checking in as you asked",
    "weak results from my last botox, can i get a touch up",
    "my legs are sore from the gym lol, anyway how long till results",
    "me siento bien, sin problemas para tragar ni respirar",
    # the look people fear (the intended effect, asked about ahead), not paralysis of the body
    "will I come out looking paralyzed like a wax figure?",
    "would my face be frozen for months",
    "does tox paralyze your forehead forever",
    # the toxin asked about travelling, with no weakness anywhere
    "can the stuff travel to the rest of the body? just nervous before my first appointment",
]


@pytest.mark.parametrize(("expected", "text"), MORE_ALARMS)
def test_more_kinds_of_language(expected, text):
    check(text, expected)


@pytest.mark.parametrize("text", MORE_NEAR_MISSES)
def test_more_near_misses(text):
    assert not triage(text).alarm, (text, triage(text))


@pytest.mark.parametrize(("concept", "text"), CALL_NOW_EN + CALL_NOW_ES)
def test_call_now(concept, text):
    got = triage(text)
    assert got.outcome == "call_now", (text, got)
    assert concept in got.concepts, (text, got)


@pytest.mark.parametrize(("expected", "text"), SPANGLISH)
def test_spanglish(expected, text):
    check(text, expected)


# --- urgent: emergency department now ---------------------------------------------------------------------------------

URGENT_EN = [
    ("speech", "my wife got botox for migraines and now she slurs her words"),
    ("vision", "seeing two of everything since tuesday"),
    ("vision", "my vision is fuzzy since the crows feet botox"),
    ("vision", "can't focus my eyes"),
    ("vision", "everything looks blurry"),
    ("vision", "blurry vision"),
    ("vision", "the tv is doubled when i look at it"),
    ("speech", "my speech is slurred"),
    ("speech", "i sound drunk but i haven't had a drink"),
    ("speech", "words come out wrong"),
    ("speech", "my voice is hoarse since the neck injections"),
    ("speech", "lost my voice after botox"),
    ("speech", "i can't talk right"),
    ("speech", "nobody can understand me on the phone"),
    ("weakness", "my arms feel weak since my shots"),
    ("weakness", "legs feel heavy and weak going up the stairs"),
    ("weakness", "hard to grip my coffee mug"),
    ("head_control", "my neck feels weak"),
    ("bladder", "i wet myself twice today, that never happens"),
    ("bladder", "lost control of my bladder"),
    ("bladder", "i cant pee at all since the bladder botox"),
    ("bladder", "haven't peed since yesterday morning"),
    ("botulism", "i think i have botulism"),
    ("hives", "hives all over my chest after the injection"),
    ("vision", "droopy eyelid and now blurry vision"),
]

URGENT_ES = [
    ("vision", "veo doble"),
    ("vision", "veo borroso desde ayer"),
    ("vision", "tengo la vista nublada"),
    ("speech", "tengo la voz ronca"),
    ("speech", "hablo raro desde el botox"),
    ("speech", "estoy arrastrando las palabras"),
    ("speech", "perdi la voz"),
    ("weakness", "tengo los brazos debiles"),
    ("bladder", "me orine sin darme cuenta"),
    ("bladder", "no puedo orinar desde la inyeccion en la vejiga"),
    ("hives", "me salieron ronchas"),
]


@pytest.mark.parametrize(("concept", "text"), URGENT_EN + URGENT_ES)
def test_urgent(concept, text):
    got = triage(text)
    assert got.outcome == "urgent", (text, got)
    assert concept in got.concepts, (text, got)


def test_eyelid_droop_with_another_sign_names_both():
    got = triage("my eyelids are drooping and i see double")
    assert got.outcome == "urgent" and {"eyelids", "vision"} <= set(got.concepts)


def test_the_higher_level_wins_and_combinations_escalate():
    assert outcome("blurry vision and now i cant swallow") == "call_now"
    assert outcome("slurred speech and i can't breathe well") == "call_now"
    got = triage("veo doble y no puedo tragar")
    assert got.outcome == "call_now" and {"vision", "swallowing"} <= set(got.concepts)


def test_spreading_weakness_needs_no_literal_word():
    assert outcome("first my neck went weak, now my arms and legs") == "call_now"


# --- same-day hints (not alarms) --------------------------------------------------------------------------------------

SAME_DAY = [
    ("my left eyelid is droopy since botox", "droop"),
    ("my brow dropped on one side", "droop"),
    ("se me cayo el parpado", "droop"),
    ("my sister got botox yesterday and now she cant open one eye properly", "droop"),
    ("mi hermana se puso botox ayer y ahora no puede abrir bien un ojo, es grave?", "droop"),
    ("hard to empty my bladder since the injection, weak stream", "bladder_emptying"),
    ("i think i got too much botox, no symptoms", "overdose"),
]


@pytest.mark.parametrize(("text", "hint"), SAME_DAY)
def test_same_day_hints_are_not_alarms(text, hint):
    got = triage(text)
    assert not got.alarm, (text, got)
    assert got.same_day == hint, (text, got)


# --- crisis -----------------------------------------------------------------------------------------------------------

CRISIS = [
    "i want to die",
    "im going to hurt myself",
    "honestly i want to kill myself, i look hideous",
    "i dont want to live anymore",
    "everyone would be better off without me",
    "i keep thinking about suicide",
    "no quiero vivir",
    "me quiero morir",
    "quiero quitarme la vida",
    "mi hija dice que se quiere matar",
    "my sister says she wants to end her life",
    "there's no point in living like this",
]
IDIOMS = [
    "this is killing me lol",
    "I could die of embarrassment",
    "dying to know if my brows will settle",
    "these results are to die for",
    "me muero de risa",
    "me muero de ganas de ver los resultados",
    "i'm dead 😂 my forehead doesn't move",
    "the wait is killing me",
    "killing myself at the gym to look good for the wedding",
]


@pytest.mark.parametrize("text", CRISIS)
def test_crisis(text):
    got = triage(text)
    assert got.outcome == "crisis" and got.level == "crisis", (text, got)
    assert "crisis" in got.concepts


@pytest.mark.parametrize("text", IDIOMS)
def test_idioms_are_not_a_crisis(text):
    assert not triage(text).alarm, text


@pytest.mark.parametrize(
    "text", ["i took all my sleeping pills, i want to die", "going to end it all tonight", "me corte las venas"]
)
def test_immediate_danger_leads_with_the_emergency_number(text):
    got = triage(text)
    assert got.outcome == "crisis" and "danger" in got.concepts, (text, got)


def test_crisis_denied_or_asked_about_in_general():
    assert outcome("i don't want to die, i just hate how it looks") == "none"
    assert outcome("pt denies suicidal ideation") == "none"
    got = triage("can botox cause suicidal thoughts?")
    assert got.outcome == "preface" and got.level == "crisis"


# --- preface: a general question or resolved history ------------------------------------------------------------------

PREFACE = [
    ("can botox cause trouble swallowing?", "call_now", "general question"),
    ("is it possible to get double vision from tox?", "urgent", "general question"),
    ("what are the signs of the toxin spreading, like slurred speech?", "urgent", "general question"),
    ("how common is trouble breathing after neck botox", "call_now", "general question"),
    ("what should I do if I ever get a droopy eyelid and blurry vision", "urgent", "general question"),
    ("if my lips swell after a lip flip what do i do", "call_now", "general question"),
    ("how long do lips usually stay puffy after lip injections?", "call_now", "general question"),
    ("last year I had double vision, it went away", "urgent", "resolved history"),
    ("back in 2019 i had trouble swallowing for a week after neck tox", "call_now", "resolved history"),
    ("my voice was hoarse years ago after botox, cleared up on its own", "urgent", "resolved history"),
    ("puede el botox causar problemas para tragar?", "call_now", "general question"),
    ("el año pasado veía doble pero se me quitó", "urgent", "resolved history"),
    ("i have asthma and sometimes get short of breath, is botox safe for me?", "call_now", "general question"),
    ("what symptoms after botox mean i should go to the ER?", "call_now", "general question"),
]


@pytest.mark.parametrize(("text", "level", "reason"), PREFACE)
def test_preface(text, level, reason):
    got = triage(text)
    assert got.outcome == "preface", (text, got)
    assert got.level == level and got.reason == reason, (text, got)


# --- a report phrased as a question is an alarm -----------------------------------------------------------------------

QUESTION_FORM = [
    ("swallowing is hard, is that normal?", "call_now"),
    ("help how do i fix this, cant swallow", "call_now"),
    ("is it normal that i cant swallow after botox?", "call_now"),
    ("my eyes look double is that ok", "urgent"),
    ("why is my speech slurred?", "urgent"),
    ("should i be worried that my throat feels tight?", "call_now"),
    ("es normal que no pueda tragar?", "call_now"),
    ("can botox cause this? i cant breathe right", "call_now"),
    ("can botox cause double vision? because i have it right now", "urgent"),
]


@pytest.mark.parametrize(("text", "expected"), QUESTION_FORM)
def test_a_report_phrased_as_a_question_is_an_alarm(text, expected):
    check(text, expected)


# --- none: indications, intended effects, local effects, botulism talk, near words ------------------------------------

NONE = [
    # indications
    "would botox help my arm weakness after my stroke",
    "I leak when I cough, would bladder botox help",
    "botox for my drooling?",
    "can it help my double vision from strabismus",
    "my son has cerebral palsy and his legs are stiff, is botox an option?",
    "me ayudaria el botox con la debilidad del brazo despues de la embolia?",
    # intended effect
    "I can't frown anymore",
    "can't raise my eyebrows",
    "my forehead feels tight and heavy",
    "my forehead feels frozen",
    "my smile feels weird",
    "no puedo fruncir el ceño",
    # local routine effects
    "a small bruise at the injection site",
    "little bump on my forehead where she injected",
    "mild headache after botox",
    "swelling at the injection spots on my forehead",
    "sore spot between my eyebrows",
    "tengo un moretón donde me inyectaron",
    # botulism in general
    "is botox made from botulism?",
    "we learned about botulism in micro class today",
    "can you get botulism from canned food?",
    "what is botulinum toxin?",
    # everyday words near symptom words
    "it gives me confidence",
    "botox changed our lives",
    "i love long hikes",
    "my horse kicked me lol",
    "peeing a lot after drinking coffee",
    "i was walking my dog",
    "smelling salts",
    "the pool's shallow end",
    "2 weeks since my appointment, looks great",
    "threat of rain today",
    "breast reduction consult",
    "double chin botox?",
    "speech therapist appointment tomorrow",
    "my before photos are blurry",
    "can't see any difference yet",
    "can't talk right now, at work",
    "i choked in my job interview",
    "take a deep breath, it only pinches",
    "bad breath after the dentist",
    "how long does botox last?",
    "",
    "   ",
    "🙂🙂🙂",
]


@pytest.mark.parametrize("text", NONE)
def test_not_an_alarm(text):
    got = triage(text)
    assert not got.alarm, (text, got)


@pytest.mark.parametrize(
    "text",
    ["would botox help my arm weakness after my stroke", "I leak when I cough, would bladder botox help"],
)
def test_indications_are_none_not_preface(text):
    assert outcome(text) == "none"


# --- negation scope ---------------------------------------------------------------------------------------------------

NEGATION = [
    ("no trouble breathing, just a bruise", "none"),
    ("breathing ok, throat ok, only a sore spot", "none"),
    ("not having any trouble swallowing, just curious", "none"),
    ("pt denies SOB, dysphagia or vision changes, small bruise at glabella", "none"),
    ("no double vision or slurred speech, just a headache", "none"),
    ("no tengo problemas para respirar, solo un moretón", "none"),
    ("sin dificultad para tragar", "none"),
    ("never had trouble swallowing until today", "call_now"),
    ("no, i can't breathe", "call_now"),
    ("can't eat without choking", "call_now"),
    ("not sure if my vision is blurry or im just tired", "urgent"),
    ("i dont think i can swallow", "call_now"),
    ("no fever but trouble breathing", "call_now"),
    ("no bruise, but my throat is closing", "call_now"),
    ("idk if i can swallow right", "call_now"),
    ("trouble breathing? no.", "none"),
]


@pytest.mark.parametrize(("text", "expected"), NEGATION)
def test_negation_has_a_scope(text, expected):
    check(text, expected)


# --- typo correction and its dictionary guard -------------------------------------------------------------------------

GUARDED = [
    ("gives", "hives"),
    ("lives", "hives"),
    ("hikes", "hives"),
    ("horse", "hoarse"),
    ("peeing", "seeing"),
    ("walking", "talking"),
    ("smelling", "swelling"),
    ("shallow", "swallow"),
    ("weeks", "weak"),
    ("threat", "throat"),
    ("breast", "breath"),
    ("drooling", "drooping"),
    ("botulinum", "botulism"),
]


@pytest.mark.parametrize(("word", "symptom"), GUARDED)
def test_a_real_word_is_never_turned_into_a_symptom_word(word, symptom):
    assert correct(word) == word
    assert symptom not in normalise(f"i have {word} after botox").tokens


TYPOS = [
    ("cnt brth", "cant breath"),
    ("trubble swalowing", "trouble swallowing"),
    ("blury vison", "blurry vision"),
    ("brething", "breathing"),
    ("swolen", "swollen"),
    ("tung", "tongue"),
    ("tragr", "tragar"),
    ("swallowng", "swallowing"),
    ("dubble", "double"),
    ("hed", "head"),
    ("cantbreathe", "cant breathe"),
    ("breatheee", "breathe"),
    ("fant", "faint"),
    ("rshortneess", "shortness"),
    ("nopuedo rspirar", "no puedo respirar"),
]


@pytest.mark.parametrize(("typed", "meant"), TYPOS)
def test_short_and_two_edit_typos_are_corrected(typed, meant):
    assert normalise(typed).text == meant


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("cnt brth", "call_now"),
        ("trubble swalowing since the botox", "call_now"),
        ("blury vison", "urgent"),
        ("my tung is swolen", "call_now"),
        ("no puedo tragr", "call_now"),
        ("i cnt hold my hed up", "call_now"),
        ("it gives me hives", "urgent"),
        ("botox gives me confidence", "none"),
    ],
)
def test_typos_reach_the_alarm(text, expected):
    check(text, expected)


# --- memory: two messages ---------------------------------------------------------------------------------------------


def conversation(*messages: str, gap: float = 60.0) -> list[Triage]:
    memory, out, t = None, [], T0
    for text in messages:
        got, memory = screen(text, memory, now=t)
        out.append(got)
        t += gap
    return out


def test_injection_then_an_ambiguous_question_is_an_alarm():
    first, second = conversation("had botox tuesday", "is it normal to see double?")
    assert first.outcome == "none"
    assert second.outcome == "urgent" and second.reason == "memory", second


def test_the_same_question_alone_is_only_a_preface():
    got = triage("is it normal to see double?")
    assert got.outcome == "preface" and got.level == "urgent"


def test_an_ambiguous_question_then_a_confirmation_is_an_alarm():
    _, second = conversation("is it normal to see double?", "yes, since this morning")
    assert second.outcome == "urgent" and second.reason == "memory"


def test_lips_then_throat():
    _, second = conversation("my lips feel weird", "and now my throat feels tight since the injection")
    assert second.outcome == "call_now"


def test_signs_over_two_messages_combine():
    _, second = conversation("one side of my face is drooping", "and my arm feels weak")
    assert second.outcome == "call_now" and "face_droop" in second.concepts


def test_a_follow_up_after_a_red_flag_keeps_the_alarm():
    _, second = conversation("i cant swallow properly since this morning", "should i wait till monday?")
    assert second.outcome == "call_now" and second.reason == "memory"
    _, second_es = conversation("no puedo tragar bien", "llamo a la clinica o espero?")
    assert second_es.outcome == "call_now"


def test_an_unrelated_question_after_a_red_flag_is_not_an_alarm():
    _, second = conversation("i cant swallow properly", "how much does botox cost?")
    assert second.outcome == "none"


def test_history_then_it_went_away_is_a_preface():
    _, second = conversation("i had double vision after botox years ago", "it went away after a month")
    assert second.outcome == "preface" and second.reason == "resolved history"


def test_memory_expires_after_thirty_minutes():
    first, second = conversation("had botox tuesday", "is it normal to see double?", gap=TTL + 60)
    assert second.outcome == "preface"


def test_memory_holds_no_message_text_and_is_json():
    _, memory = screen("my mom had botox yesterday and now she cant swallow", None, now=T0)
    assert memory is not None
    dumped = json.dumps(memory)
    for word in ("mom", "yesterday", "she", "botox", "cant"):
        assert word not in dumped
    assert json.loads(dumped) == memory


def test_memory_of_nothing_is_none():
    assert screen("how long does botox last?", None, now=T0)[1] is None


def test_a_broken_memory_is_ignored():
    for bad in ({"pending": "x"}, {"t": "yesterday", "injection": "tuesday"}, {"signs": [[1, 2, 3]]}, []):
        got, _ = screen("is it normal to see double?", bad, now=T0)  # type: ignore[arg-type]
        assert got.outcome == "preface"


def test_a_fragment_continues_the_previous_general_question():
    _, second = conversation("what are the signs botox spread?", "like trouble breathing?")
    assert second.outcome == "preface", second


def test_audience_carries_over():
    _, second = conversation("my mom had botox yesterday", "now she can't swallow")
    assert second.outcome == "call_now" and second.audience == "other"


# --- audience ---------------------------------------------------------------------------------------------------------

AUDIENCE = [
    ("i cant swallow", "self"),
    ("my mom can't swallow since her botox", "other"),
    ("my husband is slurring his words", "other"),
    ("mi hijo no puede tragar", "other"),
    ("pt called, can't swallow since tuesday", "staff"),
    ("client texted: blurry vision 2 days post tox", "staff"),
    ("la paciente refiere que no puede tragar", "staff"),
]


@pytest.mark.parametrize(("text", "audience"), AUDIENCE)
def test_audience(text, audience):
    got = triage(text)
    assert got.alarm and got.audience == audience, (text, got)


# --- the API ----------------------------------------------------------------------------------------------------------


def test_triage_alarm_property():
    assert triage("i cant breathe").alarm
    assert not triage("can botox cause trouble swallowing?").alarm
    assert not triage("hello").alarm


def test_screen_survives_hostile_input():
    for text in [
        "\x00\x01\x02",
        "a" * 10_000,
        "breathe " * 3000,
        "\u202e\u200b",
        "呼吸困难",
        "🫁" * 500,
        "?!.,;:" * 50,
    ]:
        got, memory = screen(text, None, now=T0)
        assert got.outcome in ("call_now", "urgent", "crisis", "preface", "none")
        json.dumps(memory)


def test_default_now_is_the_clock():
    got, memory = screen("had botox today")
    assert got.outcome == "none" and memory is not None and "injection" in memory


# --- the prefilter is an optimisation only ----------------------------------------------------------------------------


def test_stored_prefilter_pieces_match_the_rules():
    """After editing a lexicon, run `python -m botox_bot.core.triage.prefilter` (else import derives them: slower)."""
    from botox_bot.core.triage import _pieces, concepts, crisis, prefilter, scene

    for group, sources in (
        ("rules", concepts.RULE_SOURCES),
        ("markers", scene.MARKER_SOURCES),
        ("crisis", crisis.SOURCES),
    ):
        assert _pieces.GROUPS[group]["fingerprint"] == prefilter.fingerprint(sources), group


def test_required_pieces_are_in_every_match():
    from botox_bot.core.triage.prefilter import required_pieces

    assert required_pieces(r"(?:cant|unable to) (?:\w+ )?breath\w*") == {"breath"}
    assert required_pieces(r"foo|ba(?:r|z)") == {"foo", "ba"}
    assert required_pieces(r"(?:x|)y") == {"y"}
    assert required_pieces(r"a?") is None


def test_the_prefilter_never_changes_what_is_found():
    import re

    from botox_bot.core.triage import concepts

    texts = [t for _, t in CALL_NOW_EN + CALL_NOW_ES + URGENT_EN + URGENT_ES] + NONE + [t for t, *_ in PREFACE]
    for text in texts:
        norm = normalise(text)
        active = concepts.PREFILTER.active(norm.tokens)
        for key, _, pattern in concepts.RULES:
            if key not in active:
                assert not re.search(pattern.pattern, norm.text), (key, text)


async def test_a_server_compiles_every_screen_rule_before_it_is_ready(settings):
    """Rules compile when first needed (a one-question command needs a handful), but a server compiles them all
    while it loads: no patient's message waits for a regex to compile."""
    from botox_bot.core.triage import concepts
    from botox_bot.runtime import BotRuntime

    for rule in concepts._LAZY:
        rule._compiled = None
    assert len(concepts._LAZY) > len(concepts.RULES)  # the markers are lazy too
    runtime = BotRuntime(settings)
    await runtime.load()
    assert runtime.ready
    assert all(rule._compiled is not None for rule in concepts._LAZY)
