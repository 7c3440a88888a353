"""`masthead policy check FILE` and `masthead policy test FILE`: exit 0 when the file is good, else 1 with one
`FILE:LINE: message` line for each problem. FILE may also name a shipped pack. `masthead policy backtest FILE
[--since DATE]` re-decides the stored facts of past decisions with FILE and prints what would change."""
from __future__ import annotations

import argparse
import asyncio
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from masthead.policy.backtest import backtest
from masthead.policy.cases import run_cases
from masthead.policy.compiler import load_policy
from masthead.policy.evaluate import Policy
from masthead.policy.model import PolicyError, Problem
from masthead.policy.packs import PACK_NAMES, load_pack
from masthead.settings import load_settings


def define(parser: argparse.ArgumentParser) -> None:
    commands = parser.add_subparsers(dest="policy_command", required=True, metavar="COMMAND")
    check = commands.add_parser("check", help="compile and type-check a policy file")
    check.add_argument("file", metavar="FILE", help=f"a policy TOML file, or a pack: {', '.join(PACK_NAMES)}")
    check.set_defaults(func=check_command)
    test = commands.add_parser("test", help="run the [[test]] cases written inside a policy file")
    test.add_argument("file", metavar="FILE", help=f"a policy TOML file, or a pack: {', '.join(PACK_NAMES)}")
    test.set_defaults(func=test_command)
    backtest = commands.add_parser("backtest", help="re-decide stored decision facts with a candidate policy")
    backtest.add_argument("file", metavar="FILE", help=f"a policy TOML file, or a pack: {', '.join(PACK_NAMES)}")
    backtest.add_argument("--since", type=date.fromisoformat, metavar="DATE",
                          help="only decisions recorded on or after this day (YYYY-MM-DD, UTC)")
    backtest.set_defaults(func=backtest_command, uses_database=True)


def _load(name: str) -> Policy:
    if name in PACK_NAMES and not Path(name).exists():
        return load_pack(name)
    return load_policy(name)


def _report(problems: list[Problem]) -> int:
    for problem in problems:
        print(problem)
    return 1


def check_command(args: argparse.Namespace) -> int:
    try:
        policy = _load(args.file)
    except PolicyError as exc:
        return _report(exc.problems)
    print(f"{args.file}: ok: {policy.id} v{policy.version}, {len(policy.rules)} rules, "
          f"{len(policy.campaigns)} campaigns, {len(policy.cases)} test cases, sha256 {policy.sha256}")
    return 0


def test_command(args: argparse.Namespace) -> int:
    try:
        policy = _load(args.file)
    except PolicyError as exc:
        return _report(exc.problems)
    failures = run_cases(policy)
    if failures:
        _report(failures)
        print(f"{args.file}: {len(failures)} of {len(policy.cases)} test cases failed")
        return 1
    print(f"{args.file}: all {len(policy.cases)} test cases pass ({policy.id} v{policy.version})")
    return 0


def backtest_command(args: argparse.Namespace) -> int:
    from masthead.store.database import Database
    from masthead.store.decisions import decision_facts_since

    try:
        candidate = _load(args.file)
    except PolicyError as exc:
        return _report(exc.problems)
    since = datetime.combine(args.since, time(), tzinfo=UTC) if args.since else None

    async def fetch() -> list[tuple[str, dict[str, Any], datetime, str]]:
        database = Database(load_settings().database_url)
        try:
            async with database.read() as connection:
                return await decision_facts_since(connection, since)
        finally:
            await database.dispose()

    print(backtest(candidate, asyncio.run(fetch())).summary())
    return 0
