"""`masthead reprint match` written with datasketch: the peer that benchmarks/reprint.py times as a whole command.

    python benchmarks/reprint_datasketch.py --corpus F --queries F [--threshold T] > matches.jsonl

Same input and output as the command (JSON Lines with `id` and `text` in; one line per query with its matches
at or above the threshold, best first, out), the same normalisation and shingles (character 3-grams for
Chinese, word 3-grams otherwise) and num_perm; datasketch signs 256 documents at a time with `MinHash.bulk`,
indexes the corpus in one `insertion_session`, and ranks each query's LSH candidates by estimated Jaccard
similarity. It reads and writes with orjson, as the command does, so the two differ in signing and indexing.
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from masthead.reprint.minhash import DEFAULT_THRESHOLD, NUM_PERM
from masthead.reprint.normalize import normalize
from masthead.reprint.shingles import CJK_SHARE, SHINGLE_WIDTH

BATCH = 256


def string_shingles(text: str) -> list[bytes]:
    """Masthead's shingles as strings: character 3-grams of mostly-CJK text, word 3-grams otherwise."""
    folded = normalize(text)
    letters = folded.replace(" ", "")
    cjk = sum("\u3040" <= char <= "\u9fff" or "\uac00" <= char <= "\ud7af" for char in letters)
    if letters and cjk >= CJK_SHARE * len(letters):
        grams = {letters[i : i + SHINGLE_WIDTH] for i in range(max(1, len(letters) - SHINGLE_WIDTH + 1))}
    else:
        words = folded.split()
        grams = {" ".join(words[i : i + SHINGLE_WIDTH]) for i in range(max(1, len(words) - SHINGLE_WIDTH + 1))}
    return [gram.encode("utf-8") for gram in grams if gram]


def signed_batches(path: Path, minhash: Any) -> Iterator[list[tuple[Any, Any]]]:
    """(id, MinHash or None for a text without shingles) of the file's records, BATCH at a time."""
    with path.open("rb") as lines:
        records = (orjson.loads(line) for line in lines if line.strip())
        batch: list[tuple[Any, list[bytes]]] = []
        for record in records:
            batch.append((record["id"], string_shingles(record["text"])))
            if len(batch) == BATCH:
                yield _signed(batch, minhash)
                batch = []
        if batch:
            yield _signed(batch, minhash)


def _signed(batch: list[tuple[Any, list[bytes]]], minhash: Any) -> list[tuple[Any, Any]]:
    signatures = iter(minhash.bulk([shingles for _, shingles in batch if shingles], num_perm=NUM_PERM))
    return [(record_id, next(signatures) if shingles else None) for record_id, shingles in batch]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--queries", type=Path, required=True)
    parser.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
    args = parser.parse_args()
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=args.threshold, num_perm=NUM_PERM)
    corpus: list[tuple[Any, Any]] = []
    with lsh.insertion_session() as session:
        for batch in signed_batches(args.corpus, MinHash):
            for record_id, signature in batch:
                if signature is not None:
                    session.insert(len(corpus), signature)
                corpus.append((record_id, signature))
    out = sys.stdout.buffer
    for batch in signed_batches(args.queries, MinHash):
        for query_id, signature in batch:
            scored = [] if signature is None else [
                (signature.jaccard(corpus[key][1]), key) for key in lsh.query(signature)]
            matches = [{"id": corpus[key][0], "similarity": score}
                       for score, key in sorted(scored, key=lambda pair: (-pair[0], pair[1])) if score >= args.threshold]
            out.write(orjson.dumps({"id": query_id, "matches": matches}) + b"\n")
    out.flush()


if __name__ == "__main__":
    main()
