"""Per-category quality of the shipped model's recipe against TF-IDF + logistic regression on held-out splits.

Usage: python benchmarks/classify_quality.py [--data ../shared/data] [--save rows.json]
(`masthead train --evaluation rows.json` then writes these figures into the model card without measuring again.)
Trains both models on the same 80 % of each category and prints P, R, F1, macro-F1, AUPRC and ECE on the 20 %,
on the dev files never trained on (COLD, TweetEval hate and offensive, EDOS; EDOS's threats for violence), and cross-set (the hate head and the
baseline trained without one set, scored on that set); then issue 14's targets with pass/fail.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from masthead.classify.card import quality_table
from masthead.classify.corpus import DEFAULT_DATA_DIR, build_tasks
from masthead.classify.evaluation import (
    Row,
    cross_set_rows,
    evaluate,
    save_rows,
    split,
    stage_printer,
)
from masthead.classify.fitting import deduplicate

TARGETS: tuple[tuple[str, str, str, float], ...] = (
    ("political_news", "thucnews-headlines", "f1", 0.92),
    ("hate", "cold/dev (never trained on)", "macro_f1", 0.83),
    ("hate", "cold: trained without it", "macro_f1", 0.83),
)
ENGLISH_HATE_SETS = ("davidson-hate", "hatexplain", "tweeteval-hate", "tweeteval-offensive", "stormfront-hate",
                     "edos-sexism")
AUPRC_MARGIN = 0.05
MAX_ECE = 0.05


def _find(rows: list[Row], category: str, name: str) -> Row:
    return next(row for row in rows if row.category == category and row.slice == name)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--save", type=Path, help="write the rows as JSON for `masthead train --evaluation`")
    args = parser.parse_args()
    if not args.data.is_dir():
        print(f"data directory {args.data} not found", file=sys.stderr)
        return 2
    started = time.perf_counter()
    tasks = {task.category: deduplicate(task.examples) for task in build_tasks(args.data)}
    progress = stage_printer("classify_quality")
    rows = evaluate(tasks, args.data, cross_set=False, progress=progress)
    if args.save:  # saved twice: the in-set figures are kept even if the long cross-set part is stopped
        save_rows(rows, tasks, args.save)
    progress("hate heads trained without one set each (cross-set)")
    rows += cross_set_rows("hate", split(tasks["hate"])[0], tasks["hate"])
    if args.save:
        save_rows(rows, tasks, args.save)
    print(quality_table(rows))
    print()
    for category, name, metric, target in TARGETS:
        value = getattr(_find(rows, category, name).ours, metric)
        print(f"target {category} {name} {metric} >= {target}: {value:.3f} {'PASS' if value >= target else 'MISS'}")
    for row in rows:
        if row.category == "hate" and row.slice.startswith(ENGLISH_HATE_SETS):
            margin = row.ours.auprc - row.baseline.auprc
            print(f"target hate {row.slice} AUPRC >= baseline + {AUPRC_MARGIN}: {row.ours.auprc:.3f} vs "
                  f"{row.baseline.auprc:.3f} ({margin:+.3f}) {'PASS' if margin >= AUPRC_MARGIN else 'MISS'}")
    for row in rows:
        verdict = "PASS" if row.ours.ece <= MAX_ECE else "MISS"
        print(f"target {row.category} {row.slice} ECE <= {MAX_ECE}: {row.ours.ece:.3f} {verdict}")
    print(f"\n({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
