"""The engine end to end: consult prompt everywhere, slots, choices, follow-ups, hostile input."""

from __future__ import annotations

import pytest

from botox_bot import Message
from botox_bot.core.content import CHANNELS
from botox_bot.core.engine import Engine
from botox_bot.settings import Settings

CONSULT = "talk to your provider"
INTENT_QUESTIONS = {
    "how_it_works": "how does botox actually work on the muscles",
    "duration": "how long does botox last",
    "repeat_treatment": "how often can i get botox injections",
    "medical_uses": "what medical conditions is botox approved for",
    "safety": "what are the side effects of botox",
    "emergency": "I cant breathe after my botox",
    "out_of_scope": "how much does botox cost",
    "greet": "hello",
    "thanks": "thank you so much",
    "handoff": "can I talk to a real person please",
}


async def ask(engine: Engine, text: str, sender: str = "s1", channel: str = "cli", payload=None):
    return await engine.answer(Message(text=text, sender_id=sender, channel=channel, payload=payload))


@pytest.mark.parametrize("intent", INTENT_QUESTIONS)
async def test_each_intent_is_answered_with_its_template(fresh_engine, intent):
    reply = await ask(fresh_engine, INTENT_QUESTIONS[intent])
    assert reply.intent == intent, reply.ranking
    assert reply.response == f"utter_{intent}"


@pytest.mark.parametrize("channel", sorted(CHANNELS))
@pytest.mark.parametrize("intent", INTENT_QUESTIONS)
async def test_every_reply_on_every_channel_ends_with_the_consult_prompt(fresh_engine, intent, channel):
    reply = await ask(fresh_engine, INTENT_QUESTIONS[intent], channel=channel)
    assert reply.text.endswith(reply.consult)
    assert CONSULT in reply.consult.lower() or "provider" in reply.consult.lower()
    assert reply.answer and reply.answer in reply.text


async def test_clinic_details_fill_the_consult_prompt(fresh_engine):
    reply = await ask(fresh_engine, "how long does botox last")
    assert "555-0100" in reply.consult
    assert "{" not in reply.text


async def test_unset_clinic_details_drop_their_lines(engine, tmp_path):
    bare = Engine(engine.content, engine.classifier, Settings(cache_dir=None, seed=1).engine_config())
    for text in ("how much does botox cost", "can I talk to a person", "I cant breathe after botox"):
        reply = await ask(bare, text)
        assert "{" not in reply.text and "555" not in reply.text
        assert reply.text.endswith(reply.consult)
    reply = await ask(bare, "I cant breathe after botox")
    assert "911" in reply.text


async def test_sources_come_with_fact_replies(fresh_engine):
    reply = await ask(fresh_engine, "how long does botox last")
    assert reply.sources and all(s.startswith("http") for s in reply.sources)


async def test_condition_named_in_the_question_shapes_the_answer(fresh_engine):
    sweat = await ask(fresh_engine, "how long does botox last for underarm sweating?", sender="a")
    lines = await ask(fresh_engine, "how long does botox last on my forehead lines?", sender="b")
    assert sweat.slots.get("use") == "sweating" and "6 months" in sweat.answer
    assert lines.slots.get("use") == "cosmetic" and sweat.answer != lines.answer


async def test_emergency_reply_says_call_now_for_breathing(fresh_engine):
    reply = await ask(fresh_engine, "I'm having trouble breathing since my botox this morning")
    assert reply.emergency and reply.intent == "emergency"
    assert "911" in reply.answer
    assert reply.text.endswith(reply.consult)


async def test_emergency_reply_for_vision_sends_to_urgent_care(fresh_engine):
    reply = await ask(fresh_engine, "I have double vision 2 weeks after botox")
    assert reply.emergency and reply.slots["red_flag"] == "urgent"
    assert "urgent" in reply.answer.lower() or "emergency" in reply.answer.lower()


async def test_general_risk_question_is_safety_not_emergency(fresh_engine):
    reply = await ask(fresh_engine, "can botox cause trouble swallowing?")
    assert not reply.emergency
    assert reply.intent == "safety"


