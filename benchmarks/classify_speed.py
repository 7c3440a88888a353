"""Throughput and latency of the full seven-score output on one core, against TF-IDF + logistic regression.

Usage: python benchmarks/classify_speed.py [--data ../shared/data] [--posts 2000]
Posts are 2 KB (UTF-8) of alternating English (BBC) and Chinese (Sohu) articles. Both models produce seven
probabilities per post; the baseline's seven heads share one TF-IDF vectoriser (its best case). Throughput
uses batches of 500, as the pipeline does; latency is one post per call.
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits

from masthead.classify import CATEGORIES, load_classifier
from masthead.classify.corpus import DEFAULT_DATA_DIR, build_tasks, read_rows

POST_BYTES = 2048
BATCH = 500
BASELINE_SAMPLE = 3000


def make_posts(data_dir: Path, count: int) -> list[str]:
    english = [row["text"] for row in read_rows(data_dir, "bbc-news/train.jsonl")]
    chinese = [row["title"] + "\n\n" + row["text"] for row in read_rows(data_dir, "sohu-articles/data.jsonl")]
    posts = []
    for index in range(count):
        pool = english if index % 2 == 0 else chinese
        text = pool[index // 2 % len(pool)]
        while len(text.encode()) < POST_BYTES:
            text += "\n\n" + pool[(index + len(text)) % len(pool)]
        posts.append(text.encode()[:POST_BYTES].decode(errors="ignore"))
    return posts


class Baseline:
    def __init__(self, data_dir: Path) -> None:
        rng = random.Random(0)
        samples = {task.category: rng.sample(task.examples, min(BASELINE_SAMPLE, len(task.examples)))
                   for task in build_tasks(data_dir)}
        self.vectoriser = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=2,
                                          dtype=np.float32)
        self.vectoriser.fit([example.text for examples in samples.values() for example in examples])
        self.heads = []
        for category in CATEGORIES:
            examples = samples[category]
            model = LogisticRegression(C=4.0, solver="liblinear")
            model.fit(self.vectoriser.transform([e.text for e in examples]), [e.label for e in examples])
            self.heads.append(model)

    def scores(self, texts: Sequence[str]) -> np.ndarray:
        features = self.vectoriser.transform(texts)
        return np.stack([head.predict_proba(features)[:, 1] for head in self.heads], axis=1)


def measure(name: str, score: Callable[[Sequence[str]], object], posts: list[str]) -> float:
    score(posts[:BATCH])
    started = time.perf_counter()
    for start in range(0, len(posts), BATCH):
        score(posts[start : start + BATCH])
    throughput = len(posts) / (time.perf_counter() - started)
    latencies = []
    for post in posts[: min(len(posts), 1000)]:
        began = time.perf_counter()
        score([post])
        latencies.append(time.perf_counter() - began)
    p50, p99 = np.percentile(np.array(latencies) * 1000, [50, 99])
    print(f"{name:28s} {throughput:10.0f} posts/s   single-post p50 {p50:6.2f} ms   p99 {p99:6.2f} ms")
    return throughput


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--posts", type=int, default=2000)
    args = parser.parse_args()
    if not args.data.is_dir():
        print(f"data directory {args.data} not found", file=sys.stderr)
        return 2
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    threadpool_limits(1)
    posts = make_posts(args.data, args.posts)
    classifier = load_classifier()
    baseline = Baseline(args.data)
    print(f"{len(posts)} posts of {POST_BYTES} bytes, one core, model {classifier.version}")
    ours = measure("masthead (lang + 7 scores)", classifier.classify, posts)
    theirs = measure("tf-idf + logistic regression", baseline.scores, posts)
    print(f"speed-up {ours / theirs:.1f}x   target >= 10x and >= 1000 posts/s: "
          f"{'PASS' if ours >= 10 * theirs and ours >= 1000 else 'MISS'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
