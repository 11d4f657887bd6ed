"""The classifier: the fast path must equal scikit-learn's, the cache must be keyed on content, and
cross-validation over the shipped examples must stay above a floor."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from botox_bot.core.classifier import DEFAULT_C, MAX_PASSES, IntentClassifier, cache_key, load_or_train
from botox_bot.core.text import features
from botox_bot.evaluate import cross_validate

PROBES = [
    "how long does botox last",
    "is it safe while breastfeeding",
    "wat is botox made of lol",
    "",
    "🙂",
    "botox botox botox",
    "Can Dysport help my migraines??",
]


@pytest.fixture(scope="module")
def data(engine):
    return engine.content.training_data()


def _sample(data, per_label: int = 8):
    """A few examples of every label: enough to check arithmetic, and quick to fit."""
    texts, labels = data
    seen: dict[str, int] = {}
    keep = []
    for i, label in enumerate(labels):
        if seen.get(label, 0) < per_label:
            seen[label] = seen.get(label, 0) + 1
            keep.append(i)
    return [texts[i] for i in keep], [labels[i] for i in keep]


def test_fast_scores_equal_scikit_learn_predict_proba(data):
    texts, labels = _sample(data)
    pipe = make_pipeline(
        TfidfVectorizer(analyzer=features, sublinear_tf=True),
        LogisticRegression(
            C=DEFAULT_C, solver="saga", max_iter=MAX_PASSES, tol=1e-3, class_weight="balanced", random_state=0
        ),
    )
    pipe.fit(texts, labels)
    fast = IntentClassifier.train(texts, labels)
    assert fast.labels == list(pipe.classes_)
    for text in PROBES:
        np.testing.assert_allclose(fast.scores(text), pipe.predict_proba([text])[0], atol=1e-6)


def test_cache_round_trip_and_key(data, tmp_path):
    texts, labels = _sample(data)
    model = load_or_train(texts, labels, "digest-a", tmp_path)
    files = list(tmp_path.glob("*.npz"))
    assert len(files) == 1 and cache_key("digest-a") in files[0].name
    loaded = load_or_train(texts, labels, "digest-a", tmp_path)
    for text in PROBES:
        np.testing.assert_allclose(loaded.scores(text), model.scores(text), atol=1e-5)
    load_or_train(texts[::2], labels[::2], "digest-b", tmp_path)
    assert len(list(tmp_path.glob("*.npz"))) == 2


def test_corrupt_cache_is_retrained_not_fatal(data, tmp_path):
    texts, labels = _sample(data)
    (tmp_path / f"intent-model-{cache_key('d')}.npz").write_bytes(b"not a model")
    model = load_or_train(texts, labels, "d", tmp_path)
    assert model.predict("how long does botox last").intent.startswith("duration/")


def test_content_digest_changes_when_content_changes(engine, content_copy):
    from botox_bot.core.content import load_content

    before = load_content(content_copy).digest
    path = content_copy / "intents" / "en" / "chitchat.yml"
    path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert load_content(content_copy).digest != before


def test_prediction_ranks_every_intent(engine):
    pred = engine.classifier.predict("how often can I redo my 11s")
    assert pred.intent.startswith("repeat_treatment/")
    assert len(pred.ranking) == len(engine.classifier.labels)
    assert abs(sum(p for _, p in pred.ranking) - 1.0) < 1e-6
    assert [p for _, p in pred.ranking] == sorted((p for _, p in pred.ranking), reverse=True)


@pytest.mark.slow
def test_cross_validation_floor(engine):
    """Each example predicted by a model that never saw it: floors for the topic and the specific answer."""
    content = engine.content
    texts, labels, languages = [], [], []
    for lang in content.languages:
        t, lab = content.training_data(lang)
        texts, labels, languages = texts + t, labels + lab, languages + [lang] * len(t)
    report = cross_validate(texts, labels, languages, folds=5)
    summary = report.summary()
    assert summary["intent_accuracy"] >= 0.75, summary
    assert summary["answer_accuracy"] >= 0.62, summary
    for lang, per in report.by_language().items():
        assert per["intent_accuracy"] >= 0.72, (lang, per)
