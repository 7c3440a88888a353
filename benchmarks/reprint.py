"""Reprint detection: Masthead's MinHash LSH against datasketch's, end to end, and query latency at 1M posts.

    nice python benchmarks/reprint.py [--quick] [--data ../shared/data] [--posts 1000000]
    nice python benchmarks/reprint.py --whole-command [--articles 10000] [--repeat 3]

Part 1 streams real articles (sohu-articles, bbc-news, ag-news; near-duplicate originals removed) followed by
their edited copies (changed characters, reordered paragraphs, headers and footers, truncation, mixed
traditional/simplified) through both implementations at the same threshold and num_perm. Each document is
normalised, shingled, signed, queried (candidates checked by estimated Jaccard), then inserted, all timed from
raw text. Both use the same normalisation and the same shingles (character 3-grams for Chinese, word 3-grams
otherwise), so the difference is signing and indexing. Masthead signs 256 documents at a time (one-permutation
hashing) and queries-then-inserts them with one call that compares each document with everything before it,
the earlier documents of its own batch included, so it returns what one at a time would. datasketch hashes
256 at a time with `MinHash.bulk` (its `update_batch` on copies of one initialised MinHash) and queries and
inserts one document at a time, as its API does. Recall: share of copies whose original is among the matches.

Part 2 bulk-loads synthetic posts (random uint32 signatures: what distinct posts look like to MinHash) and
times queries of near copies (three quarters of the minima kept) and of unseen posts.

--whole-command instead times what a user waits for: `masthead reprint match` and the same command written
with datasketch (benchmarks/reprint_datasketch.py), each a fresh process (start-up, reading, signing, indexing,
matching, writing), on the same generated files.
"""
from __future__ import annotations

import argparse
import gc
import importlib
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import orjson
from reprint_datasketch import string_shingles
from sample_posts import two_kilobyte_body

from masthead.reprint.evaluation import (
    DEFAULT_DATA_DIR,
    EDITS,
    distinct,
    edited_copies,
    load_articles,
)
from masthead.reprint.index import MemoryIndex
from masthead.reprint.minhash import (
    DEFAULT_THRESHOLD,
    NUM_PERM,
    index_version,
    sign,
    sign_many,
)

BATCH = 256
HERE = Path(__file__).resolve().parent


def datasketch_module() -> ModuleType:
    try:
        return importlib.import_module("datasketch")
    except ImportError:
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "datasketch"], check=True)
        return importlib.import_module("datasketch")


def run_masthead(stream: list[str], threshold: float) -> list[list[int]]:
    """Signs arriving documents in batches of BATCH (as the pipeline worker and the CLI do), then queries and
    inserts each batch in one call that compares every document with everything before it, the earlier
    documents of its own batch included, as querying then inserting them one by one would."""
    index = MemoryIndex(threshold=threshold)
    results: list[list[int]] = []
    for first in range(0, len(stream), BATCH):
        signed = sign_many(stream[first : first + BATCH])
        present = [doc_id for doc_id, signature in enumerate(signed, first) if signature is not None]
        matches = iter(index.query_and_add_many(
            present, np.stack([signature for signature in signed if signature is not None]))) if present else iter(())
        for signature in signed:
            results.append([match.doc_id for match in next(matches)] if signature is not None else [])
    return results


def run_datasketch(stream: list[str], threshold: float) -> list[list[int]]:
    """Hashes arriving documents in batches of BATCH with `MinHash.bulk` (update_batch on copies of one
    initialised MinHash, so the permutations are drawn once), then queries and inserts them one by one."""
    datasketch = datasketch_module()
    lsh = datasketch.MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
    signatures: dict[int, Any] = {}
    results: list[list[int]] = []
    for first in range(0, len(stream), BATCH):
        shingled = [string_shingles(text) for text in stream[first : first + BATCH]]
        minhashes = iter(datasketch.MinHash.bulk([shingles for shingles in shingled if shingles], num_perm=NUM_PERM))
        for doc_id, shingles in enumerate(shingled, first):
            if not shingles:
                results.append([])
                continue
            minhash = next(minhashes)
            scored = [(minhash.jaccard(signatures[key]), key) for key in lsh.query(minhash)]
            results.append([key for score, key in sorted(scored, reverse=True) if score >= threshold])
            lsh.insert(doc_id, minhash)
            signatures[doc_id] = minhash
    return results


