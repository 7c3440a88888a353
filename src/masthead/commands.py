"""Core subcommands: serve, worker, migrate, user create. (Filled in by the foundation work.)"""
from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    return None
