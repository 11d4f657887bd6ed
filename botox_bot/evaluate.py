"""Measuring how well the bot understands and answers, like ``rasa test nlu`` with its response selection report.

Three kinds of test:
- **cross-validation** over the training examples (``intents/``): each example is predicted by a model that never
  saw it, and scored at both levels, the intent (topic) and the specific answer, per language;
- **a TSV of questions**: either real questions labelled with acceptable intents (columns ``id``, ``question``,
  ``acceptable``: intents separated by ``|``, ``other`` accepting any intent outside the six core ones), or a
  question set with the expected ``intent``, ``answer_key`` and ``must`` (phrases a useful reply contains,
  separated by ``|``), which also scores whether the reply makes the question's point;
- **the red-flag corpus** (``--triage``): see ``botox_bot.core.triage.corpus``.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from botox_bot.core.content import topic_of
from botox_bot.core.models import CORE_INTENTS

OTHER = "other"


@dataclass
class Row:
    text: str
    acceptable: set[str]
    id: str = ""
    answer_key: str = ""
    """The expected specific answer(s), '+'-joined when the question asks several things."""
    language: str = ""
    must: list[str] = field(default_factory=list)
    """Phrases a useful reply contains (any one is enough)."""


@dataclass
class Prediction:
    intent: str
    answer_key: str = ""
    text: str = ""
    """The reply's text, when the evaluation asked the whole engine (for 'makes the point')."""


@dataclass
class Report:
    """Predictions against what is acceptable. With ``collapse_other``, non-core intents count as 'other'."""

    rows: list[Row]
    predictions: list[Prediction]
    collapse_other: bool = True

    @property
    def predicted(self) -> list[str]:
        return [p.intent for p in self.predictions]

    def _scored(self, pred: str) -> str:
        return pred if not self.collapse_other or pred in CORE_INTENTS else OTHER

    @staticmethod
    def _ok(row: Row, pred: str) -> bool:
        return pred in row.acceptable or (OTHER in row.acceptable and pred not in CORE_INTENTS)

    @property
    def hits(self) -> list[bool]:
        return [self._ok(r, p.intent) for r, p in zip(self.rows, self.predictions)]

    @property
    def accuracy(self) -> float:
        return sum(self.hits) / len(self.rows) if self.rows else 0.0

    def answer_hits(self) -> list[tuple[Row, Prediction, bool]]:
        """Rows with an expected specific answer, and whether the same answer(s) were given."""
        out = []
        for row, pred in zip(self.rows, self.predictions):
            if row.answer_key:
                out.append((row, pred, set(pred.answer_key.split("+")) == set(row.answer_key.split("+"))))
        return out

    def point_hits(self) -> list[tuple[Row, Prediction, bool]]:
        out = []
        for row, pred in zip(self.rows, self.predictions):
            if row.must and pred.text:
                text = pred.text.lower()
                out.append((row, pred, any(m.lower() in text for m in row.must)))
        return out

    def emergency_stats(self) -> dict[str, int]:
        pairs = list(zip(self.rows, self.predicted))
        only = [(r, p) for r, p in pairs if r.acceptable == {"emergency"}]
        false = [(r, p) for r, p in pairs if p == "emergency" and "emergency" not in r.acceptable]
        return {
            "emergency_only_rows": len(only),
            "emergency_only_caught": sum(p == "emergency" for _, p in only),
            "false_emergencies": len(false),
        }

    def gold(self) -> list[str]:
        return [
            self._scored(p.intent) if self._ok(r, p.intent) else min(r.acceptable, key=lambda a: (a == OTHER, a))
            for r, p in zip(self.rows, self.predictions)
        ]

    def by_language(self) -> dict[str, dict[str, Any]]:
        groups: dict[str, list[int]] = defaultdict(list)
        for i, row in enumerate(self.rows):
            groups[row.language or "-"].append(i)
        out = {}
        for lang, idx in sorted(groups.items()):
            sub = Report([self.rows[i] for i in idx], [self.predictions[i] for i in idx], self.collapse_other)
            out[lang] = sub.summary()
        return out

    def summary(self) -> dict[str, Any]:
        answers, points = self.answer_hits(), self.point_hits()
        return {
            "n": len(self.rows),
            "intent_accuracy": round(self.accuracy, 4),
            "answer_n": len(answers),
            "answer_accuracy": round(sum(ok for *_, ok in answers) / len(answers), 4) if answers else None,
            "point_n": len(points),
            "point_made": round(sum(ok for *_, ok in points) / len(points), 4) if points else None,
        }

    def as_dict(self) -> dict[str, Any]:
        from sklearn.metrics import classification_report, confusion_matrix

        gold, scored = self.gold(), [self._scored(p) for p in self.predicted]
        labels = sorted(set(gold) | set(scored))
        return {
            **self.summary(),
            "accuracy": self.accuracy,
            **self.emergency_stats(),
            "languages": self.by_language(),
            "per_intent": classification_report(gold, scored, labels=labels, output_dict=True, zero_division=0),
            "labels": labels,
            "confusion_matrix": confusion_matrix(gold, scored, labels=labels).tolist(),
            "misses": [
                {"id": r.id, "text": r.text, "acceptable": sorted(r.acceptable), "predicted": p.intent}
                for r, p, ok in zip(self.rows, self.predictions, self.hits)
                if not ok
            ],
            "answer_misses": [
                {"id": r.id, "text": r.text, "expected": r.answer_key, "predicted": p.answer_key}
                for r, p, ok in self.answer_hits()
                if not ok
            ],
            "point_misses": [
                {"id": r.id, "text": r.text, "must": r.must, "reply": p.text[:300]}
                for r, p, ok in self.point_hits()
                if not ok
            ],
        }


