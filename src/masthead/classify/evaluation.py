"""Held-out evaluation: every category is split 80/20 with a fixed seed; our model and the baseline are both
trained on the 80 % and scored on the 20 %. COLD's dev file is never trained on and is scored separately."""
from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from sklearn.model_selection import train_test_split

from masthead.classify.baseline import baseline_probabilities, fit_baseline
from masthead.classify.corpus import Example, read_rows
from masthead.classify.metrics import Quality, quality
from masthead.classify.training import fit_heads, make_classifier

SEED = 20261128
TEST_FRACTION = 0.2
SLICES: dict[str, tuple[str, ...]] = {
    "political_news": ("thucnews-headlines", "ag-news"),
    "hate": ("cold", "davidson-hate"),
    "rumor": ("weibo-rumor-ced", "weibo-rumor-eann", "liar"),
    "terrorism": ("radicalization-tweets", "handwritten"),
}
COLD_DEV = "cold/dev.jsonl"


@dataclass(frozen=True)
class Row:
    category: str
    slice: str
    size: int
    positives: int
    ours: Quality
    baseline: Quality


def split(examples: Sequence[Example]) -> tuple[list[Example], list[Example]]:
    labels = [example.label for example in examples]
    train, test = train_test_split(list(examples), test_size=TEST_FRACTION, random_state=SEED, stratify=labels)
    return list(train), list(test)


def _labels(examples: Sequence[Example]) -> npt.NDArray[np.int64]:
    return np.array([example.label for example in examples], dtype=np.int64)


def _rows(category: str, name: str, labels: npt.NDArray[np.int64], ours: npt.NDArray[np.float64],
          baseline: npt.NDArray[np.float64]) -> Row:
    return Row(category, name, int(labels.size), int(labels.sum()), quality(labels, ours), quality(labels, baseline))


def evaluate(tasks: Mapping[str, Sequence[Example]], data_dir: Path) -> list[Row]:
    splits = {category: split(examples) for category, examples in tasks.items()}
    with tempfile.TemporaryDirectory() as scratch:
        classifier = make_classifier(fit_heads({c: train for c, (train, _) in splits.items()}), Path(scratch), "eval")
    rows: list[Row] = []
    for column, (category, (train, test)) in enumerate(splits.items()):
        baseline = fit_baseline([example.text for example in train], _labels(train))
        texts = [example.text for example in test]
        ours = classifier.probabilities(texts)[:, column].astype(np.float64)
        theirs = baseline_probabilities(baseline, texts)
        labels = _labels(test)
        rows.append(_rows(category, "held-out 20%", labels, ours, theirs))
        for source in SLICES.get(category, ()):
            member = np.array([example.source == source for example in test])
            rows.append(_rows(category, source, labels[member], ours[member], theirs[member]))
        if category == "hate":
            dev = read_rows(data_dir, COLD_DEV)
            dev_texts = [row["text"] for row in dev]
            dev_labels = np.array([row["label"] == "offensive" for row in dev], dtype=np.int64)
            rows.append(_rows(category, "cold dev (never trained on)", dev_labels,
                              classifier.probabilities(dev_texts)[:, column].astype(np.float64),
                              baseline_probabilities(baseline, dev_texts)))
    return rows
