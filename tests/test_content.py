"""Content loading and every validation error: each must name the file and line and say what is wrong."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from botox_bot.core.clinic import load_clinic
from botox_bot.core.content import CORE_RESPONSES, ContentError, load_content, topic_of
from botox_bot.core.models import CORE_INTENTS, REQUIRED_INTENTS


def _problems(root: Path) -> str:
    with pytest.raises(ContentError) as info:
        load_content(root)
    return str(info.value)


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _edit_response(root: Path, lang: str, name: str, edit) -> Path:
    """Change one response in whichever file defines it, keeping the rest of the file as it was."""
    for path in sorted((root / "responses" / lang).glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if name in (data.get("responses") or {}):
            edit(data["responses"][name])
            path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
            return path
    raise AssertionError(f"{name} not found in {lang}")


def test_shipped_content_loads_with_every_required_intent_in_every_language(content_copy):
    content = load_content(content_copy)
    assert content.languages[0] == "en" and "es" in content.languages
    topics = {topic_of(label) for label in content.examples}
    assert set(REQUIRED_INTENTS) <= topics
    for lang in content.languages:
        for label in content.examples:
            assert content.has_response(f"utter_{label}", lang)
        assert CORE_RESPONSES <= set(content.responses[lang])


@pytest.mark.parametrize("topic", [t for t in CORE_INTENTS if t != "emergency"])
def test_each_core_topic_has_specific_answers_with_examples_in_each_language(content_copy, topic):
    content = load_content(content_copy)
    answers = content.answers_under(topic)
    assert len(answers) >= 4
    for label in answers:
        for lang in content.languages:
            assert sum(ex.language == lang for ex in content.examples[label]) >= 12, (label, lang)


def test_every_fact_reply_lists_sources(content_copy):
    content = load_content(content_copy)
    for lang in content.languages:
        for name, variations in content.responses[lang].items():
            topic = topic_of(name.removeprefix("utter_"))
            if topic in content.topics and topic not in content.logistics:
                for variation in variations:
                    assert variation.sources and all(s.startswith("http") for s in variation.sources), name


def test_no_reply_says_the_toxin_stays_where_it_is_injected(content_copy):
    """Clinical review C1: it contradicts the boxed warning."""
    content = load_content(content_copy)
    banned = re.compile(r"stays? (?:at|in) (?:the|that) (?:injection site|area)|only in the area|only affects")
    for name, variations in content.responses["en"].items():
        for variation in variations:
            assert not banned.search(variation.text.lower()), name


def test_yaml_syntax_error_names_file_and_line(content_copy):
    _write(content_copy / "intents" / "en" / "broken.yml", 'version: "3.1"\nnlu:\n- intent: greet\n  x: [unclosed\n')
    assert re.search(r"broken\.yml:\d+: invalid YAML", _problems(content_copy))


def test_unknown_key_names_file_and_line(content_copy):
    _write(
        content_copy / "intents" / "en" / "extra.yml",
        'version: "3.1"\nnlu:\n- intent: greet\n  exmaples: |\n    - hiya there\n',
    )
    message = _problems(content_copy)
    assert ("extra.yml:3" in message or "extra.yml:4" in message) and "unknown key" in message


def test_example_line_without_dash_names_its_line(content_copy):
    _write(
        content_copy / "intents" / "en" / "nodash.yml",
        'version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n    - hey you there\n    hello without dash\n',
    )
    assert "nodash.yml:6: an example line must start with '- '" in _problems(content_copy)


def test_example_under_two_intents_names_both_places(content_copy):
    _write(
        content_copy / "intents" / "en" / "dup.yml",
        'version: "3.1"\nnlu:\n- intent: thanks\n  examples: |\n    - zz how long does it last zz\n'
        "- intent: greet\n  examples: |\n    - ZZ how long does it LAST zz?\n",
    )
    message = _problems(content_copy)
    assert "dup.yml:8" in message and "dup.yml:5" in message
    assert "listed under thanks and under greet" in message or "listed under greet and under thanks" in message


def test_bad_intent_name_is_refused(content_copy):
    _write(
        content_copy / "intents" / "en" / "bad.yml",
        'version: "3.1"\nnlu:\n- intent: safety/a/b\n  examples: |\n    - x y z\n',
    )
    assert "bad.yml:3" in _problems(content_copy)


def test_new_specific_answer_needs_a_response_and_every_language(content_copy):
    _write(
        content_copy / "intents" / "en" / "new.yml",
        'version: "3.1"\nnlu:\n- intent: safety/parking\n  examples: |\n    - where do i park for my appointment\n',
    )
    message = _problems(content_copy)
    assert "new.yml:3: intent safety/parking has no response utter_safety/parking in en" in message
    assert "intent safety/parking has no examples in es" in message


def test_unknown_placeholder_names_file_and_line(content_copy):
    path = _write(
        content_copy / "responses" / "en" / "zz.yml",
        'version: "3.1"\nresponses:\n  utter_zz:\n  - text: Call {clinic_fone}\n',
    )
    message = _problems(content_copy)
    assert f"{path.name}:4:" in message and "unknown placeholder {clinic_fone}" in message


def test_response_without_intent_is_an_error(content_copy):
    _write(
        content_copy / "responses" / "en" / "more.yml", 'version: "3.1"\nresponses:\n  utter_duraton:\n  - text: typo\n'
    )
    assert "more.yml:3: response utter_duraton matches no intent" in _problems(content_copy)


def test_fact_reply_without_sources_is_an_error(content_copy):
    _edit_response(content_copy, "en", "utter_safety", lambda v: v.insert(0, {"text": "It is very safe."}))
    assert "utter_safety variation 1 states facts but lists no sources" in _problems(content_copy)


def test_condition_value_must_exist(content_copy):
    _edit_response(
        content_copy,
        "en",
        "utter_duration/how_long",
        lambda v: v.append(
            {
                "text": "x",
                "sources": ["https://a.example/x"],
                "condition": [{"type": "slot", "name": "use", "value": "knees"}],
            }
        ),
    )
    assert "slot use has no value 'knees'" in _problems(content_copy)


def test_emergency_text_cannot_lose_its_action_line(content_copy):
    """An editor replacing the emergency answer with 'No need to worry' must be refused (issue 11)."""
    _edit_response(content_copy, "en", "utter_emergency", lambda v: v[0].update(text="No need to worry.\nRest."))
    message = _problems(content_copy)
    assert "utter_emergency variation 1: its first line must tell the person to call {emergency_number}" in message


def test_crisis_text_must_keep_the_crisis_line(content_copy):
    _edit_response(
        content_copy, "es", "utter_crisis", lambda v: v[0].update(text="Lo siento. Llame al {emergency_number}.")
    )
    assert "utter_crisis variation 1 must give {crisis_line}" in _problems(content_copy)


def test_a_translation_must_mirror_the_source_language(content_copy):
    _edit_response(content_copy, "es", "utter_consult", lambda v: v[0].update(text=v[0]["text"] + "\n{crisis_line}"))
    _edit_response(
        content_copy, "es", "utter_thanks", lambda v: v.append({"text": "x", "channel": "sms", "reviewed": False})
    )
    message = _problems(content_copy)
    assert "utter_consult (no condition) uses placeholders" in message
    assert "utter_thanks has a es variation for channel sms that en has not" in message


def test_a_response_missing_in_one_language_is_refused(content_copy):
    for path in (content_copy / "responses" / "es").glob("*.yml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if "utter_greet" in data.get("responses", {}):
            del data["responses"]["utter_greet"]
            path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    assert "response utter_greet is missing in es" in _problems(content_copy)


def test_a_translation_must_say_whether_it_was_reviewed(content_copy):
    _edit_response(content_copy, "es", "utter_thanks", lambda v: v[0].pop("reviewed", None))
    assert "say whether a qualified translator has reviewed it" in _problems(content_copy)


def test_unreviewed_translations_are_listed(content_copy):
    content = load_content(content_copy)
    unreviewed = content.unreviewed()
    assert unreviewed and all(lang != "en" for lang, _, _ in unreviewed)


def test_bad_version_and_missing_domain(content_copy, tmp_path):
    path = content_copy / "intents" / "en" / "chitchat.yml"
    path.write_text(path.read_text(encoding="utf-8").replace('version: "3.1"', "version: 3.1", 1), encoding="utf-8")
    assert "chitchat.yml:1: version" in _problems(content_copy)
    assert "domain.yml: not found" in _problems(tmp_path / "nowhere")


def test_duplicate_key_and_non_utf8_are_reported(content_copy):
    _write(content_copy / "intents" / "en" / "twice.yml", 'version: "3.1"\nversion: "3.1"\nnlu: []\n')
    (content_copy / "intents" / "en" / "latin1.yml").write_bytes('version: "3.1"\n# caf\xe9\n'.encode("latin-1"))
    message = _problems(content_copy)
    assert "twice.yml:2: key 'version' appears twice" in message and "latin1.yml: not UTF-8" in message


def test_response_needs_a_fallback_variation(content_copy):
    _edit_response(content_copy, "en", "utter_choose", lambda v: [x.update(channel="sms") for x in v])
    assert "utter_choose needs one variation without condition or channel" in _problems(content_copy)


def test_all_problems_are_reported_at_once(content_copy):
    _write(content_copy / "intents" / "en" / "a.yml", 'version: "3.1"\nnlu:\n- intent: greet\n  bogus: 1\n')
    _write(content_copy / "responses" / "en" / "b.yml", 'version: "3.1"\nresponses:\n  utter_x:\n  - txt: 1\n')
    message = _problems(content_copy)
    assert "a.yml" in message and "b.yml" in message


def test_clinic_file_answers_are_checked_against_the_content(content_copy, tmp_path):
    content = load_content(content_copy)
    good = _write(
        tmp_path / "clinic.yml", 'answers:\n  repeat_treatment/touch_up:\n    en: "Free review at 2 weeks."\n'
    )
    assert load_clinic(good, content).answers["repeat_treatment/touch_up"]["en"].startswith("Free")
    bad = _write(tmp_path / "bad.yml", 'answers:\n  parking/where:\n    en: "x"\n  costs/price:\n    fr: "x"\n')
    with pytest.raises(ContentError) as info:
        load_clinic(bad, content)
    assert "bad.yml:2: answers: parking/where is not an intent" in str(info.value)
    assert "no language 'fr'" in str(info.value)
