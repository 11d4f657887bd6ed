"""Content loading and every validation error: each must name the file and line and say what is wrong."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from botox_bot.core.content import ContentError, load_content
from botox_bot.core.models import CORE_INTENTS, REQUIRED_INTENTS


def _problems(root: Path) -> str:
    with pytest.raises(ContentError) as info:
        load_content(root)
    return str(info.value)


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def _line_of(path: Path, needle: str) -> int:
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return n
    raise AssertionError(f"{needle!r} not in {path}")


def test_shipped_content_loads_with_every_required_intent(content_copy):
    content = load_content(content_copy)
    assert set(REQUIRED_INTENTS) <= set(content.examples)
    for intent in content.examples:
        assert f"utter_{intent}" in content.responses


@pytest.mark.parametrize("intent", [*CORE_INTENTS, "out_of_scope"])
def test_each_core_intent_has_at_least_40_examples(content_copy, intent):
    assert len(load_content(content_copy).examples[intent]) >= 40


def test_every_fact_reply_lists_sources(content_copy):
    content = load_content(content_copy)
    for intent in ("how_it_works", "duration", "repeat_treatment", "medical_uses", "safety", "emergency"):
        for variation in content.responses[f"utter_{intent}"]:
            assert variation.sources and all(s.startswith("http") for s in variation.sources)


def test_yaml_syntax_error_names_file_and_line(content_copy):
    path = content_copy / "intents" / "broken.yml"
    path.write_text('version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n    - hi\n  bad: [unclosed\n')
    message = _problems(content_copy)
    assert re.search(r"broken\.yml:\d+: invalid YAML", message)


def test_unknown_key_names_file_and_line(content_copy):
    path = content_copy / "intents" / "extra.yml"
    path.write_text('version: "3.1"\nnlu:\n- intent: greet\n  exmaples: |\n    - hiya there\n')
    message = _problems(content_copy)
    assert "extra.yml:3" in message or "extra.yml:4" in message
    assert "exmaples" in message and "unknown key" in message


def test_example_line_without_dash_names_its_line(content_copy):
    path = content_copy / "intents" / "nodash.yml"
    path.write_text('version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n    - hey you\n    hello without dash\n')
    assert "nodash.yml:6: an example line must start with '- '" in _problems(content_copy)


def test_example_under_two_intents_names_both_places(content_copy):
    path = content_copy / "intents" / "dup.yml"
    path.write_text(
        'version: "3.1"\nnlu:\n- intent: thanks\n  examples: |\n    - How long does it last?\n'
        "- intent: duration\n  examples: |\n    - how long does it LAST\n"
    )
    message = _problems(content_copy)
    assert "dup.yml:8" in message and "dup.yml:5" in message
    assert "listed under duration and under thanks" in message


def test_intent_without_response_is_an_error(content_copy):
    path = content_copy / "intents" / "new.yml"
    path.write_text('version: "3.1"\nnlu:\n- intent: parking\n  examples: |\n    - where do i park\n')
    assert "new.yml:3: intent parking has no response utter_parking" in _problems(content_copy)


def test_unknown_placeholder_names_file_and_line(content_copy):
    path = content_copy / "responses" / "topics.yml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace(
            "utter_duration:\n",
            "utter_duration:\n  - text: Call {clinic_fone}\n    sources: [https://example.org/x]\n",
            1,
        ),
        encoding="utf-8",
    )
    line = _line_of(path, "{clinic_fone}")
    message = _problems(content_copy)
    assert f"topics.yml:{line}:" in message and "unknown placeholder {clinic_fone}" in message


def test_response_without_intent_and_missing_sources_are_errors(content_copy):
    _append(content_copy / "responses" / "general.yml", "")
    path = content_copy / "responses" / "more.yml"
    path.write_text('version: "3.1"\nresponses:\n  utter_duraton:\n  - text: typo in the name\n')
    message = _problems(content_copy)
    assert "more.yml:3: response utter_duraton matches no intent" in message


def test_fact_reply_without_sources_is_an_error(content_copy):
    path = content_copy / "responses" / "topics.yml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("utter_safety:\n", "utter_safety:\n  - text: It is very safe.\n", 1), encoding="utf-8")
    assert "utter_safety variation 1 states facts but lists no sources" in _problems(content_copy)


def test_condition_on_unknown_slot_value_is_an_error(content_copy):
    path = content_copy / "responses" / "more.yml"
    path.write_text(
        'version: "3.1"\nresponses:\n  utter_thanks:\n  - text: x\n    condition:\n'
        "    - type: slot\n      name: use\n      value: knees\n"
    )
    message = _problems(content_copy)
    assert "utter_thanks is also defined" in message
    path.write_text('version: "3.1"\nresponses:\n  utter_greet_two:\n  - text: x\n')
    assert "utter_greet_two matches no intent" in _problems(content_copy)


def test_condition_value_must_exist(content_copy):
    path = content_copy / "responses" / "topics.yml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("value: sweating", "value: knees", 1), encoding="utf-8")
    assert "slot use has no value 'knees'" in _problems(content_copy)


def test_bad_version_and_missing_folder(content_copy, tmp_path):
    path = content_copy / "intents" / "chitchat.yml"
    path.write_text(path.read_text(encoding="utf-8").replace('version: "3.1"', "version: 3.1", 1), encoding="utf-8")
    message = _problems(content_copy)
    assert "chitchat.yml:1: version" in message
    assert "folder not found" in _problems(tmp_path / "nowhere")


def test_duplicate_key_and_non_utf8_are_reported(content_copy):
    (content_copy / "intents" / "twice.yml").write_text('version: "3.1"\nversion: "3.1"\nnlu: []\n')
    (content_copy / "intents" / "latin1.yml").write_bytes('version: "3.1"\n# caf\xe9\n'.encode("latin-1"))
    message = _problems(content_copy)
    assert "twice.yml:2: key 'version' appears twice" in message
    assert "latin1.yml: not UTF-8" in message


def test_response_needs_a_fallback_variation(content_copy):
    path = content_copy / "responses" / "more.yml"
    path.write_text('version: "3.1"\nresponses:\n  utter_choose:\n  - text: x\n    channel: sms\n')
    (content_copy / "responses" / "general.yml").write_text(
        (content_copy / "responses" / "general.yml")
        .read_text(encoding="utf-8")
        .replace("utter_choose:", "utter_choose_old:", 1),
        encoding="utf-8",
    )
    assert "utter_choose needs one variation without condition or channel" in _problems(content_copy)


def test_all_problems_are_reported_at_once(content_copy):
    (content_copy / "intents" / "a.yml").write_text('version: "3.1"\nnlu:\n- intent: greet\n  bogus: 1\n')
    (content_copy / "responses" / "b.yml").write_text('version: "3.1"\nresponses:\n  utter_x:\n  - txt: 1\n')
    message = _problems(content_copy)
    assert "a.yml" in message and "b.yml" in message