async def test_a_payload_cannot_carry_a_red_flag_past_the_screen(fresh_engine):
    reply = await ask(fresh_engine, "/duration trouble breathing now")
    assert reply.emergency
    reply = await ask(fresh_engine, "I cant swallow", payload="/thanks")
    assert reply.intent == "thanks"  # an explicit button click is honoured: the text was the click's title
    reply = await ask(fresh_engine, 'i cant swallow /duration{"red_flag":"none"}')
    assert reply.emergency


async def test_close_topics_offer_both_as_choices_and_a_click_answers(engine, settings):
    picky = Engine(
        engine.content, engine.classifier, settings.model_copy(update={"choice_margin": 1.0}).engine_config()
    )
    reply = await ask(picky, "how long does it last and how often can i get it", sender="c")
    assert reply.response == "utter_choose" and len(reply.choices) == 2
    assert reply.choices[0].payload.startswith("/") and reply.choices[0].title
    chosen = await ask(picky, reply.choices[1].title, sender="c", payload=reply.choices[1].payload)
    assert chosen.intent == reply.choices[1].payload.lstrip("/").split("{")[0]
    assert chosen.confidence == 1.0 and not chosen.choices


async def test_a_number_picks_an_offered_choice(engine, settings):
    picky = Engine(
        engine.content, engine.classifier, settings.model_copy(update={"choice_margin": 1.0}).engine_config()
    )
    reply = await ask(picky, "how long does it last and how often can i get it", sender="n")
    first = reply.choices[0].payload.lstrip("/").split("{")[0]
    assert (await ask(picky, "1", sender="n")).intent == first


async def test_follow_up_keeps_the_topic_and_takes_the_new_condition(fresh_engine):
    first = await ask(fresh_engine, "what medical conditions can botox treat?", sender="f")
    assert first.intent == "medical_uses"
    follow = await ask(fresh_engine, "and for migraines?", sender="f")
    assert follow.intent == "medical_uses" and follow.slots["use"] == "migraine"
    assert "migraine" in follow.answer.lower()


async def test_follow_up_context_is_per_sender_and_expires(engine, settings):
    quick = Engine(
        engine.content, engine.classifier, settings.model_copy(update={"context_ttl_seconds": 0}).engine_config()
    )
    await ask(quick, "what medical conditions can botox treat?", sender="g")
    follow = await ask(quick, "and for migraines?", sender="g")
    assert follow.intent != "medical_uses" or follow.confidence < 1.0
    other = await ask(engine, "and for migraines?", sender="never-seen")
    assert other.text.endswith(other.consult)


async def test_low_confidence_is_out_of_scope_with_a_helpful_reply(fresh_engine):
    reply = await ask(fresh_engine, "what's the capital of peru")
    assert reply.intent == "out_of_scope"
    assert "how long" in reply.answer.lower() or "side effects" in reply.answer.lower()


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "\n\t",
        "a" * 10_000,
        "🙂🙂 botox? 💉",
        "ボトックスはどのくらい持続しますか",
        "¿cuánto dura el bótox?",
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
    """The same text is understood once; a follow-up's adjustment for one sender must not reach another."""
    bare = fresh_engine.understand("and for migraines?")
    await ask(fresh_engine, "how long does botox last?", sender="ctx")
    adjusted = await ask(fresh_engine, "and for migraines?", sender="ctx")
    alone = await ask(fresh_engine, "and for migraines?", sender="no-ctx")
    assert adjusted.intent == "duration" != bare.intent  # the follow-up kept the conversation's topic
    assert alone.intent == bare.intent and alone.confidence == round(bare.confidence, 4)
    assert fresh_engine.understand("and for migraines?") == bare


def test_the_understanding_cache_is_bounded_and_holds_no_text(fresh_engine):
    from botox_bot.core import engine as engine_module

    for i in range(engine_module._UNDERSTOOD_CACHE + 50):
        fresh_engine.understand(f"question number {i}")
    assert len(fresh_engine._understood) == engine_module._UNDERSTOOD_CACHE
    assert all(isinstance(key, bytes) and len(key) == 16 for key in fresh_engine._understood)
