"""The engine end to end: the specific answer to the question asked, in the person's language, the consult
prompt on every reply, emergencies and crises first, brands, several questions, follow-ups, hostile input."""

from __future__ import annotations

from dataclasses import replace

import pytest

from botox_bot import Message
from botox_bot.core.engine import Engine

CONSULT = "talk to your provider"
CHANNELS = ("cli", "rest", "web", "slack", "teams", "sms", "voice")

# one question per topic, each with the specific answer it must get (questions of our own, not training data)
QUESTIONS = {
    "how_it_works": ("so how does the stuff actually relax a muscle", "how_it_works/mechanism"),
    "duration": ("my frown lines tox, how many months will it hold up", "duration/how_long"),
    "repeat_treatment": ("whats the shortest gap allowed between two cosmetic sessions", "repeat_treatment/interval"),
    "medical_uses": ("could injections help my chronic migraines", "medical_uses/migraine"),
    "safety": ("found out im pregnant 2 weeks after my forehead botox, is the baby ok", "safety/pregnancy"),
    "visit": ("does the needle hurt much", "visit/pain"),
    "aftercare": ("am i allowed a glass of wine tonight after my injections", "aftercare/alcohol"),
    "costs": ("do you take my insurance for cosmetic tox", "costs/insurance"),
}
PLAIN = {
    "out_of_scope": "what's the capital of peru",
    "greet": "hello there",
    "thanks": "thank you so much",
    "handoff": "can I talk to a real person please",
}


async def ask(engine: Engine, text: str, sender: str = "s1", channel: str = "cli", **fields):
    return await engine.answer(Message(text=text, sender_id=sender, channel=channel, **fields))


@pytest.mark.parametrize("topic", QUESTIONS)
async def test_a_question_gets_the_specific_answer_it_asks_for(fresh_engine, topic):
    text, key = QUESTIONS[topic]
    reply = await ask(fresh_engine, text)
    assert (reply.intent, reply.answer_key) == (topic, key), reply.ranking
    assert reply.response == f"utter_{key}"


@pytest.mark.parametrize("intent", PLAIN)
async def test_plain_intents_are_answered(fresh_engine, intent):
    reply = await ask(fresh_engine, PLAIN[intent])
    assert reply.intent == intent
    assert reply.fallback == (intent == "out_of_scope") and reply.handoff == (intent == "handoff")


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("text", [q for q, _ in QUESTIONS.values()] + list(PLAIN.values()))
async def test_every_answer_on_every_channel_ends_with_the_consult_prompt(fresh_engine, text, channel):
    reply = await ask(fresh_engine, text, channel=channel)
    assert reply.text.endswith(reply.consult) and reply.answer and reply.answer in reply.text
    assert CONSULT in reply.consult.lower() or "provider" in reply.consult.lower()


@pytest.mark.parametrize("channel", CHANNELS)
async def test_an_emergency_answer_leads_with_the_action_and_ends_without_booking_or_disclaimer(fresh_engine, channel):
    reply = await ask(fresh_engine, "i cant breathe since my botox this morning", channel=channel)
    assert reply.intent == "emergency" and reply.emergency and reply.urgency == "call_now"
    assert "911" in reply.answer.split("\n")[0]
    assert reply.text.endswith(reply.consult) and "Riverside Skin" in reply.consult
    assert "not medical advice" not in reply.text.lower() and "riverside.example/book" not in reply.text
    if channel == "voice":
        assert "hang up" in reply.answer.lower() and "press 1" not in reply.text.lower()


async def test_urgent_means_the_emergency_department_now(fresh_engine):
    reply = await ask(fresh_engine, "i have double vision 2 weeks after botox")
    assert reply.emergency and reply.urgency == "urgent"
    assert "emergency room" in reply.answer.lower() and "urgent care" not in reply.answer.lower()


async def test_a_relative_and_staff_get_wording_for_them(fresh_engine):
    relative = await ask(fresh_engine, "my mom got botox friday and now her speech is slurred", sender="r")
    staff = await ask(
        fresh_engine, "pt called, slurred speech 3d post tox", sender="st", channel="slack", audience="staff"
    )
    patient = await ask(fresh_engine, "my speech is slurred since my botox", sender="p")
    assert relative.audience == "other" and staff.audience == "staff" and patient.audience == "self"
    assert len({relative.answer, staff.answer, patient.answer}) == 3
    assert "staff" in staff.answer.lower() or "patient" in staff.answer.lower()


