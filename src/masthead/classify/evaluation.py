"""Held-out evaluation: every category is split 80/20 with a fixed seed; our model and the baseline are both
trained on the 80 % and scored on the 20 %. The dev files of COLD, TweetEval and EDOS are never trained on and are
scored separately. Cross-set figures: the hate head and the baseline trained on the 80 % without one set, scored
on every row of that set."""
from __future__ import annotations

import json
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from sklearn.model_selection import train_test_split

from masthead.classify.baseline import baseline_probabilities, fit_baseline
from masthead.classify.corpus import HATE_SETS, Example, fingerprint, read_rows
from masthead.classify.features import featurize
from masthead.classify.fitting import fit_many, regularisation
from masthead.classify.metrics import Quality, quality
from masthead.classify.training import fit_heads, make_classifier

SEED = 20261128
TEST_FRACTION = 0.2
SLICES: dict[str, tuple[str, ...]] = {
    "political_news": ("thucnews-headlines", "ag-news"),
    "hate": ("cold", "davidson-hate", *(source for _, source, *_ in HATE_SETS)),
    "rumor": ("weibo-rumor-ced", "weibo-rumor-eann", "liar"),
    "terrorism": ("radicalization-tweets", "handwritten"),
}


@dataclass(frozen=True)
class NeverTrained:
    """A dev file no head trains on, scored by one head: a row is positive when its `field` is in `positive`."""

    category: str
    relative: str
    positive: tuple[str, ...]
    field: str = "label"
    name: str = ""

    @property
    def slice(self) -> str:
        return f"{self.name or self.relative.removesuffix('.jsonl')} (never trained on)"


NEVER_TRAINED: tuple[NeverTrained, ...] = (
    NeverTrained("hate", "cold/dev.jsonl", ("offensive",)),
    NeverTrained("hate", "tweeteval-hate/dev.jsonl", ("hate",)),
    NeverTrained("hate", "tweeteval-offensive/dev.jsonl", ("offensive",)),
    NeverTrained("hate", "edos-sexism/dev.jsonl", ("sexist",)),
    # The only labelled threats against a person here: EDOS's sexist threats and incitement to harm (44 of 2,000).
    NeverTrained("violence", "edos-sexism/dev.jsonl", ("1. threats, plans to harm and incitement",),
                 "label_category", "edos-sexism/dev threats"),
)


# The lowest score at which a harm rule of the default policy (`news-credential`) holds or rejects a post.
POLICY_THRESHOLDS: dict[str, float] = {"terrorism": 0.5, "sexual": 0.6, "violence": 0.8, "hate": 0.8, "rumor": 0.7}


@dataclass(frozen=True)
class Row:
    category: str
    slice: str
    size: int
    positives: int
    ours: Quality
    baseline: Quality


def save_rows(rows: Sequence[Row], tasks: Mapping[str, Sequence[Example]], path: Path) -> None:
    payload = {"fingerprint": fingerprint(tasks),
               "rows": [{"category": row.category, "slice": row.slice, "size": row.size, "positives": row.positives,
                         "ours": row.ours.__dict__, "baseline": row.baseline.__dict__} for row in rows]}
    path.write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")


def load_rows(path: Path, tasks: Mapping[str, Sequence[Example]]) -> list[Row]:
    """Rows saved by `benchmarks/classify_quality.py --save`; refused when the training sets have changed since."""
    payload = json.loads(path.read_text(encoding="utf-8"))
    if payload["fingerprint"] != fingerprint(tasks):
        raise ValueError(f"{path} was measured on other training sets than these; run the evaluation again")
    return [Row(raw["category"], raw["slice"], raw["size"], raw["positives"], Quality(**raw["ours"]),
                Quality(**raw["baseline"])) for raw in payload["rows"]]


def split(examples: Sequence[Example]) -> tuple[list[Example], list[Example]]:
    labels = [example.label for example in examples]
    train, test = train_test_split(list(examples), test_size=TEST_FRACTION, random_state=SEED, stratify=labels)
    return list(train), list(test)


