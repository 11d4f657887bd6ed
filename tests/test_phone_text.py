"""How a reply reads on a phone (channels/twilio/phone_text.py): SMS segments as carriers count them, Spanish
included, every reply within Twilio's limit in every language, and words for the speech engine."""

from __future__ import annotations

import asyncio

import pytest

from botox_bot.channels.twilio.phone_text import (
    SMS_LIMIT,
    cut_at_sentence,
    sms_segments,
    sms_text,
    speech_text,
    spoken_number,
    utf16_length,
)
from botox_bot.core.engine import Engine
from botox_bot.core.models import Choice, Message, Reply


@pytest.mark.parametrize(
    ("text", "encoding", "units", "count"),
    [
        ("", "GSM-7", 0, 0),
        ("a" * 160, "GSM-7", 160, 1),
        ("a" * 161, "GSM-7", 161, 2),
        ("a" * 306, "GSM-7", 306, 2),  # 153 + 153
        ("a" * 307, "GSM-7", 307, 3),
        ("€" * 80, "GSM-7", 160, 1),  # an extension character takes two septets
        ("€" * 81, "GSM-7", 162, 2),
        ("a" * 152 + "€" + "a" * 10, "GSM-7", 164, 2),  # the escape and its character stay in one segment
        ("a" * 152 + "€" + "a" * 152, "GSM-7", 306, 3),  # ...so 306 septets need a third segment, not two
        ("¿Qué pasa? ¡Señor! Está bien, pingüino", "UCS-2", 38, 1),  # á is not in GSM-7
        ("¿Qué pasa? ¡Señor! Él es pingüino", "GSM-7", 33, 1),  # é, ñ, ü, ¿, ¡, É are
        ("á" * 70, "UCS-2", 70, 1),
        ("á" * 71, "UCS-2", 71, 2),
        ("á" * 134, "UCS-2", 134, 2),  # 67 + 67
        ("á" * 135, "UCS-2", 135, 3),
        ("😀" * 35, "UCS-2", 70, 1),  # outside the BMP: two units each
        ("a" * 66 + "😀" + "a" * 66, "UCS-2", 134, 3),  # a surrogate pair is never split: 66 | 2 + 65 | 1
    ],
)
def test_segments_as_carriers_count_them(text, encoding, units, count):
    segments = sms_segments(text)
    assert (segments.encoding, segments.units, segments.count) == (encoding, units, count)


def test_one_accent_makes_a_spanish_text_cost_more_segments():
    plain = "Para las arrugas de la cara, el Botox suele durar unos 3 a 4 meses, a veces mas. " * 3
    accented = plain.replace("mas.", "más.")
    assert sms_segments(plain).encoding == "GSM-7" and sms_segments(accented).encoding == "UCS-2"
    assert sms_segments(plain).count == 2 and sms_segments(accented).count == 4


def reply(language="es", answer="Dura de 3 a 4 meses.", consult="Hable con su proveedor.", **extra):
    return Reply(
        intent="duration",
        confidence=0.9,
        text=f"{answer}\n\n{consult}",
        answer=answer,
        consult=consult,
        language=language,
        **extra,
    )


def test_spanish_choices_are_numbered_in_spanish():
    choices = [Choice(title="Usos médicos", payload="/medical_uses"), Choice(title="Seguridad", payload="/safety")]
    text = sms_text(reply(answer="¿Quiso decir una de estas?", choices=choices))
    assert "Responda 1: Usos médicos\nResponda 2: Seguridad" in text
    assert "Reply" not in text and text.endswith("Hable con su proveedor.")
    english = sms_text(reply(language="en", answer="Did you mean?", consult="Ask.", choices=choices))
    assert "Reply 1 for Usos médicos." in english


def test_a_long_spanish_answer_is_cut_at_a_sentence_and_keeps_its_ending():
    sentence = "El Botox relaja el músculo durante unos meses. "
    text = sms_text(reply(answer=sentence * 60, consult="Esta es información general. Llame a la clínica: 555-0100"))
    assert utf16_length(text) <= SMS_LIMIT
    answer, _, consult = text.partition("\n\n")
    assert answer.endswith("meses.") and consult.endswith("555-0100")


def test_spanish_quotation_marks_become_plain_ones():
    assert sms_text(reply(answer="Se llama «toxina botulínica».", consult="")) == 'Se llama "toxina botulínica".'


def test_a_cut_never_splits_a_word():
    assert cut_at_sentence("uno dos tres cuatro", 12) == "uno dos..."


def test_every_reply_fits_twilios_limit_in_every_language(engine, settings):
    """Twilio's 1,600 characters, on every response template the engine can give by SMS, in each language."""
    fresh = Engine(engine.content, engine.classifier, settings.engine_config())
    seen = 0
    for lang in fresh.content.languages:
        for name in fresh.content.responses[lang]:
            intent = name.removeprefix("utter_")
            message = Message(text="x", payload=f"/{intent}", channel="sms", language=lang, sender_id=lang)
            answered = asyncio.run(fresh.answer(message))
            text = sms_text(answered)
            assert utf16_length(text) <= SMS_LIMIT and not text.endswith(" "), (lang, name)
            if answered.consult:  # the ending is always kept
                assert text.endswith(answered.consult.splitlines()[-1].strip()), (lang, name)
            seen += answered.response == name
    assert seen >= 0.9 * sum(len(names) for names in fresh.content.responses.values())  # nearly every template


@pytest.mark.parametrize(
    ("text", "language", "spoken"),
    [
        ("Llame al 911 ahora.", "es", "Llame al 9 1 1 ahora."),
        ("Llame a la clínica: 555-0100.", "es", "Llame a la clínica: 5 5 5, 0 1 0 0."),
        ("Un 20 % y más & menos / nada + algo", "es", "Un 20 por ciento y más y menos o nada más algo"),
        ("About 20% & less", "en", "About 20 percent and less"),
        ("Vea https://www.fda.gov/x para más.", "es", "Vea para más."),
        ("- **Uno**\n- Dos", "es", "Uno\nDos"),
    ],
)
def test_speech_in_spanish_reads_numbers_digit_by_digit_and_symbols_as_spanish_words(text, language, spoken):
    assert speech_text(text, ("911", "555-0100"), language) == spoken


def test_an_unset_emergency_number_is_said_as_words():
    assert spoken_number("número local de emergencias") == "número local de emergencias"
    assert spoken_number("9-8-8") == "9, 8, 8"
    assert speech_text("llame al número local de emergencias", ("número local de emergencias",), "es") == (
        "llame al número local de emergencias"
    )