async def test_a_crisis_gets_the_crisis_line_said_with_care_never_cant_help(fresh_engine):
    reply = await ask(fresh_engine, "honestly i just want to die")
    assert reply.intent == "crisis" and reply.urgency == "crisis" and not reply.emergency
    assert "988" in reply.answer and "911" in reply.answer
    assert "can't help" not in reply.text.lower() and reply.text.endswith(reply.consult)
    idiom = await ask(fresh_engine, "this waiting is killing me lol, when will my botox kick in", sender="i")
    assert idiom.intent != "crisis" and not idiom.emergency


async def test_a_red_flag_spread_over_two_messages_is_caught(fresh_engine):
    first = await ask(fresh_engine, "had my botox on tuesday", sender="two")
    assert not first.emergency
    second = await ask(fresh_engine, "is it normal to see double?", sender="two")
    assert second.emergency and second.urgency == "urgent"


async def test_a_general_question_about_a_red_flag_gets_its_answer_with_a_preface(fresh_engine):
    reply = await ask(fresh_engine, "can botox cause trouble swallowing?")
    assert not reply.emergency and reply.intent == "safety"
    assert reply.answer.lower().startswith("if this is happening")


async def test_an_isolated_droopy_eyelid_is_the_clinic_today_not_the_red_box(fresh_engine):
    reply = await ask(fresh_engine, "my left eyelid is a bit droopy since my botox, vision is fine")
    assert not reply.emergency and reply.answer_key == "safety/droop"


async def test_negated_red_flags_never_alarm(fresh_engine):
    reply = await ask(fresh_engine, "no trouble breathing or swallowing, just a small bruise on my forehead")
    assert not reply.emergency


async def test_the_emergency_number_is_never_a_silent_911(engine):
    bare = Engine(engine.content, engine.classifier, replace(engine.config, emergency_number=None, crisis_line=None))
    reply = await ask(bare, "I cant breathe after botox")
    assert "911" not in reply.text and "your local emergency number" in reply.answer
    spanish = await ask(bare, "no puedo respirar desde el botox", sender="es")
    assert "Llame al número local de emergencias" in spanish.answer


async def test_spanish_is_understood_and_answered_in_spanish(fresh_engine):
    reply = await ask(fresh_engine, "cuanto tiempo me dura el botox en la frente", sender="es")
    assert reply.language == "es" and reply.intent == "duration"
    assert "meses" in reply.answer and "proveedor" in reply.consult.lower()
    alarm = await ask(fresh_engine, "me cuesta tragar desde que me puse botox", sender="es2")
    assert alarm.emergency and alarm.language == "es" and alarm.urgency == "call_now"
    assert alarm.answer.startswith("Llame al 911")


async def test_the_conversation_language_is_sticky_and_can_be_switched(fresh_engine):
    await ask(fresh_engine, "hola, cuanto dura el botox?", sender="lang")
    short = await ask(fresh_engine, "ok, y el dysport?", sender="lang")
    assert short.language == "es"
    switched = await ask(fresh_engine, "in English please, how long does it last?", sender="lang")
    assert switched.language == "en"


async def test_a_language_the_clinic_does_not_serve_gets_the_short_reply(engine):
    english_only = Engine(engine.content, engine.classifier, replace(engine.config, languages=("en",)))
    reply = await ask(english_only, "cuanto tiempo dura el botox en la frente", sender="x")
    assert reply.fallback and reply.language == "es" and "inglés" in reply.answer
    alarm = await ask(english_only, "no puedo respirar despues del botox", sender="y")
    assert alarm.emergency  # the screen still runs: an emergency is never 'we only speak English'


async def test_a_named_brand_gets_that_brands_facts_or_a_plain_note(fresh_engine):
    daxxify = await ask(fresh_engine, "how long does daxxify last on frown lines", sender="b1")
    assert "6 months" in daxxify.answer or "24 weeks" in daxxify.answer
    dysport = await ask(fresh_engine, "is dysport approved for migraines", sender="b2")
    assert "not" in dysport.answer.lower() and "migraine" in dysport.answer.lower()
    other = await ask(fresh_engine, "can i get a facial after jeuveau", sender="b3")
    assert other.slots.get("brand") == "jeuveau"