def _labels(examples: Sequence[Example]) -> npt.NDArray[np.int64]:
    return np.array([example.label for example in examples], dtype=np.int64)


def _rows(category: str, name: str, labels: npt.NDArray[np.int64], ours: npt.NDArray[np.float64],
          baseline: npt.NDArray[np.float64]) -> Row:
    threshold = POLICY_THRESHOLDS.get(category)
    return Row(category, name, int(labels.size), int(labels.sum()), quality(labels, ours, threshold),
               quality(labels, baseline, threshold))


Progress = Callable[[str], None]  # hears each stage of a long run begin


def no_progress(_: str) -> None:
    pass


def stage_printer(program: str) -> Progress:
    """Each stage of a long run on stderr, after `program` and the minutes since the run began."""
    started = time.monotonic()

    def stage(message: str) -> None:
        elapsed = int(time.monotonic() - started)
        print(f"{program} [{elapsed // 60:d}:{elapsed % 60:02d}] {message}", file=sys.stderr, flush=True)

    return stage


def evaluate(tasks: Mapping[str, Sequence[Example]], data_dir: Path, *, cross_set: bool = True,
             progress: Progress = no_progress) -> list[Row]:
    splits = {category: split(examples) for category, examples in tasks.items()}
    progress("evaluation: fitting the seven heads on 80 % of each category")
    with tempfile.TemporaryDirectory() as scratch:
        classifier = make_classifier(fit_heads({c: train for c, (train, _) in splits.items()}), Path(scratch), "eval")
    rows: list[Row] = []
    for column, (category, (train, test)) in enumerate(splits.items()):
        progress(f"evaluation: {category} against the baseline")
        baseline = fit_baseline([example.text for example in train], _labels(train))
        texts = [example.text for example in test]
        ours = classifier.probabilities(texts)[:, column].astype(np.float64)
        theirs = baseline_probabilities(baseline, texts)
        labels = _labels(test)
        rows.append(_rows(category, "held-out 20%", labels, ours, theirs))
        for source in SLICES.get(category, ()):
            member = np.array([example.source == source for example in test])
            rows.append(_rows(category, source, labels[member], ours[member], theirs[member]))
        for never in (never for never in NEVER_TRAINED if never.category == category):
            dev = read_rows(data_dir, never.relative)
            dev_texts = [row["text"] for row in dev]
            dev_labels = np.array([row[never.field] in never.positive for row in dev], dtype=np.int64)
            rows.append(_rows(category, never.slice, dev_labels,
                              classifier.probabilities(dev_texts)[:, column].astype(np.float64),
                              baseline_probabilities(baseline, dev_texts)))
        if category == "hate" and cross_set:
            progress("evaluation: hate heads trained without one set each (cross-set)")
            rows.extend(cross_set_rows(category, train, list(tasks[category])))
    return rows


def cross_set_rows(category: str, train: Sequence[Example], everything: Sequence[Example]) -> list[Row]:
    """For each set of the category: a head of the shipped recipe and the baseline, both trained on `train`
    without that set, scored on all of that set's rows (single texts, so single-text calibration applies)."""
    rows: list[Row] = []
    sources = SLICES[category]
    kept = {source: [example for example in train if example.source != source] for source in sources}
    heads = fit_many([(kept[source], regularisation(category), False) for source in sources])
    for source, head in zip(sources, heads):
        measured = [example for example in everything if example.source == source]
        texts = [example.text for example in measured]
        logits = featurize(texts).matrix @ head.weights + head.bias
        ours = 1.0 / (1.0 + np.exp(-np.clip(head.platt_a * logits + head.platt_b, -40.0, 40.0)))
        baseline = fit_baseline([example.text for example in kept[source]], _labels(kept[source]))
        rows.append(_rows(category, f"{source}: trained without it", _labels(measured), ours.astype(np.float64),
                          baseline_probabilities(baseline, texts)))
    return rows
