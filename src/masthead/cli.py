"""The `masthead` command. Each area defines its own commands; this module names them, imports only the chosen
one's definition, and turns every bad input (flags, files, JSON Lines, settings, an unreachable database) into one line on stderr and a
non-zero exit status instead of a traceback."""
from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import NoReturn

from masthead.jsonlines import InputError
from masthead.settings import SettingsError, load_settings

# Every command: the function that defines it (adds its flags and subcommands to its parser and sets
# `func(args) -> int` as its handler, and `uses_database=True` when it opens the configured database, which is
# then checked before it runs) and its help line. A function's module is imported only when its command is
# chosen, so that `masthead reprint match` does not pay for the web server's, the database's and the
# classifiers' imports.
COMMANDS: dict[str, tuple[str, str]] = {
    "serve": ("masthead.commands:define_serve", "API, web pages and an in-process pipeline worker"),
    "worker": ("masthead.commands:define_worker", "pipeline worker only (several may run against PostgreSQL)"),
    "migrate": ("masthead.commands:define_migrate", "apply database migrations"),
    "user": ("masthead.commands:define_user", "manage accounts"),
    "audit": ("masthead.commands:define_audit", "the tamper-evident audit log"),
    "transparency": ("masthead.transparency.commands:define", "statements of reasons for the public record"),
    "policy": ("masthead.policy.commands:define", "check and test policy files"),
    "classify": ("masthead.classify.commands:define_classify",
                 "add lang and seven category scores to JSON Lines texts"),
    "train": ("masthead.classify.commands:define_train", "rebuild the shipped classifiers and model card from the data"),
    "reprint": ("masthead.reprint.commands:define", "near-duplicate (reprint) detection"),
}
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


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser for `argv`: the command it names is defined in full, every other one only by its name and
    help line (enough for `masthead --help` and for refusing an unknown command). Without argv, every command
    is defined."""
    parser = Parser(prog="masthead", description="Masthead: public channels with accountable moderation")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    chosen = next((word for word in argv if not word.startswith("-")), None) if argv is not None else None
    for name, (definition, help_line) in COMMANDS.items():
        command = subparsers.add_parser(name, help=help_line, description=help_line)
        if argv is None or name == chosen:
            module_name, _, function = definition.partition(":")
            getattr(importlib.import_module(module_name), function)(command)
    _name_leaf_commands(parser)
    return parser


def _fail(command: str, message: str) -> int:
    print(f"{command}: {message}", file=sys.stderr)
    return USAGE_ERROR


def main(argv: Sequence[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else list(argv)
    try:
        args = build_parser(arguments).parse_args(arguments)
    except SystemExit as exc:  # --help (0) or a usage error, already printed
        return exc.code if isinstance(exc.code, int) else USAGE_ERROR
    command: str = getattr(args, "command_name", "masthead")
    try:
        if getattr(args, "uses_database", False):
            return _run_with_database(args, command)
        result: int = args.func(args)
        return result
    except (SettingsError, InputError) as exc:
        return _fail(command, str(exc))
    except OSError as exc:
        if exc.filename is None:
            raise
        return _fail(command, f"cannot use {exc.filename}: {exc.strerror or exc}")


def _run_with_database(args: argparse.Namespace, command: str) -> int:
    """Check the configured database, then run the command; the database failing, then or while the command
    runs, is one line. A file the command names failing is left to `main`."""
    import asyncio

    from masthead.store.database import (
        DATABASE_ERRORS,
        DatabaseUnavailable,
        check_database,
        database_failure,
    )

    database_url = load_settings().database_url
    try:
        asyncio.run(check_database(database_url))
        result: int = args.func(args)
        return result
    except DatabaseUnavailable as exc:
        return _fail(command, str(exc))
    except DATABASE_ERRORS as exc:
        if isinstance(exc, OSError) and exc.filename is not None:
            raise
        return _fail(command, str(database_failure(database_url, exc)))


if __name__ == "__main__":
    sys.exit(main())
