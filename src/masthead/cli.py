"""The `masthead` command. Each area registers its own subcommands; this module only wires them."""
from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# Modules exposing `register(subparsers)`; each subcommand sets `func(args) -> int` as its handler.
COMMAND_MODULES: tuple[str, ...] = (
    "masthead.commands",
    "masthead.transparency.commands",
    "masthead.policy.commands",
    "masthead.classify.commands",
    "masthead.reprint.commands",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="masthead", description="Masthead: public channels with accountable moderation")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
