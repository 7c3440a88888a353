"""Ordinary news held or rejected by a harm rule of the default policy, per set, topic and language, as single
headlines and as multi-paragraph posts (12 headlines of one topic, or a full BBC or Sohu article), on news rows
no harm head trained on. Target: at most 0.3 % for every topic, both forms.

Usage: python benchmarks/false_holds.py [--data ../shared/data] [--model DIR]
Posts come from an account with no credential, so the rumour rule applies too; the credential rules (political
and social news need news.publish) are not harm rules and are not counted.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from masthead.classify.classifier import load_classifier, load_from
from masthead.classify.corpus import DEFAULT_DATA_DIR, Sources
from masthead.classify.false_holds import TARGET, false_hold_table, measure, measurement_posts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--model", type=Path, help="artifact directory (default: the installed package)")
    args = parser.parse_args()
    if not args.data.is_dir():
        print(f"data directory {args.data} not found", file=sys.stderr)
        return 2
    started = time.perf_counter()
    classifier = load_from(args.model) if args.model else load_classifier()
    headlines, posts = measurement_posts(Sources(args.data).rows)
    rows = measure(classifier, headlines, "headline") + measure(classifier, posts, "post")
    print(f"model {classifier.version}")
    print(false_hold_table(rows))
    worst = max(rows, key=lambda row: row.share)
    misses = [row for row in rows if row.share > TARGET]
    print(f"\ntarget <= {100 * TARGET:.1f}% for every topic and form: {'PASS' if not misses else 'MISS'} "
          f"(worst {worst.source}/{worst.topic} {worst.form} {100 * worst.share:.2f}%; {len(misses)} rows above)")
    print(f"({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
