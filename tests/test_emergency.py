"""The emergency screen: a missed red flag is the worst bug this project can have, so test many phrasings."""

from __future__ import annotations

import pytest

from botox_bot.core.emergency import CALL_NOW, URGENT, screen

CALL_NOW_MESSAGES = [
    "I can't breathe after my botox",
    "cant breath since the injection",
    "having trouble breathing after botox yesterday",
    "my breathing feels tight and weird after tox this morning",
    "short of breath 2 days after dysport",
    "shortness of breath after my injections",
    "difficulty breathing",
    "help i cant breathe",
    "im wheezing after my injection",
    "trouble swallowing since my botox",
    "I'm having difficulty swallowing within minutes after the injections",
    "its hard to swallow my own spit",
    "swallowing is really hard since tuesday",
    "water keeps going down the wrong way since my neck injections",
    "I keep choking on food after botox for dystonia",
    "trouble swalowing after tox",
    "difficulty breatheing after xeomin",
    "my throat feels like it is closing",
    "throat swelling after the shot",
    "my tongue is swollen after botox",
    "pt called, weakness spreading down both arms after tox",
    "no puedo respirar despues del botox",
    "I'm having an allergic reaction after botox and it's in my throat",
    "had an allergic reaction last time and now im wheezing again after todays botox",
    "I have trouble breathing, is that normal after botox?",
    "can botox cause trouble swallowing? I had it yesterday and now I can't swallow properly",
]

URGENT_MESSAGES = [
    "I had botox 2 weeks ago and now I have double vision",
    "seeing double since my injection",
    "blurry vision after botox around my eyes",
    "my vision is blurry since friday",
    "Droopy eyelid and blurred vision which is affecting my driving",
    "dubble vision after tox",
    "blury vison after botox",
    "my speech is slurred since the injections",
    "im slurring my words after my migraine botox",
    "my voice is hoarse and weak since the neck injections",
    "lost my voice after botox for dystonia",
    "I feel weak all over after my botox",
    "whole body feels weak after injections",
    "my neck feels so weak i cant hold my head up",
    "The muscles feel too weak and I have a hard time holding my head up",
    "my arms feel weak after botox for sweating",
    "broke out in hives after my injection",
    "I can't control my bladder since the botox",
    "pt called, slurred speech 3 days post tox",
    "my mom had botox for spasticity and now her arms and legs are weak",
    "i think i have botulism",
    "my eyelid is drooping and i cant see properly",
]

NOT_EMERGENCIES = [
    "can botox cause trouble swallowing?",
    "Can Botox cause problems such as blurred vision or double vision?",
    "Can Botox injections for migraines make my neck muscles weak?",
    "Can botox cause muscle weakness beyond the treatment area?",
    "is trouble breathing a side effect of botox",
    "what are the risks of botox spreading and causing breathing problems",
    "how long does botox last",
    "how does botox work for sweating",
    "my eyebrow is droopy after botox, is it permanent?",
    "I have a mild headache after my botox",
    "a small bruise on my forehead after the injection",
    "botox helped my drooling a lot",
    "no trouble breathing or swallowing, just a sore spot",
    "I'm not having any trouble swallowing, just curious about side effects",
    "what should I do if I get double vision after botox?",
    "who is a good candidate for botox",
    "can i workout after botox",
    "threat of side effects?",
    "Where can botulinum toxin be injected? What problems can it treat?",
    "is botulinum toxin the same thing as botulism",
    "had an allergic reaction last time, is it safe to get botox again?",
    "I had botox two weeks ago and it looks great",
    "my forehead feels heavy",
    "",
    "   ",
    "🙂🙂🙂",
]


@pytest.mark.parametrize("text", CALL_NOW_MESSAGES)
def test_call_now_red_flags(text):
    flag = screen(text)
    assert flag is not None, text
    assert flag.level == CALL_NOW, (text, flag)


@pytest.mark.parametrize("text", URGENT_MESSAGES)
def test_urgent_red_flags(text):
    flag = screen(text)
    assert flag is not None, text
    assert flag.level in (URGENT, CALL_NOW), (text, flag)


@pytest.mark.parametrize("text", NOT_EMERGENCIES)
def test_general_questions_and_harmless_messages_are_not_emergencies(text):
    assert screen(text) is None, (text, screen(text))


def test_the_most_serious_flag_wins():
    flag = screen("blurry vision and now I can't swallow")
    assert flag is not None and flag.level == CALL_NOW and flag.kind == "swallowing"


def test_screen_survives_hostile_input():
    for text in ["\x00\x01\x02", "a" * 10_000, "breathe " * 3000, "\u202e\u200b", "呼吸困难", "🫁" * 500]:
        screen(text)  # no exception


def test_every_rule_is_a_real_pattern():
    """A rule written as a plain string instead of an f-string keeps '{{' and can never match."""
    from botox_bot.core.emergency import _COMPILED

    for kind, _, pattern in _COMPILED:
        assert "{{" not in pattern.pattern and "{_" not in pattern.pattern, kind
