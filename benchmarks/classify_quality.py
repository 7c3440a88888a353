"""Per-category quality of the shipped model's recipe against TF-IDF + logistic regression on held-out splits.

Usage: python benchmarks/classify_quality.py [--data ../shared/data]
Trains both models on the same 80 % of each category and prints P, R, F1, macro-F1, AUPRC and ECE on the 20 %
(and on COLD dev, which is never trained on), then the issue's targets with pass/fail.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from masthead.classify.card import quality_table
from masthead.classify.corpus import DEFAULT_DATA_DIR, build_tasks
from masthead.classify.evaluation import Row, evaluate
from masthead.classify.fitting import deduplicate

TARGETS: tuple[tuple[str, str, str, float], ...] = (
    ("political_news", "thucnews-headlines", "f1", 0.93),
    ("political_news", "ag-news", "f1", 0.93),
    ("hate", "cold dev (never trained on)", "macro_f1", 0.83),
)
MAX_ECE = 0.05


def _find(rows: list[Row], category: str, name: str) -> Row:
    return next(row for row in rows if row.category == category and row.slice == name)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA_DIR)
    args = parser.parse_args()
    if not args.data.is_dir():
        print(f"data directory {args.data} not found", file=sys.stderr)
        return 2
    started = time.perf_counter()
    tasks = {task.category: deduplicate(task.examples) for task in build_tasks(args.data)}
    rows = evaluate(tasks, args.data)
    print(quality_table(rows))
    print()
    for category, name, metric, target in TARGETS:
        value = getattr(_find(rows, category, name).ours, metric)
        print(f"target {category} {name} {metric} >= {target}: {value:.3f} {'PASS' if value >= target else 'MISS'}")
    for row in rows:
        if row.slice == "held-out 20%":
            verdict = "PASS" if row.ours.ece <= MAX_ECE else "MISS"
            print(f"target {row.category} held-out ECE <= {MAX_ECE}: {row.ours.ece:.3f} {verdict}")
    print(f"\n({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
