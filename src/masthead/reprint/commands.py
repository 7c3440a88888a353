"""`masthead reprint match`: find near-duplicates of query texts in a corpus (both JSON Lines)."""
from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from masthead.jsonlines import InputError, read_records
from masthead.reprint.index import MemoryIndex
from masthead.reprint.minhash import DEFAULT_THRESHOLD, Signature, sign_many

BATCH = 256


def define(parser: argparse.ArgumentParser) -> None:
    commands = parser.add_subparsers(dest="reprint_command", required=True, metavar="SUBCOMMAND")
    match = commands.add_parser("match", help="for each query text, the corpus texts it is a copy of")
    match.add_argument("--corpus", type=Path, required=True, help="JSON Lines with `id` and `text`")
    match.add_argument("--queries", type=Path, required=True, help="JSON Lines with `id` and `text`")
    match.add_argument(
        "--threshold",
        type=float,
        default=DEFAULT_THRESHOLD,
        help=f"minimum estimated Jaccard similarity of shingles (default {DEFAULT_THRESHOLD})",
    )
    match.set_defaults(func=match_handler)
    rebuild = commands.add_parser("rebuild", help="re-sign every published post into the shared index")
    rebuild.set_defaults(func=_rebuild, uses_database=True)


def _rebuild(args: argparse.Namespace) -> int:
    from masthead.reprint.rebuild import (
        rebuild_handler,  # the database's modules, which `match` does without
    )

    return rebuild_handler(args)


def _batches(path: Path) -> Iterator[tuple[list[Any], list[Signature | None]]]:
    """(ids, signatures) of the file's records, BATCH at a time."""
    ids: list[Any] = []
    texts: list[str] = []
    for record_id, text in _records(path):
        ids.append(record_id)
        texts.append(text)
        if len(texts) == BATCH:
            yield ids, sign_many(texts)
            ids, texts = [], []
    if texts:
        yield ids, sign_many(texts)


def _records(path: Path) -> Iterator[tuple[Any, str]]:
    with path.open("rb") as lines:
        for _, record in read_records(lines, str(path), needs="`id` and a string `text`",
                                      valid=lambda record: "id" in record and isinstance(record.get("text"), str)):
            yield record["id"], record["text"]


def match_handler(args: argparse.Namespace) -> int:
    if not 0.0 < args.threshold <= 1.0:
        raise InputError("--threshold must be in (0, 1]")
    index = MemoryIndex(threshold=args.threshold)
    corpus_ids: list[Any] = []
    for batch_ids, signatures in _batches(args.corpus):
        rows = [row for row, signature in enumerate(signatures, len(corpus_ids)) if signature is not None]
        if rows:
            index.add_many(rows, np.stack([signature for signature in signatures if signature is not None]))
        corpus_ids.extend(batch_ids)
    out = sys.stdout.buffer
    for batch_ids, signatures in _batches(args.queries):
        present = [signature for signature in signatures if signature is not None]
        found = iter(index.query_many(np.stack(present))) if present else iter(())
        lines = []
        for query_id, signature in zip(batch_ids, signatures):
            matches = next(found) if signature is not None else []
            lines.append(orjson.dumps({"id": query_id, "matches": [
                {"id": corpus_ids[match.doc_id], "similarity": match.similarity} for match in matches]}))
        out.write(b"\n".join(lines) + b"\n")
    out.flush()
    return 0
