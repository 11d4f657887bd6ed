"""Answers a patient reads on a phone: plain (reading grade 6-8) and short, measured on the shipped content.

English: Flesch-Kincaid grade. Spanish: Szigriszt-Pazos (INFLESZ), where 65-80 reads as "fairly easy". Drug and
condition names push a few answers up; the medians and the 90th percentile are what the floors hold.
"""

from __future__ import annotations

import statistics

import pytest
import textstat

from botox_bot.core.content import topic_of

VALUES = {
    "{clinic_name}": "our clinic",
    "{clinic_phone}": "555-0100",
    "{emergency_number}": "911",
    "{booking_link}": "",
    "{crisis_line}": "988",
    "{served_languages}": "English",
}


def _answers(engine, language: str) -> list[str]:
    content = engine.content
    texts = []
    for name, variations in content.responses[language].items():
        if topic_of(name.removeprefix("utter_")) in content.topics:
            for variation in variations:
                if variation.channel is None:
                    text = variation.text
                    for key, value in VALUES.items():
                        text = text.replace(key, value)
                    texts.append(text)
    return texts


def test_english_answers_read_at_grade_six_to_eight(engine):
    textstat.set_lang("en")
    grades = sorted(textstat.flesch_kincaid_grade(t) for t in _answers(engine, "en"))
    assert statistics.median(grades) <= 8.0, grades
    assert grades[int(0.9 * len(grades))] <= 10.0, grades


def test_spanish_answers_read_as_fairly_easy(engine):
    textstat.set_lang("es")
    scores = sorted(textstat.szigriszt_pazos(t) for t in _answers(engine, "es"))
    assert statistics.median(scores) >= 65, scores


@pytest.mark.parametrize("language", ["en", "es"])
def test_answers_fit_a_phone_screen(engine, language):
    lengths = sorted(len(t) for t in _answers(engine, language))
    assert statistics.median(lengths) <= 350 and lengths[-1] <= 700, lengths[-5:]
