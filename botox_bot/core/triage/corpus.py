"""Score the triage screen on a labelled corpus of red flags and near misses (``botox-bot evaluate`` reports it).

Corpus files are TSV with a header: ``id lang voice expected concept history text``. ``expected`` is one of
call_now, urgent, crisis, preface, none; ``history`` holds the sender's earlier messages separated by " || ",
which are screened first so the memory carries over, as it would through the store.

The gates of issue 11: every call_now case at call_now, every red flag (call_now, urgent, crisis) caught, and at
most 3% false alarms on near misses (expected preface or none).
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botox_bot.core.triage.screen import screen

ALARMS = ("call_now", "urgent", "crisis")
OUTCOMES = (*ALARMS, "preface", "none")
HISTORY_SEPARATOR = " || "

Predict = Callable[["Row"], str]


@dataclass(frozen=True)
class Row:
    id: str
    lang: str
    voice: str
    expected: str
    concept: str
    history: tuple[str, ...]
    text: str

    @property
    def red_flag(self) -> bool:
        return self.expected in ALARMS


def read_corpus(path: str | Path) -> list[Row]:
    """Rows of one TSV file, or of every ``*.tsv`` file in a folder (sorted by name)."""
    path = Path(path)
    files = sorted(path.glob("*.tsv")) if path.is_dir() else [path]
    rows: list[Row] = []
    for file in files:
        with file.open(encoding="utf-8", newline="") as fh:
            for rec in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE):
                expected = (rec.get("expected") or "").strip()
                if expected not in OUTCOMES:
                    raise ValueError(f"{file.name}: {rec.get('id')}: unknown expected {expected!r}")
                history = tuple(h.strip() for h in (rec.get("history") or "").split(HISTORY_SEPARATOR) if h.strip())
                rows.append(
                    Row(
                        id=rec["id"].strip(),
                        lang=(rec.get("lang") or "").strip(),
                        voice=(rec.get("voice") or "").strip(),
                        expected=expected,
                        concept=(rec.get("concept") or "").strip(),
                        history=history,
                        text=rec.get("text") or "",
                    )
                )
    return rows


def predict_triage(row: Row) -> str:
    """The new screen's outcome, with the row's earlier messages screened first (one minute apart)."""
    memory: dict[str, Any] | None = None
    t = 1_000_000.0
    for earlier in row.history:
        _, memory = screen(earlier, memory, now=t)
        t += 60
    triage, _ = screen(row.text, memory, now=t)
    return triage.outcome


def score(rows: Sequence[Row], predict: Predict = predict_triage) -> dict[str, Any]:
    """Recall per urgency and per concept, call_now-at-call_now, false alarms on near misses, preface accuracy."""
    predicted = [predict(r) for r in rows]
    return summarise(rows, predicted)


def summarise(rows: Sequence[Row], predicted: Sequence[str]) -> dict[str, Any]:
    pairs = list(zip(rows, predicted, strict=True))
    red = [(r, p) for r, p in pairs if r.red_flag]
    near = [(r, p) for r, p in pairs if not r.red_flag]
    call_now = [(r, p) for r, p in red if r.expected == "call_now"]
    prefaces = [(r, p) for r, p in near if r.expected == "preface"]

    def caught(items: Iterable[tuple[Row, str]]) -> list[bool]:
        return [p in ALARMS for _, p in items]

    per_urgency = {}
    for level in ALARMS:
        items = [(r, p) for r, p in red if r.expected == level]
        per_urgency[level] = {
            "rows": len(items),
            "caught": sum(caught(items)),
            "at_level": sum(p == level for _, p in items),
        }
    per_concept: dict[str, dict[str, int]] = defaultdict(lambda: {"rows": 0, "caught": 0})
    for r, p in red:
        per_concept[r.concept]["rows"] += 1
        per_concept[r.concept]["caught"] += p in ALARMS
    per_lang: dict[str, dict[str, int]] = defaultdict(lambda: {"red_flags": 0, "caught": 0, "near": 0, "alarms": 0})
    for r, p in pairs:
        d = per_lang[r.lang]
        if r.red_flag:
            d["red_flags"] += 1
            d["caught"] += p in ALARMS
        else:
            d["near"] += 1
            d["alarms"] += p in ALARMS
    false_alarms = sum(caught(near))
    return {
        "rows": len(rows),
        "red_flags": len(red),
        "red_flags_caught": sum(caught(red)),
        "recall": _rate(sum(caught(red)), len(red)),
        "call_now_rows": len(call_now),
        "call_now_at_call_now": sum(p == "call_now" for _, p in call_now),
        "call_now_rate": _rate(sum(p == "call_now" for _, p in call_now), len(call_now)),
        "near_misses": len(near),
        "false_alarms": false_alarms,
        "false_alarm_rate": _rate(false_alarms, len(near)),
        "preface_rows": len(prefaces),
        "preface_correct": sum(p == "preface" for _, p in prefaces),
        "preface_accuracy": _rate(sum(p == "preface" for _, p in prefaces), len(prefaces)),
        "exact": _rate(sum(r.expected == p for r, p in pairs), len(pairs)),
        "per_urgency": per_urgency,
        "per_concept": dict(sorted(per_concept.items())),
        "per_lang": dict(sorted(per_lang.items())),
        "missed": [r.id for r, p in red if p not in ALARMS],
        "call_now_low": [r.id for r, p in call_now if p in ALARMS and p != "call_now"],
        "false_alarm_ids": [r.id for r, p in near if p in ALARMS],
        "gates": {
            "call_now_at_call_now": all(p == "call_now" for _, p in call_now),
            "red_flags_caught": all(caught(red)),
            "false_alarms_at_most_3pct": false_alarms <= 0.03 * len(near),
        },
    }


def _rate(n: int, d: int) -> float:
    return round(n / d, 4) if d else 1.0


def format_score(data: dict[str, Any], title: str = "triage corpus") -> str:
    """A short text report for the terminal."""
    out = [
        f"{title}: {data['rows']} messages, {data['red_flags']} red flags, {data['near_misses']} near misses",
        f"red flags caught: {data['red_flags_caught']}/{data['red_flags']} ({data['recall']:.1%})",
        f"call_now at call_now: {data['call_now_at_call_now']}/{data['call_now_rows']} ({data['call_now_rate']:.1%})",
        f"false alarms on near misses: {data['false_alarms']}/{data['near_misses']} ({data['false_alarm_rate']:.1%})",
        f"preface accuracy: {data['preface_correct']}/{data['preface_rows']} ({data['preface_accuracy']:.1%})",
    ]
    for level, d in data["per_urgency"].items():
        out.append(f"  {level:9} caught {d['caught']}/{d['rows']}, at level {d['at_level']}/{d['rows']}")
    for concept, d in data["per_concept"].items():
        out.append(f"  {concept:22} {d['caught']}/{d['rows']}")
    for lang, d in data["per_lang"].items():
        out.append(f"  lang {lang}: caught {d['caught']}/{d['red_flags']}, false alarms {d['alarms']}/{d['near']}")
    gates = ", ".join(f"{k}={'PASS' if v else 'FAIL'}" for k, v in data["gates"].items())
    out.append(f"gates: {gates}")
    return "\n".join(out)