def timed(run: Callable[[list[str], float], list[list[int]]], stream: list[str], threshold: float
          ) -> tuple[float, float, list[list[int]]]:
    """Wall and CPU seconds of a run (both single-threaded: CPU time leaves out waits for a shared machine's
    cores), and its results."""
    gc.collect()
    started, started_cpu = time.perf_counter(), time.process_time()
    results = run(stream, threshold)
    return time.perf_counter() - started, time.process_time() - started_cpu, results


def quality(results: list[list[int]], originals: int, copy_of: list[int]) -> tuple[float, float]:
    """Recall: copies whose original is matched. Precision: matches within the same family (an original and
    its copies) among all matches."""
    family = list(range(originals)) + copy_of
    found = sum(original in matches for original, matches in zip(copy_of, results[originals:]))
    right = sum(family[doc] == family[match] for doc, matches in enumerate(results) for match in matches)
    returned = sum(len(matches) for matches in results)
    return found / len(copy_of), right / max(returned, 1)


def compare(data_dir: Path, quick: bool, threshold: float) -> None:
    articles = distinct(load_articles(data_dir, ag_news=600 if quick else 5675))
    copies = edited_copies(articles)
    if quick:
        copies = random.Random(1).sample(copies, 1500)
    stream = articles + [copy.text for copy in copies]
    copy_of = [copy.original for copy in copies]
    datasketch_module()
    sign(stream[0])  # build the folding table outside the timing
    ours_seconds, ours_cpu, ours = timed(run_masthead, stream, threshold)
    theirs_seconds, theirs_cpu, theirs = timed(run_datasketch, stream, threshold)
    ours_recall, ours_precision = quality(ours, len(articles), copy_of)
    theirs_recall, theirs_precision = quality(theirs, len(articles), copy_of)
    print(f"## End to end: {len(articles)} distinct articles then {len(copies)} edited copies; "
          f"threshold {threshold}, num_perm {NUM_PERM}; index {index_version()}")
    print("| implementation | docs/s | docs per CPU second | recall on copies | precision |")
    print("|---|---:|---:|---:|---:|")
    print(f"| masthead (numpy) | {len(stream) / ours_seconds:,.0f} | {len(stream) / ours_cpu:,.0f} "
          f"| {ours_recall:.4f} | {ours_precision:.4f} |")
    print(f"| datasketch {datasketch_module().__version__} | {len(stream) / theirs_seconds:,.0f} "
          f"| {len(stream) / theirs_cpu:,.0f} | {theirs_recall:.4f} | {theirs_precision:.4f} |")
    print(f"| ratio | {theirs_seconds / ours_seconds:.1f}x | {theirs_cpu / ours_cpu:.1f}x | | |")


def write_jsonl(path: Path, texts: list[str], prefix: str) -> None:
    with path.open("wb") as out:
        for number, text in enumerate(texts):
            out.write(orjson.dumps({"id": f"{prefix}{number}", "text": text}) + b"\n")