async def test_two_questions_in_one_message_get_both_answers_in_order(fresh_engine):
    reply = await ask(fresh_engine, "how long does botox last and can i drink alcohol after?", sender="m")
    keys = reply.answer_key.split("+")
    assert keys[0].startswith("duration/") and keys[1] == "aftercare/alcohol"


async def test_follow_up_keeps_the_topic_and_takes_the_new_condition(fresh_engine):
    first = await ask(fresh_engine, "how long does botox last?", sender="f")
    assert first.intent == "duration"
    follow = await ask(fresh_engine, "and for migraines?", sender="f")
    assert follow.intent == "duration" and follow.slots["use"] == "migraine"


async def test_a_back_reference_keeps_the_condition(fresh_engine):
    await ask(fresh_engine, "can botox help with chronic migraines?", sender="g")
    follow = await ask(fresh_engine, "how long does it last for that?", sender="g")
    assert follow.intent == "duration" and follow.slots.get("use") == "migraine"


async def test_follow_up_context_is_per_sender_and_expires(engine):
    quick = Engine(engine.content, engine.classifier, replace(engine.config, context_ttl_seconds=0))
    await ask(quick, "how long does botox last?", sender="h")
    follow = await ask(quick, "and for migraines?", sender="h")
    assert follow.intent != "duration" or follow.confidence < 1.0


async def test_close_topics_offer_both_as_choices_and_a_click_answers(engine):
    picky = Engine(engine.content, engine.classifier, replace(engine.config, choice_margin=1.0))
    reply = await ask(picky, "repeat treatment side effects", sender="c")
    assert reply.response == "utter_choose" and len(reply.choices) == 2
    chosen = await ask(picky, reply.choices[1].title, sender="c", payload=reply.choices[1].payload)
    assert chosen.intent == reply.choices[1].payload.lstrip("/").split("{")[0] and chosen.confidence == 1.0
    number = await ask(picky, "repeat treatment side effects", sender="n")
    assert (await ask(picky, "1", sender="n")).intent == number.choices[0].payload.lstrip("/").split("{")[0]


async def test_a_payload_cannot_carry_a_red_flag_past_the_screen(fresh_engine):
    assert (await ask(fresh_engine, "/duration trouble breathing now")).emergency
    assert not (await ask(fresh_engine, "/emergency", sender="p2")).emergency
    reply = await ask(fresh_engine, 'i cant swallow /duration{"urgency":"none"}', sender="p3")
    assert reply.emergency


async def test_a_clinic_answer_replaces_the_shipped_one(engine, tmp_path):
    from botox_bot.core.clinic import load_clinic

    path = tmp_path / "clinic.yml"
    path.write_text('answers:\n  costs/price:\n    en: "Frown lines start at $250 at {clinic_name}."\n')
    clinic = load_clinic(path, engine.content)
    mine = Engine(engine.content, engine.classifier, engine.config, clinic=clinic)
    reply = await ask(mine, "how much do you charge for frown line botox")
    assert reply.answer_key == "costs/price" and "$250 at Riverside Skin" in reply.answer
    assert reply.text.endswith(reply.consult)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "\n\t",
        "a" * 10_000,
        "🙂🙂 botox? 💉",
        "ボトックスはどのくらい持続しますか",
        "\x00\x07\x1b[31mhi",
        "\ud800",
        "/",
        "/unknown_intent",
        '/duration{"use":',
        "{}",
        "1",
        "99",
        "how long does botox last " * 400,
    ],
)
async def test_hostile_input_gets_a_sensible_reply(fresh_engine, text):
    reply = await ask(fresh_engine, text)
    assert reply.text.endswith(reply.consult) and reply.answer
    assert 0.0 <= reply.confidence <= 1.0


async def test_cached_understanding_is_not_changed_by_one_conversation(fresh_engine):
    bare = fresh_engine.understand("and for migraines?")
    await ask(fresh_engine, "how long does botox last?", sender="ctx")
    adjusted = await ask(fresh_engine, "and for migraines?", sender="ctx")
    assert adjusted.intent == "duration" != bare.intent
    assert fresh_engine.understand("and for migraines?") == bare


