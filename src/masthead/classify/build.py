"""`masthead train` end to end: assemble data, evaluate held out, fit on everything, write artifacts and card."""
from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import opencc

from masthead.classify.artifacts import CARD_FILE, MANIFEST_FILE, Manifest, package_dir
from masthead.classify.card import render
from masthead.classify.classifier import CATEGORIES, load_classifier, load_from
from masthead.classify.corpus import Example, Sources, build_tasks, fingerprint
from masthead.classify.evaluation import Progress, Row, evaluate, load_rows, no_progress
from masthead.classify.false_holds import false_hold_table, measure, measurement_posts
from masthead.classify.fitting import deduplicate
from masthead.classify.normalize import SCRIPT_MAP_FILE, build_script_map, write_script_map
from masthead.classify.training import fit_heads, write_artifacts


def opencc_characters() -> str:
    return (Path(os.path.dirname(opencc.__file__)) / "dictionary" / "TSCharacters.txt").read_text(encoding="utf-8")


def train(data_dir: Path, output: Path | None = None, *, evaluate_first: bool = True,
          evaluation: Path | None = None, progress: Progress = no_progress) -> Manifest:
    """With `evaluation` (rows saved by `benchmarks/classify_quality.py --save` for these very training sets), the
    card takes its quality figures from there instead of evaluating again. `progress` hears each stage begin."""
    directory = output or package_dir()
    directory.mkdir(parents=True, exist_ok=True)
    write_script_map(directory / SCRIPT_MAP_FILE, build_script_map(opencc_characters()))
    progress("reading the training sets")
    tasks = {task.category: deduplicate(task.examples) for task in build_tasks(data_dir)}
    if evaluation is not None:
        rows = load_rows(evaluation, tasks)
    else:
        rows = evaluate(tasks, data_dir, progress=progress) if evaluate_first else []
    progress("fitting the seven heads on every training row")
    manifest = write_artifacts(fit_heads(tasks), directory, dt.datetime.now(dt.UTC).date(), fingerprint(tasks))
    progress("measuring false holds and writing the model card")
    _write_card(data_dir, directory, manifest, tasks, rows)
    return manifest


def write_card(data_dir: Path, evaluation: Path | None, output: Path | None = None) -> Manifest:
    """The model card of artifacts already trained, with quality rows saved since (or none): both must belong to
    the training sets `data_dir` gives now (the manifest and the rows record their fingerprint)."""
    directory = output or package_dir()
    tasks = {task.category: deduplicate(task.examples) for task in build_tasks(data_dir)}
    manifest = Manifest.read(directory / MANIFEST_FILE)
    if manifest.training_fingerprint != fingerprint(tasks):
        raise ValueError(f"the artifacts in {directory} were not trained on these training sets; train again")
    _write_card(data_dir, directory, manifest, tasks, load_rows(evaluation, tasks) if evaluation else [])
    return manifest


def _write_card(data_dir: Path, directory: Path, manifest: Manifest, tasks: Mapping[str, Sequence[Example]],
                rows: Sequence[Row]) -> None:
    classifier = load_from(directory)
    heads = classifier.heads
    length_terms = {name: (float(heads.platt_a[index]), float(heads.platt_b[index]), float(heads.platt_length[index]))
                    for index, name in enumerate(CATEGORIES) if name in manifest.max_over_chunks}
    headlines, posts = measurement_posts(Sources(data_dir).rows)
    holds = false_hold_table(measure(classifier, headlines, "headline") + measure(classifier, posts, "post"))
    (directory / CARD_FILE).write_text(render(manifest, tasks, rows, length_terms, holds), encoding="utf-8")
    load_classifier.cache_clear()
