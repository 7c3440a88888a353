"""`masthead policy check FILE` and `masthead policy test FILE`: exit 0 when the file is good, else 1 with one
`FILE:LINE: message` line for each problem. FILE may also name a shipped pack."""
from __future__ import annotations

import argparse
from pathlib import Path

from masthead.policy.cases import run_cases
from masthead.policy.compiler import load_policy
from masthead.policy.evaluate import Policy
from masthead.policy.model import PolicyError, Problem
from masthead.policy.packs import PACK_NAMES, load_pack


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    policy = subparsers.add_parser("policy", help="check and test policy files")
    commands = policy.add_subparsers(dest="policy_command", required=True, metavar="COMMAND")
    check = commands.add_parser("check", help="compile and type-check a policy file")
    check.add_argument("file", metavar="FILE", help=f"a policy TOML file, or a pack: {', '.join(PACK_NAMES)}")
    check.set_defaults(func=check_command)
    test = commands.add_parser("test", help="run the [[test]] cases written inside a policy file")
    test.add_argument("file", metavar="FILE", help=f"a policy TOML file, or a pack: {', '.join(PACK_NAMES)}")
    test.set_defaults(func=test_command)


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
