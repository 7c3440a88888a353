"""The `masthead` command. Each area registers its own subcommands; this module only wires them, and turns
every bad input (flags, files, JSON Lines, settings, an unreachable database) into one line on stderr and a
non-zero exit status instead of a traceback."""
from __future__ import annotations

import argparse
import asyncio
import importlib
import sys
from collections.abc import Sequence
from typing import NoReturn

from masthead.jsonlines import InputError
from masthead.settings import SettingsError, load_settings
from masthead.store.database import DATABASE_ERRORS, DatabaseUnavailable, check_database, database_failure

# Modules exposing `register(subparsers)`; each subcommand sets `func(args) -> int` as its handler, and
# `uses_database=True` when it opens the configured database (which is then checked before it runs).
COMMAND_MODULES: tuple[str, ...] = (
    "masthead.commands",
    "masthead.transparency.commands",
    "masthead.policy.commands",
    "masthead.classify.commands",
    "masthead.reprint.commands",
)
USAGE_ERROR = 2


class Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line (not the whole usage text) and exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(USAGE_ERROR, f"{self.prog}: {message} (see `{self.prog} --help`)\n")


def _name_leaf_commands(parser: argparse.ArgumentParser) -> None:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for subparser in action.choices.values():
                subparser.set_defaults(command_name=subparser.prog)
                _name_leaf_commands(subparser)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="masthead", description="Masthead: public channels with accountable moderation")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    _name_leaf_commands(parser)
    return parser


def _fail(command: str, message: str) -> int:
    print(f"{command}: {message}", file=sys.stderr)
    return USAGE_ERROR


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help (0) or a usage error, already printed
        return exc.code if isinstance(exc.code, int) else USAGE_ERROR
    command: str = getattr(args, "command_name", "masthead")
    uses_database = getattr(args, "uses_database", False)
    database_url = ""
    try:
        if uses_database:
            database_url = load_settings().database_url
            asyncio.run(check_database(database_url))
        result: int = args.func(args)
        return result
    except (SettingsError, DatabaseUnavailable, InputError) as exc:
        return _fail(command, str(exc))
    except OSError as exc:
        if exc.filename is not None:
            return _fail(command, f"cannot use {exc.filename}: {exc.strerror or exc}")
        if not uses_database:
            raise
        return _fail(command, str(database_failure(database_url, exc)))
    except DATABASE_ERRORS as exc:
        if not uses_database:
            raise
        return _fail(command, str(database_failure(database_url, exc)))


if __name__ == "__main__":
    sys.exit(main())
