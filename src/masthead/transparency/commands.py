"""`masthead transparency export [--format json|csv] [--since DATE] [--until DATE]`."""
from __future__ import annotations

import argparse
import asyncio
import sys

from masthead.context import Context
from masthead.domain.errors import MastheadError
from masthead.settings import load_settings
from masthead.transparency.report import export_statements, parse_day


def export(args: argparse.Namespace) -> int:
    try:
        since, until = parse_day(args.since, "--since"), parse_day(args.until, "--until")
    except MastheadError as exc:
        print(f"masthead: {exc.message}", file=sys.stderr)
        return 2
    ctx = Context.create(load_settings())

    async def run() -> None:
        try:
            async for chunk in export_statements(ctx, since, until, args.format):
                sys.stdout.write(chunk)
        finally:
            await ctx.db.dispose()

    asyncio.run(run())
    return 0


def define(parser: argparse.ArgumentParser) -> None:
    commands = parser.add_subparsers(dest="transparency_command", required=True, metavar="ACTION")
    export_parser = commands.add_parser("export", help="statements of reasons in the EU DSA Transparency Database schema")
    export_parser.add_argument("--format", choices=("json", "csv"), default="json")
    export_parser.add_argument("--since", metavar="DATE", help="from this day (YYYY-MM-DD, UTC)")
    export_parser.add_argument("--until", metavar="DATE", help="before this day (YYYY-MM-DD, UTC)")
    export_parser.set_defaults(func=export, uses_database=True)
