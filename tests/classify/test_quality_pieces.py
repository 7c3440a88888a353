from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from masthead.classify.artifacts import MANIFEST_FILE, Manifest, package_dir
from masthead.classify.classifier import Classifier
from masthead.classify.corpus import Example
from masthead.classify.features import FEATURE_SCHEME, N_FEATURES
from masthead.classify.fitting import REGULARISATION_C, deduplicate, regularisation
from masthead.classify.heads import LinearHeads
from masthead.classify.metrics import expected_calibration_error, quality


def test_calibration_error_is_zero_when_frequencies_match_confidence() -> None:
    labels = np.array([1, 0, 0, 0, 1, 1, 1, 0], dtype=np.int64)
    probabilities = np.array([0.25, 0.25, 0.25, 0.25, 0.75, 0.75, 0.75, 0.75])
    assert expected_calibration_error(labels, probabilities) == pytest.approx(0.0)


def test_calibration_error_of_a_confident_wrong_model() -> None:
    labels = np.array([0, 0, 1, 1], dtype=np.int64)
    probabilities = np.array([0.95, 0.95, 0.05, 0.05])
    assert expected_calibration_error(labels, probabilities) == pytest.approx(0.95)


def test_quality_at_half() -> None:
    labels = np.array([1, 1, 0, 0], dtype=np.int64)
    result = quality(labels, np.array([0.9, 0.4, 0.6, 0.1]))
    assert (result.precision, result.recall, result.f1) == (0.5, 0.5, 0.5)
    assert result.auprc == pytest.approx(0.8333, abs=1e-3)


def test_deduplicate_keeps_one_row_per_text_preferring_the_positive_label() -> None:
    rows = [Example("same", 0, "a", "en"), Example("same ", 1, "b", "en"), Example("other", 0, "a", "en")]
    assert [(e.text, e.label) for e in deduplicate(rows)] == [("same ", 1), ("other", 0)]


def test_quantised_heads_stay_close_to_the_originals(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    heads = LinearHeads(weights=rng.normal(size=(64, 7)).astype(np.float32), bias=np.zeros(7, np.float32),
                        platt_a=np.ones(7, np.float32), platt_b=np.zeros(7, np.float32),
                        platt_length=np.zeros(7, np.float32))
    stored = heads.quantised(tmp_path / "heads.npz")
    scale = np.abs(heads.weights).max(axis=0) / 127
    assert np.all(np.abs(stored.weights - heads.weights) <= scale / 2 + 1e-6)


def test_artifacts_of_an_older_feature_scheme_are_refused(tmp_path: Path) -> None:
    raw = json.loads((package_dir() / MANIFEST_FILE).read_text(encoding="utf-8"))
    raw.pop("features")
    (tmp_path / MANIFEST_FILE).write_text(json.dumps(raw), encoding="utf-8")
    old = Manifest.read(tmp_path / MANIFEST_FILE)
    assert old.features != FEATURE_SCHEME
    heads = LinearHeads(weights=np.zeros((N_FEATURES, 7), np.float32), bias=np.zeros(7, np.float32),
                        platt_a=np.ones(7, np.float32), platt_b=np.zeros(7, np.float32),
                        platt_length=np.zeros(7, np.float32))
    with pytest.raises(ValueError, match="features"):
        Classifier(heads, old)


def test_the_topic_heads_are_regularised_less_than_the_harm_heads() -> None:
    assert regularisation("political_news") > REGULARISATION_C
    assert regularisation("hate") == REGULARISATION_C


def test_recall_at_the_policy_threshold() -> None:
    labels = np.array([1, 1, 1, 1, 0], dtype=np.int64)
    result = quality(labels, np.array([0.95, 0.85, 0.7, 0.2, 0.9]), policy_threshold=0.8)
    assert result.recall_at_policy == pytest.approx(0.5)
    assert np.isnan(quality(labels, np.array([0.9, 0.9, 0.9, 0.9, 0.1])).recall_at_policy)


def test_the_policy_thresholds_of_the_quality_figures_are_the_default_packs() -> None:
    from masthead.classify.evaluation import POLICY_THRESHOLDS
    from masthead.policy.packs import load_pack

    conditions = [rule.when for rule in load_pack("news-credential").rules]
    for category, threshold in POLICY_THRESHOLDS.items():
        lowest = sorted(float(part.split(">=")[1].split()[0]) for when in conditions
                        for part in when.split("&&") + when.split("||") if f"scores.{category} >=" in part)
        assert lowest and lowest[0] == threshold, (category, lowest)
