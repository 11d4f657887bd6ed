"""Measuring how well the bot understands questions, like ``rasa test nlu``.

Two modes: cross-validation over the training examples in ``intents/``, or scoring against a TSV of real
questions (columns ``id``, ``question``, ``acceptable``; ``acceptable`` lists intents separated by ``|``, and
``other`` accepts any intent outside the six core ones).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from botox_bot.core.models import CORE_INTENTS

OTHER = "other"


@dataclass
class Row:
    text: str
    acceptable: set[str]
    id: str = ""


@dataclass
class Report:
    """Predictions against acceptable intents. With ``collapse_other``, non-core predictions count as 'other'."""

    rows: list[Row]
    predicted: list[str]
    collapse_other: bool = True
    gold: list[str] = field(default_factory=list)
    scored: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.scored = [p if not self.collapse_other or p in CORE_INTENTS else OTHER for p in self.predicted]
        self.gold = [
            s if self._ok(r, p) else min(r.acceptable, key=lambda a: (a == OTHER, a))
            for r, p, s in zip(self.rows, self.predicted, self.scored)
        ]

    @staticmethod
    def _ok(row: Row, pred: str) -> bool:
        return pred in row.acceptable or (OTHER in row.acceptable and pred not in CORE_INTENTS)

    @property
    def hits(self) -> list[bool]:
        return [self._ok(r, p) for r, p in zip(self.rows, self.predicted)]

    @property
    def accuracy(self) -> float:
        return sum(self.hits) / len(self.rows) if self.rows else 0.0

    def emergency_stats(self) -> dict[str, int]:
        only = [(r, p) for r, p in zip(self.rows, self.predicted) if r.acceptable == {"emergency"}]
        false = [
            (r, p) for r, p in zip(self.rows, self.predicted) if p == "emergency" and "emergency" not in r.acceptable
        ]
        return {
            "emergency_only_rows": len(only),
            "emergency_only_caught": sum(p == "emergency" for _, p in only),
            "false_emergencies": len(false),
        }

    def as_dict(self) -> dict:
        from sklearn.metrics import classification_report, confusion_matrix

        labels = sorted(set(self.gold) | set(self.scored))
        return {
            "accuracy": self.accuracy,
            "n": len(self.rows),
            **self.emergency_stats(),
            "per_intent": classification_report(
                self.gold, self.scored, labels=labels, output_dict=True, zero_division=0
            ),
            "labels": labels,
            "confusion_matrix": confusion_matrix(self.gold, self.scored, labels=labels).tolist(),
            "misses": [
                {"id": r.id, "text": r.text, "acceptable": sorted(r.acceptable), "predicted": p}
                for r, p, ok in zip(self.rows, self.predicted, self.hits)
                if not ok
            ],
        }


def read_tsv(path: Path) -> list[Row]:
    """Read an evaluation TSV; a bad file raises ``ValueError`` naming the file and line."""
    rows = []
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        missing = {"question", "acceptable"} - set(reader.fieldnames or [])
        if missing:
            raise ValueError(f"{path}:1: missing column(s) {', '.join(sorted(missing))}")
        for line, rec in enumerate(reader, start=2):
            if not (rec.get("question") or "").strip() or not (rec.get("acceptable") or "").strip():
                raise ValueError(f"{path}:{line}: empty question or acceptable column")
            acceptable = {a.strip() for a in rec["acceptable"].split("|") if a.strip()}
            rows.append(Row(rec["question"], acceptable, rec.get("id") or str(line)))
    return rows


def score(rows: Sequence[Row], predict: Callable[[str], str]) -> Report:
    return Report(list(rows), [predict(r.text) for r in rows])


def cross_validate(
    texts: Sequence[str], labels: Sequence[str], folds: int = 5, seed: int = 0, predict_factory: Callable | None = None
) -> Report:
    """Stratified k-fold over the training examples: each example is predicted by a model that never saw it."""
    from sklearn.model_selection import StratifiedKFold

    from botox_bot.core.classifier import IntentClassifier

    predicted = [""] * len(texts)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train_idx, test_idx in splitter.split(texts, labels):
        model = IntentClassifier.train([texts[i] for i in train_idx], [labels[i] for i in train_idx])
        predict = predict_factory(model) if predict_factory else (lambda t, m=model: m.predict(t).intent)
        for i in test_idx:
            predicted[i] = predict(texts[i])
    rows = [Row(t, {label}) for t, label in zip(texts, labels)]
    return Report(rows, predicted, collapse_other=False)


def format_report(report: Report, title: str) -> str:
    data = report.as_dict()
    out = [f"{title}: {data['n']} questions", ""]
    out.append(f"{'intent':<18}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>10}")
    for label in data["labels"]:
        m = data["per_intent"][label]
        out.append(
            f"{label:<18}{m['precision']:>10.3f}{m['recall']:>10.3f}{m['f1-score']:>10.3f}{int(m['support']):>10}"
        )
    out += ["", f"accuracy: {data['accuracy']:.3f}"]
    if data["emergency_only_rows"]:
        out.append(f"emergency-only rows caught: {data['emergency_only_caught']}/{data['emergency_only_rows']}")
    out.append(f"emergency answers to rows that do not accept it: {data['false_emergencies']}")
    out += ["", "confusion matrix (rows: expected, columns: predicted):", _matrix(data)]
    if data["misses"]:
        out += ["", f"misses ({len(data['misses'])}):"]
        out += [
            f"  [{m['id']}] {m['text'][:90]!r}: predicted {m['predicted']}, acceptable {'|'.join(m['acceptable'])}"
            for m in data["misses"]
        ]
    return "\n".join(out)


def _matrix(data: dict) -> str:
    labels = data["labels"]
    short = [label[:6] for label in labels]
    lines = [" " * 18 + "".join(f"{s:>8}" for s in short)]
    for label, row in zip(labels, data["confusion_matrix"]):
        lines.append(f"{label:<18}" + "".join(f"{v:>8}" for v in row))
    return "\n".join(lines)


def write_outputs(report: Report, out_dir: Path, name: str) -> list[Path]:
    """Write ``NAME-report.json`` and ``NAME-confusion.png`` into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    data = report.as_dict()
    json_path = out_dir / f"{name}-report.json"
    json_path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    png_path = out_dir / f"{name}-confusion.png"
    _plot(data, png_path)
    return [json_path, png_path]


def _plot(data: dict, path: Path) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise RuntimeError("the confusion-matrix PNG needs matplotlib: pip install 'botox-bot[plots]'") from exc
    labels, matrix = data["labels"], data["confusion_matrix"]
    fig, ax = plt.subplots(figsize=(1.0 + 0.8 * len(labels), 0.8 + 0.7 * len(labels)))
    ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("expected")
    peak = max((max(r) for r in matrix), default=0) or 1
    for i, row in enumerate(matrix):
        for j, v in enumerate(row):
            ax.text(j, i, str(v), ha="center", va="center", color="white" if v > peak / 2 else "black")
    ax.set_title(f"accuracy {data['accuracy']:.3f} (n={data['n']})")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
