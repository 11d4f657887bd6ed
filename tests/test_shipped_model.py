"""The model a wheel ships (trained from the shipped content when the wheel is built, ``hatch_build.py``) is
found by the content's hash before any cache, so a fresh install never trains; other content never uses it."""

from __future__ import annotations

import numpy as np
import pytest

from botox_bot.core import classifier
from botox_bot.core.classifier import IntentClassifier, load_or_train, model_filename


@pytest.fixture
def no_training(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("trained, though a model for this content was there")

    monkeypatch.setattr(IntentClassifier, "train", classmethod(refuse))


def test_the_shipped_model_answers_its_content_without_training(engine, tmp_path, no_training):
    shipped = tmp_path / "_model"
    engine.classifier.save(shipped / model_filename(engine.content.digest))
    model = load_or_train([], [], engine.content.digest, cache_dir=tmp_path / "cache", shipped_dir=shipped)
    assert model.labels == engine.classifier.labels
    for text in ("how long does botox last", "¿cuánto dura el bótox?", "🙂"):
        np.testing.assert_allclose(model.scores(text), engine.classifier.scores(text), atol=1e-5)
    assert not (tmp_path / "cache").exists()  # nothing written: the shipped folder is read-only


def test_content_that_differs_trains_once_and_caches(engine, tmp_path, monkeypatch):
    shipped = tmp_path / "_model"
    engine.classifier.save(shipped / model_filename(engine.content.digest))
    trained = []
    monkeypatch.setattr(
        IntentClassifier, "train", classmethod(lambda cls, texts, labels, c=8.0: trained.append(1) or engine.classifier)
    )
    load_or_train(["x"], ["y"], "a clinic's own content", cache_dir=tmp_path / "cache", shipped_dir=shipped)
    load_or_train(["x"], ["y"], "a clinic's own content", cache_dir=tmp_path / "cache", shipped_dir=shipped)
    assert trained == [1] and len(list((tmp_path / "cache").glob("*.npz"))) == 1


def test_the_vocabulary_round_trips_through_its_utf8_blob(engine, tmp_path):
    path = tmp_path / "m.npz"
    engine.classifier.save(path)
    loaded = IntentClassifier.load(path)
    assert loaded._vocab == engine.classifier._vocab
    with np.load(path) as data:
        assert "terms_utf8" in data and data["terms_utf8"].dtype == np.uint8


def test_the_shipped_folder_is_inside_the_package():
    assert classifier.SHIPPED_DIR.parent.name == "botox_bot" and classifier.SHIPPED_DIR.name == "_model"