def run_command(command: list[str], output: Path) -> tuple[float, float]:
    """Wall and CPU seconds (user + system, the child's own) of a command writing its stdout to `output`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    with output.open("wb") as out:
        subprocess.run(command, stdout=out, check=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def matched_originals(output: Path, original_of: dict[str, str]) -> float:
    """Share of queries whose original is among their matches."""
    with output.open("rb") as lines:
        records = [orjson.loads(line) for line in lines]
    return sum(original_of[record["id"]] in {match["id"] for match in record["matches"]} for record in records) / len(
        original_of)


def whole_commands(data_dir: Path, articles: int, repeat: int, threshold: float) -> None:
    """`masthead reprint match` and the datasketch script as whole commands (start-up, reading, signing,
    indexing, matching and writing) on the same files: a corpus of `articles` texts (the real articles, topped
    up with distinct 2 KB posts in English and Chinese) and as many queries, each a randomly edited copy of a
    random corpus text. Each command runs `repeat` times, alternating; the table gives the medians."""
    datasketch_module()
    corpus = load_articles(data_dir, ag_news=articles)[:articles]
    real = len(corpus)
    corpus += [two_kilobyte_body(number) for number in range(articles - real)]
    rng = random.Random(1)
    originals = [rng.randrange(len(corpus)) for _ in range(articles)]
    queries = [EDITS[rng.choice(sorted(EDITS))](corpus[original], rng) for original in originals]
    workdir = Path(tempfile.mkdtemp(prefix="reprint-"))
    write_jsonl(workdir / "corpus.jsonl", corpus, "c")
    write_jsonl(workdir / "queries.jsonl", queries, "q")
    original_of = {f"q{number}": f"c{original}" for number, original in enumerate(originals)}
    files = ["--corpus", str(workdir / "corpus.jsonl"), "--queries", str(workdir / "queries.jsonl"),
             "--threshold", str(threshold)]
    commands = {
        "masthead reprint match": [sys.executable, "-m", "masthead.cli", "reprint", "match", *files],
        f"datasketch {datasketch_module().__version__} script": [
            sys.executable, str(HERE / "reprint_datasketch.py"), *files],
    }
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    try:
        for _ in range(repeat):
            for name, command in commands.items():
                times[name].append(run_command(command, workdir / f"{name.split()[0]}.jsonl"))
        recall = {name: matched_originals(workdir / f"{name.split()[0]}.jsonl", original_of) for name in commands}
    finally:
        shutil.rmtree(workdir)
    wall = {name: statistics.median(wall for wall, _ in runs) for name, runs in times.items()}
    cpu = {name: statistics.median(cpu for _, cpu in runs) for name, runs in times.items()}
    ours, theirs = commands
    print(f"## Whole commands: a corpus of {len(corpus):,} texts ({real:,} real articles, {len(corpus) - real:,} "
          f"synthetic 2 KB posts), {len(queries):,} edited copies of them as queries; "
          f"threshold {threshold}, num_perm {NUM_PERM}; median of {repeat} runs each; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"   python {' '.join(commands[ours][1:])}")
    print("| command | wall s | CPU s | recall of the copied original |")
    print("|---|---:|---:|---:|")
    for name in commands:
        print(f"| {name} | {wall[name]:.2f} | {cpu[name]:.2f} | {recall[name]:.4f} |")
    print(f"| ratio | {wall[theirs] / wall[ours]:.1f}x | {cpu[theirs] / cpu[ours]:.1f}x | |")


def scale(posts: int, queries: int) -> None:
    rng = np.random.default_rng(7)
    index = MemoryIndex()
    started = time.perf_counter()
    for first in range(0, posts, 100_000):
        count = min(100_000, posts - first)
        index.add_many(np.arange(first, first + count), rng.integers(0, 2**32, size=(count, NUM_PERM), dtype=np.uint32))
    built = time.perf_counter() - started
    targets = rng.integers(0, posts, size=queries // 2)
    near = index._signatures[targets].copy()
    near[:, : NUM_PERM // 4] = rng.integers(0, 2**32, size=(len(targets), NUM_PERM // 4), dtype=np.uint32)
    unseen = rng.integers(0, 2**32, size=(queries - len(targets), NUM_PERM), dtype=np.uint32)
    probes = np.concatenate((near, unseen))
    latencies = np.empty(len(probes))
    found = 0
    for position, probe in enumerate(probes):
        started = time.perf_counter()
        matches = index.query(probe)
        latencies[position] = time.perf_counter() - started
        found += position < len(targets) and bool(matches) and matches[0].doc_id == targets[position]
    for doc_id, probe in enumerate(probes[:1000]):
        index.add(posts + doc_id, probe)
    p50, p99 = np.percentile(latencies, [50, 99]) * 1000
    print(f"\n## {posts:,} indexed posts (synthetic random signatures, bulk-loaded in {built:.1f} s), {queries:,} queries")
    print("| query p50 | query p99 | near copies found | memory per indexed post |")
    print("|---:|---:|---:|---:|")
    print(f"| {p50:.3f} ms | {p99:.3f} ms | {found}/{len(targets)} | {index.nbytes() / len(index):,.0f} bytes |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer documents and 200,000 posts")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--posts", type=int, help="posts in the scale test (default 1,000,000; 200,000 with --quick)")
    parser.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
    parser.add_argument("--whole-command", action="store_true",
                        help="only time `masthead reprint match` against the datasketch script as whole commands")
    parser.add_argument("--articles", type=int, default=10_000, help="corpus articles and queries (--whole-command)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each command (--whole-command)")
    args = parser.parse_args()
    if args.whole_command:
        whole_commands(args.data, args.articles, args.repeat, args.threshold)
        return
    compare(args.data, args.quick, args.threshold)
    scale(args.posts or (200_000 if args.quick else 1_000_000), 2_000 if args.quick else 10_000)


if __name__ == "__main__":
    main()
