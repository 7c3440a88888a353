"""Queue listing with 100,000 open items: the moderators' first page (with counts), a filtered page and a page
deep into the queue, on SQLite and PostgreSQL. Issue 7 target: under 50 ms.

    .venv/bin/python benchmarks/moderation_queue.py [--items N] [--requests N] [--engines sqlite,postgres]
"""
from __future__ import annotations

import argparse
from collections import Counter
import asyncio
import random
import statistics
import tempfile
import time
from pathlib import Path

import asyncpg
from argon2 import PasswordHasher

from masthead.clock import SystemClock
from masthead.context import Context
from masthead.domain.accounts import Role
from masthead.domain.moderation import ItemKind
from masthead.moderation.queue import moderation_queue
from masthead.moderation.recording import item_priority
from masthead.services.accounts import do_sign_up
from masthead.settings import Settings
from masthead.store.bulk import BulkInsert
from masthead.store.migrate import run_migrations
from masthead.store.moderation import adjust_counts_txn
from masthead.store.tables import moderation_items

POSTGRES_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
COLUMNS = ("kind", "review_state", "priority", "severity", "reach", "automated_origin", "report_count",
           "created_at", "updated_at")


async def fill(ctx: Context, items: int) -> None:
    rng = random.Random(3)
    kinds = [ItemKind.HELD.value] * 6 + [ItemKind.REPORT.value] * 3 + [ItemKind.APPEAL.value]
    now = ctx.clock.now()
    for start in range(0, items, 10_000):
        async with ctx.db.write() as connection:
            bulk = BulkInsert(connection, moderation_items, COLUMNS)
            rows = []
            for _ in range(start, min(start + 10_000, items)):
                severity, reach = rng.randint(1, 5), rng.randint(0, 50_000)
                rows.append((rng.choice(kinds), "open", item_priority(severity, reach, automated_appeal=rng.random() < 0.05),
                             severity, reach, True, 0, bulk.value(now), bulk.value(now)))
            await bulk.run(connection, rows)
            await adjust_counts_txn(connection, Counter((row[0], "open") for row in rows))


async def measure(url: str, items: int, requests: int) -> dict[str, list[float]]:
    ctx = Context.create(Settings(database_url=url), clock=SystemClock(), hasher=PasswordHasher(time_cost=1, memory_cost=1024))
    try:
        moderator, _ = await do_sign_up(ctx, handle="bench_mod", password="benchmark pw", display_name="M",
                                        roles={Role.MODERATOR})
        await fill(ctx, items)
        deep = None
        for _ in range(50):
            page = await moderation_queue(ctx, moderator, kind=None, state="pending", mine=False, cursor=deep, limit=100)
            deep = page.next_cursor
        timings: dict[str, list[float]] = {"first page + counts": [], "kind=report": [], "page 51 (cursor)": []}
        for _ in range(requests):
            for name, kind, cursor in (("first page + counts", None, None), ("kind=report", "report", None),
                                       ("page 51 (cursor)", None, deep)):
                started = time.perf_counter()
                await moderation_queue(ctx, moderator, kind=kind, state="pending", mine=False, cursor=cursor, limit=50)
                timings[name].append((time.perf_counter() - started) * 1000)
        return timings
    finally:
        await ctx.db.dispose()


async def _postgres() -> str:
    connection = await asyncpg.connect(POSTGRES_ADMIN, timeout=3)
    try:
        await connection.execute("DROP DATABASE IF EXISTS masthead_queue_bench WITH (FORCE)")
        await connection.execute("CREATE DATABASE masthead_queue_bench")
    finally:
        await connection.close()
    return "postgresql+asyncpg://postgres@127.0.0.1:5432/masthead_queue_bench"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--engines", default="sqlite,postgres")
    args = parser.parse_args()
    print(f"{args.items:,} open items, {args.requests} requests each, 50 items per page\n")
    print(f"{'engine':<10} {'listing':<22} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7}")
    for engine in args.engines.split(","):
        try:
            url = (f"sqlite+aiosqlite:///{Path(tempfile.mkdtemp()) / 'queue.db'}" if engine == "sqlite"
                   else asyncio.run(_postgres()))
        except (OSError, asyncpg.PostgresError) as exc:
            print(f"{engine:<10} unavailable: {exc}")
            continue
        run_migrations(url)
        for name, values in asyncio.run(measure(url, args.items, args.requests)).items():
            ordered = sorted(values)
            p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
            print(f"{engine:<10} {name:<22} {statistics.median(values):>7.1f} {p99:>7.1f} {ordered[-1]:>7.1f}")


if __name__ == "__main__":
    main()
