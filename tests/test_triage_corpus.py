"""The red-flag corpus gates of issue 11, on the screen alone (no classifier, no clinic YAML):
100% of call_now cases at call_now, 100% of red flags caught, at most 3% false alarms on near misses.

The corpus lives in tests/data/triage/*.tsv (written blind to the screen by another helper). ``score`` is also what
``botox-bot evaluate`` reports; its own behaviour is tested here on a small corpus written to a temporary folder.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from botox_bot.core.triage.corpus import Row, format_score, read_corpus, score, summarise

CORPUS = Path(__file__).parent / "data" / "triage"


@pytest.fixture(scope="module")
def result() -> dict:
    rows = read_corpus(CORPUS)
    assert len(rows) >= 400 and {r.lang for r in rows} >= {"en", "es"}
    return score(rows)


def test_every_call_now_case_is_at_call_now(result):
    assert result["gates"]["call_now_at_call_now"], (result["call_now_low"], result["missed"])


def test_every_red_flag_is_caught(result):
    assert result["gates"]["red_flags_caught"], result["missed"]


def test_at_most_three_percent_false_alarms(result):
    assert result["gates"]["false_alarms_at_most_3pct"], result["false_alarm_ids"]


def test_the_corpus_covers_both_languages_and_every_level(result):
    assert {"en", "es"} <= set(result["per_lang"])
    assert all(result["per_urgency"][level]["rows"] for level in ("call_now", "urgent", "crisis"))


HEADER = "id\tlang\tvoice\texpected\tconcept\thistory\ttext\n"
SMALL = [
    "a1\ten\tpatient\tcall_now\tbreathing\t\ti cant breathe",
    "a2\ten\tpatient\turgent\tvision\thad botox tuesday\tis it normal to see double?",
    "a3\tes\tpatient\tcrisis\tcrisis\t\tme quiero morir",
    "a4\ten\tpatient\tpreface\tgeneral_question\t\tcan botox cause trouble swallowing?",
    "a5\ten\tpatient\tnone\tnegation\t\tno trouble breathing, just a bruise",
    "a6\ten\tpatient\turgent\tvision\t\tmy speech is fine",  # a deliberate miss, so the report has one
]


def write(tmp_path: Path, lines: list[str]) -> Path:
    (tmp_path / "small.tsv").write_text(HEADER + "\n".join(lines) + "\n", encoding="utf-8")
    return tmp_path


def test_read_corpus_reads_history_and_fields(tmp_path):
    rows = read_corpus(write(tmp_path, SMALL))
    assert [r.id for r in rows] == ["a1", "a2", "a3", "a4", "a5", "a6"]
    assert rows[1].history == ("had botox tuesday",) and rows[1].text == "is it normal to see double?"
    assert rows[2].lang == "es" and rows[2].red_flag and not rows[3].red_flag


def test_read_corpus_rejects_an_unknown_label(tmp_path):
    with pytest.raises(ValueError, match="unknown expected"):
        read_corpus(write(tmp_path, ["b1\ten\tpatient\temergency\tx\t\ttext"]))


def test_score_counts_recall_levels_false_alarms_and_prefaces(tmp_path):
    data = score(read_corpus(write(tmp_path, SMALL)))
    assert data["red_flags"] == 4 and data["red_flags_caught"] == 3 and data["missed"] == ["a6"]
    assert data["call_now_at_call_now"] == 1 and data["gates"]["call_now_at_call_now"]
    assert data["per_urgency"]["urgent"] == {"rows": 2, "caught": 1, "at_level": 1}
    assert data["per_concept"]["vision"] == {"rows": 2, "caught": 1}
    assert data["false_alarms"] == 0 and data["preface_correct"] == 1
    assert not data["gates"]["red_flags_caught"]
    text = format_score(data)
    assert "red flags caught: 3/4" in text and "red_flags_caught=FAIL" in text


def test_score_takes_another_predictor_for_a_before_figure():
    rows = [Row("x", "en", "patient", "call_now", "breathing", (), "i cant breathe")]
    data = score(rows, predict=lambda row: "urgent")
    assert data["red_flags_caught"] == 1 and data["call_now_at_call_now"] == 0 and data["call_now_low"] == ["x"]


def test_false_alarm_gate_allows_three_percent():
    rows = [Row(str(i), "en", "patient", "none", "idiom", (), "t") for i in range(100)]
    assert summarise(rows, ["urgent"] * 3 + ["none"] * 97)["gates"]["false_alarms_at_most_3pct"]
    assert not summarise(rows, ["urgent"] * 4 + ["none"] * 96)["gates"]["false_alarms_at_most_3pct"]


@pytest.mark.slow
async def test_the_whole_engine_keeps_every_red_flag_with_the_clinics_emergency_examples_deleted(engine, content_copy):
    """Recall never depends on clinic-editable YAML: prune every emergency training example, retrain, and ask the
    whole engine each corpus row as a conversation (its earlier messages first)."""
    from dataclasses import replace

    from botox_bot.core.classifier import IntentClassifier
    from botox_bot.core.content import load_content
    from botox_bot.core.engine import Engine
    from botox_bot.core.models import Message

    for path in content_copy.glob("intents/*/emergency.yml"):
        path.write_text('version: "3.1"\nnlu:\n- intent: emergency\n  examples: |\n    - zzz placeholder zzz\n')
    content = load_content(content_copy)
    pruned = Engine(content, IntentClassifier.train(*content.training_data()), replace(engine.config, cache_dir=None))
    rows = read_corpus(CORPUS)
    predicted = []
    for row in rows:
        for earlier in row.history:
            await pruned.answer(Message(text=earlier, sender_id=row.id, channel="rest"))
        reply = await pruned.answer(Message(text=row.text, sender_id=row.id, channel="rest"))
        predicted.append(reply.urgency or "none")
    result = summarise(rows, predicted)
    assert result["gates"]["call_now_at_call_now"] and result["gates"]["red_flags_caught"], result["missed"]


def _screen_all(rows: list[Row]) -> list[tuple]:
    from botox_bot.core.triage.screen import screen

    out = []
    for row in rows:
        memory, t = None, 1_000_000.0
        for earlier in row.history:
            _, memory = screen(earlier, memory, now=t)
            t += 60
        out.append(screen(row.text, memory, now=t))
    return out


def test_the_screen_reads_a_text_it_has_kept_exactly_as_a_new_one():
    """The screen keeps what it read of recent texts (patients repeat questions): a kept reading must give the
    same triage and memory as a fresh one, in any order, for every red flag and near miss of the corpus."""
    screen_module = importlib.import_module("botox_bot.core.triage.screen")
    rows = read_corpus(CORPUS)
    screen_module._read_alone.cache.clear()
    screen_module._parse_kept.cache_clear()
    fresh = _screen_all(rows)
    assert screen_module._parse_kept.cache_info().currsize > 0 and len(screen_module._read_alone.cache) > 0
    kept = _screen_all(rows)
    backwards = _screen_all(rows[::-1])[::-1]
    assert kept == fresh
    assert backwards == fresh