def test_the_understanding_cache_is_bounded_and_holds_no_text(fresh_engine):
    from botox_bot.core import understanding

    cache = fresh_engine.understander._cache
    for i in range(understanding._CACHE + 50):
        fresh_engine.understand(f"question number {i}")
    assert len(cache) == understanding._CACHE
    assert all(isinstance(key, bytes) and len(key) == 16 for key in cache)


async def test_nothing_at_rest_holds_the_message_text(fresh_engine):
    await ask(fresh_engine, "my lips feel weird after my lip flip", sender="rest")
    stored = await fresh_engine.store.get_context("cli:rest")
    assert "lip flip" not in repr(stored) and "weird" not in repr(stored)


FIRST_MESSAGES = [
    ("how long does botox last", "rest", None, None),
    ("cuánto dura el botox en la frente", "web", None, None),
    ("can my daughter get it for her sweating", "sms", None, None),
    ("pt asking about the interval between sessions", "slack", "en", "staff"),
    ("/duration", "rest", None, None),
    ("ok", "web", "es", None),
]


@pytest.mark.parametrize("text, channel, language, audience", FIRST_MESSAGES)
async def test_a_kept_first_reply_is_the_reply_a_fresh_engine_gives(
    engine, settings, text, channel, language, audience
):
    """First messages are answered from the engine's kept replies: the same reply, and the same context kept."""
    fields = {"language": language, "audience": audience}
    kept_engine = Engine(engine.content, engine.classifier, settings.engine_config())
    await ask(kept_engine, text, sender="first", channel=channel, **fields)
    again = await ask(kept_engine, text, sender="second", channel=channel, **fields)
    fresh = Engine(engine.content, engine.classifier, settings.engine_config())
    expected = await ask(fresh, text, sender="second", channel=channel, **fields)
    assert again.model_dump() == expected.model_dump()
    stored = await kept_engine.store.get_context(f"{channel}:second")
    wanted = await fresh.store.get_context(f"{channel}:second")
    assert {k: v for k, v in stored.items() if k != "t"} == {k: v for k, v in wanted.items() if k != "t"}


async def test_a_kept_first_reply_still_leaves_the_triage_memory_for_the_next_message(fresh_engine):
    """'i had botox injections on monday' is a harmless first message, kept after the first sender; for the second
    sender it must still be remembered, so that 'is it normal to see double?' next is the emergency it is."""
    for sender in ("a", "b"):
        first = await ask(fresh_engine, "i had botox injections on monday", sender=sender)
        assert not first.emergency
    assert len(fresh_engine._first_replies) >= 1
    second = await ask(fresh_engine, "is it normal to see double?", sender="b")
    assert second.emergency and second.urgency == "urgent"


async def test_alarms_and_conversations_never_use_kept_replies(fresh_engine):
    for sender in ("a", "b"):
        alarm = await ask(fresh_engine, "my throat is closing up after botox", sender=sender)
        assert alarm.urgency == "call_now"
    assert len(fresh_engine._first_replies) == 0

    await ask(fresh_engine, "and for sweating?", sender="stranger")  # a first message: kept
    await ask(fresh_engine, "how long does botox last for migraines", sender="ctx")
    follow_up = await ask(fresh_engine, "and for sweating?", sender="ctx")  # a follow-up: its context decides
    assert follow_up.intent == "duration"


async def test_a_reply_drawn_among_variations_is_not_kept(fresh_engine):
    varied = [name for name, variations in fresh_engine.templates._responses["en"].items() if len(variations) > 1]
    assert "utter_greet" in varied  # greetings vary; a kept reply would freeze one
    await ask(fresh_engine, "hello there", sender="a")
    assert not any(key[0] == "hello there" for key in fresh_engine._first_replies._items)


async def test_a_payload_slot_that_is_not_valid_unicode_is_dropped_not_a_crash(fresh_engine):
    """Found by the fuzzer: '/how_it_works{"use":"\\ud800"}' is valid JSON carrying a lone surrogate."""
    reply = await ask(fresh_engine, "", payload='/how_it_works{"use":"\\ud800"}')
    assert reply.intent == "how_it_works" and "use" not in reply.slots and reply.text.endswith(reply.consult)
