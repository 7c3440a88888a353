"""`masthead classify` and `masthead train`. Training modules (scikit-learn) are imported only by `train`."""
from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import IO, Any

import orjson

from masthead.classify.corpus import DEFAULT_DATA_DIR
from masthead.jsonlines import read_records

BATCH_SIZE = 500


def define_classify(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--input", type=Path, help="JSON Lines with a `text` field per line (default stdin)")
    parser.add_argument("--output", type=Path, help="where to write the scored lines (default stdout)")
    parser.set_defaults(func=classify_handler)


def define_train(train: argparse.ArgumentParser) -> None:
    train.add_argument("--data", type=Path, default=DEFAULT_DATA_DIR, help="labelled data directory")
    train.add_argument("--output", type=Path, help="artifact directory (default: the installed package)")
    train.add_argument("--evaluation", type=Path,
                       help="quality rows saved by benchmarks/classify_quality.py --save for the same training sets "
                            "(default: evaluate again)")
    train.add_argument("--card-only", action="store_true",
                       help="rewrite only the model card of the trained artifacts (quality figures from --evaluation)")
    train.set_defaults(func=train_handler)


def _batches(lines: IO[bytes], source: str) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for _, record in read_records(lines, source, needs="a string `text`",
                                  valid=lambda record: isinstance(record.get("text"), str)):
        batch.append(record)
        if len(batch) == BATCH_SIZE:
            yield batch
            batch = []
    if batch:
        yield batch


def classify_handler(args: argparse.Namespace) -> int:
    from masthead.classify.classifier import load_classifier

    with ExitStack() as stack:
        source = stack.enter_context(args.input.open("rb")) if args.input else sys.stdin.buffer
        sink = stack.enter_context(args.output.open("wb")) if args.output else sys.stdout.buffer
        classifier = load_classifier()
        for batch in _batches(source, str(args.input) if args.input else "stdin"):
            for record, result in zip(batch, classifier.classify([record["text"] for record in batch])):
                record["lang"] = result.lang
                record["scores"] = {name: round(value, 6) for name, value in result.scores.items()}
                sink.write(orjson.dumps(record) + b"\n")
        sink.flush()
    return 0


def train_handler(args: argparse.Namespace) -> int:
    from masthead.classify.build import train, write_card
    from masthead.classify.evaluation import stage_printer

    if not args.data.is_dir():
        print(f"masthead train: data directory {args.data} not found", file=sys.stderr)
        return 2
    try:
        if args.card_only:
            manifest = write_card(args.data, args.evaluation, args.output)
            print(f"model card of {manifest.version} written")
            return 0
        manifest = train(args.data, args.output, evaluation=args.evaluation, progress=stage_printer("masthead train"))
    except ValueError as error:
        print(f"masthead train: {error}", file=sys.stderr)
        return 2
    print(f"trained {manifest.version}")
    return 0
