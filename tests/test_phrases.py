"""The channels' own sentences per language (botox_bot/channels/phrases/): every language says everything English
says, with the same placeholders, and says whether a translator has reviewed it."""

from __future__ import annotations

import re
import string

import pytest

from botox_bot.channels.formatting import clinic_detail, listing, served_languages
from botox_bot.channels.phrases import available, phrases, plain_word, plain_words
from botox_bot.channels.twilio.phone_text import sms_segments
from tests.conftest import REPO

OTHERS = [lang for lang in available() if lang != "en"]


def _leaves(data, path=()):
    """(path, value) for every string of a phrases file (lists and nested sections walked)."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _leaves(value, (*path, key))
    elif isinstance(data, list):
        for value in data:
            yield from _leaves(value, path)
    else:
        yield path, data


def _placeholders(text) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name} if isinstance(text, str) else set()


def test_spanish_is_shipped_and_marked_as_not_yet_reviewed():
    assert "es" in OTHERS
    assert phrases("es").reviewed is False and phrases("es").data["review_note"]
    assert phrases("en").reviewed is True
    assert phrases("fr").language == "en"  # no file: the channels' own lines fall back to English


@pytest.mark.parametrize("lang", OTHERS)
def test_every_language_says_what_english_says_with_the_same_placeholders(lang):
    english, other = phrases("en").data, phrases(lang).data
    skip = {"review_note"}
    assert set(english) - skip == set(other) - skip
    for section in ("web", "sms", "voice", "list"):
        assert set(english[section]) == set(other[section]), section
        for key, text in english[section].items():
            assert _placeholders(text) == _placeholders(other[section][key]), f"{lang}: {section}.{key}"
    assert set(english["sms"]["keywords"]) == set(other["sms"]["keywords"])
    assert set(english["voice"]["symbols"]) == set(other["voice"]["symbols"])


@pytest.mark.parametrize("lang", available())
def test_no_phrase_is_empty_and_keywords_are_single_plain_words(lang):
    for path, value in _leaves(phrases(lang).data):
        assert value != "" and value is not None, path
    words = phrases(lang)
    for kind in ("stop", "start", "help"):
        for word in words.words(f"sms.keywords.{kind}"):
            assert re.fullmatch(r"[a-z]+", word), (lang, kind, word)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_keyword_replies_stay_gsm7_so_they_cost_one_or_two_segments(lang):
    """Written without á, í, ó, ú on purpose: one of them would make a reply UCS-2 (70/67 characters a segment)."""
    words = phrases(lang)
    values = {"clinic_name": "Riverside Skin", "emergency_number": "911", "phone": "555-0100"}
    values["call_us"] = words.text("sms.call_us", **values)
    for key in ("sms.stopped", "sms.started", "sms.help"):
        segments = sms_segments(words.text(key, **values))
        assert segments.encoding == "GSM-7" and segments.count <= 2, (lang, key, segments)


def test_a_keyword_means_one_thing_in_every_language():
    kinds: dict[str, set[str]] = {}
    for lang in available():
        for kind in ("stop", "start", "help"):
            for word in phrases(lang).words(f"sms.keywords.{kind}"):
                kinds.setdefault(word, set()).add(kind)
    assert {word: k for word, k in kinds.items() if len(k) > 1} == {}


@pytest.mark.parametrize(
    ("lang", "items", "last", "words"),
    [
        ("en", ["How Botox works", "Medical uses", "Safety"], "or", "how Botox works, medical uses, or safety"),
        ("es", ["Cómo funciona", "Usos médicos", "Seguridad"], "or", "cómo funciona, usos médicos o seguridad"),
        ("es", ["Seguridad", "Información"], "and", "seguridad e información"),
        ("es", ["Seguridad", "Hierro"], "and", "seguridad y hierro"),  # "hie" sounds like "ye": y stays
        ("es", ["Siete", "Ocho"], "or", "siete u ocho"),
        ("es", ["La cita"], "or", "la cita"),
        ("es", [], "or", ""),
    ],
)
def test_lists_read_as_each_language_writes_them(lang, items, last, words):
    assert listing(items, last, lang) == words


@pytest.mark.parametrize(
    ("text", "word"), [("¡AYUDA!", "ayuda"), (" Información. ", "informacion"), ("Stop", "stop"), ("¿Alto?", "alto")]
)
def test_plain_words_for_matching(text, word):
    assert plain_word(text) == word


def test_plain_words_drop_punctuation_between_words():
    assert plain_words("Sí, por favor.") == "si por favor" and plain_words("yes-please!") == "yes please"


def test_unset_clinic_details_are_said_in_the_channels_language(engine, settings):
    content = engine.content
    unset = settings.model_copy(update={"clinic_name": None, "emergency_number": None, "country": None}).clinic
    assert clinic_detail(unset, content, "es", "clinic_name") == content.defaults["es"]["clinic_name"]
    assert clinic_detail(unset, content, "en", "clinic_name") == "our clinic"
    assert clinic_detail(unset, content, "es", "emergency_number") == content.defaults["es"]["emergency_number"]
    named = settings.clinic  # Riverside Skin, 911
    assert clinic_detail(named, content, "es", "clinic_name") == "Riverside Skin"
    assert clinic_detail(named, content, "es", "emergency_number") == "911"
    assert clinic_detail(unset, None, "es", "clinic_name") == "our clinic"  # before the content is loaded


def test_served_languages_follow_the_content_and_the_clinics_setting(engine):
    content = engine.content
    assert served_languages(content) == [lang for lang in content.languages if lang in available()]
    assert served_languages(content, ["es"]) == ["es"]
    assert served_languages(content, ["en"]) == ["en"]
    assert served_languages(None) == list(available())


def test_the_twilio_page_lists_every_keyword_for_the_clinics_twilio_settings():
    """The docs tell a clinic which words to mirror in Twilio's Advanced Opt-Out: they must be the bot's own."""
    page = (REPO / "docs" / "channels" / "twilio.md").read_text(encoding="utf-8")
    rows = {"stop": "opt out", "start": "opt back in", "help": "help"}
    for kind, label in rows.items():
        cells = re.search(rf"^\| {label} \| (.*) \| (.*) \|$", page, re.M)
        assert cells, label
        for column, lang in zip(cells.groups(), ("en", "es")):
            listed = {plain_word(word) for word in re.split(r"[,()]", column) if word.strip()}
            assert set(phrases(lang).words(f"sms.keywords.{kind}")) == listed, (kind, lang)