def read_tsv(path: Path) -> list[Row]:
    """Read an evaluation TSV (either kind); a bad file raises ``ValueError`` naming the file and line."""
    rows = []
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        columns = set(reader.fieldnames or [])
        if "question" not in columns or not ({"acceptable", "intent"} & columns):
            raise ValueError(f"{path}:1: needs a question column and an acceptable or intent column")
        for line, rec in enumerate(reader, start=2):
            question = (rec.get("question") or "").strip()
            acceptable = rec.get("acceptable") or rec.get("intent") or ""
            if not question or not acceptable.strip():
                raise ValueError(f"{path}:{line}: empty question or acceptable/intent column")
            rows.append(
                Row(
                    question,
                    {a.strip() for a in acceptable.split("|") if a.strip()},
                    rec.get("id") or str(line),
                    answer_key=(rec.get("answer_key") or "").strip(),
                    language=(rec.get("lang") or "").strip(),
                    must=[m.strip() for m in (rec.get("must") or "").split("|") if m.strip()],
                )
            )
    return rows


def score(rows: Sequence[Row], predict: Callable[[Row], Prediction], collapse_other: bool = True) -> Report:
    return Report(list(rows), [predict(r) for r in rows], collapse_other)


def cross_validate(
    texts: Sequence[str],
    labels: Sequence[str],
    languages: Sequence[str],
    folds: int = 5,
    seed: int = 0,
    predict_factory: Callable | None = None,
) -> Report:
    """Stratified k-fold over the training examples: each example is predicted by a model that never saw it.

    ``labels`` are the most specific labels (``safety/pregnancy``); the report scores the topic and the
    specific answer. ``predict_factory(model)`` returns a function from a text to a :class:`Prediction`.
    """
    from sklearn.model_selection import StratifiedKFold

    from botox_bot.core.classifier import IntentClassifier

    predicted: list[Prediction] = [Prediction("")] * len(texts)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train_idx, test_idx in splitter.split(texts, labels):
        model = IntentClassifier.train([texts[i] for i in train_idx], [labels[i] for i in train_idx])
        predict = predict_factory(model) if predict_factory else _plain_predict(model)
        for i in test_idx:
            predicted[i] = predict(texts[i])
    rows = [
        Row(t, {topic_of(label)}, answer_key=label, language=lang) for t, label, lang in zip(texts, labels, languages)
    ]
    return Report(rows, predicted, collapse_other=False)


def _plain_predict(model: Any) -> Callable[[str], Prediction]:
    def predict(text: str) -> Prediction:
        label = model.predict(text).intent
        return Prediction(topic_of(label), label)

    return predict


def format_report(report: Report, title: str) -> str:
    data = report.as_dict()
    out = [f"{title}: {data['n']} questions", ""]
    out.append(f"{'intent':<18}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>10}")
    for label in data["labels"]:
        m = data["per_intent"][label]
        out.append(
            f"{label:<18}{m['precision']:>10.3f}{m['recall']:>10.3f}{m['f1-score']:>10.3f}{int(m['support']):>10}"
        )
    out += ["", f"intent accuracy: {data['accuracy']:.3f}"]
    if data["answer_n"]:
        out.append(f"specific-answer accuracy: {data['answer_accuracy']:.3f} ({data['answer_n']} rows)")
    if data["point_n"]:
        out.append(f"replies that make the question's point: {data['point_made']:.3f} ({data['point_n']} rows)")
    if len(data["languages"]) > 1:
        for lang, summary in data["languages"].items():
            parts = [f"intent {summary['intent_accuracy']:.3f}"]
            if summary["answer_accuracy"] is not None:
                parts.append(f"answer {summary['answer_accuracy']:.3f}")
            if summary["point_made"] is not None:
                parts.append(f"point {summary['point_made']:.3f}")
            out.append(f"  {lang}: {', '.join(parts)} (n={summary['n']})")
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
    if data["answer_misses"]:
        out += ["", f"specific-answer misses ({len(data['answer_misses'])}):"]
        out += [
            f"  [{m['id']}] {m['text'][:80]!r}: gave {m['predicted']}, expected {m['expected']}"
            for m in data["answer_misses"][:200]
        ]
    if data["point_misses"]:
        out += ["", f"replies that miss the point ({len(data['point_misses'])}):"]
        out += [f"  [{m['id']}] {m['text'][:80]!r}: wanted {'|'.join(m['must'])}" for m in data["point_misses"]]
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
    json_path.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
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
