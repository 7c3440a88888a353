"""A training smoke test on a slice of ../shared/data; skipped when the data directory is absent."""
from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from masthead.classify.corpus import Sources, hate
from masthead.classify.features import featurize
from masthead.classify.fitting import deduplicate, fit_head

DATA_DIR = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"

pytestmark = pytest.mark.skipif(not DATA_DIR.is_dir(), reason="../shared/data is not present")


def test_a_head_trained_on_a_slice_ranks_held_out_offensive_text_higher() -> None:
    examples = deduplicate(hate(Sources(DATA_DIR)).examples)
    random.Random(0).shuffle(examples)
    train, test = examples[:1500], examples[1500:2000]
    head = fit_head(train)
    again = fit_head(train)
    np.testing.assert_array_equal(head.weights, again.weights)
    logits = featurize([example.text for example in test]).matrix @ head.weights + head.bias
    labels = np.array([example.label for example in test])
    assert logits[labels == 1].mean() > logits[labels == 0].mean() + 1.0
    assert head.platt_a > 0


def test_the_never_trained_dev_files_are_not_trained_on_and_hold_positives() -> None:
    from masthead.classify.corpus import TRAINING_FILES, read_rows
    from masthead.classify.evaluation import NEVER_TRAINED

    for never in NEVER_TRAINED:
        assert never.relative not in TRAINING_FILES
        rows = read_rows(DATA_DIR, never.relative)
        assert 0 < sum(row[never.field] in never.positive for row in rows) < len(rows), never.slice
