"""End-to-end publish throughput (accepted -> published) on SQLite and PostgreSQL, against the machine's raw
batched insert rate of the same 2 KB rows through the same driver, measured in the same run.

    .venv/bin/python benchmarks/publish.py [--posts N] [--quick] [--engines sqlite,postgres]

Goal (issue 2): pipeline throughput at least 50% of the raw batched insert rate. Both references are printed:
through SQLAlchemy Core (the stack the application itself writes with) and through the driver directly.
"""
from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import asyncpg
import sqlalchemy as sa
from argon2 import PasswordHasher

from masthead.clock import SystemClock
from masthead.context import Context
from masthead.pipeline.assembly import build_stages
from masthead.pipeline.stages import Classify
from masthead.pipeline.worker import PipelineWorker
from masthead.services.accounts import do_sign_up
from masthead.services.channels import do_create_channel
from masthead.services.posts import do_publish
from masthead.settings import Settings
from masthead.store.bulk import BulkInsert
from masthead.store.migrate import run_migrations
from masthead.store.posts import insert_posts_txn

POSTGRES_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
POSTGRES_BENCH_DB = "masthead_bench"
BATCH = 500
ENGLISH_WORDS = (
    "harbour ferry council budget school river bridge market weather festival library station hospital "
    "museum vote teacher rail housing water garden price village road energy park report season"
).split()
# Two thousand common-range CJK ideographs: Chinese posts share characters, as real ones do, but not passages.
CHINESE_CHARACTERS = [chr(code) for code in range(0x4E00, 0x4E00 + 2000)]


def two_kilobyte_body(i: int) -> str:
    """A distinct 2 KB post (English or Chinese by parity): distinct posts are what a reprint index sees most."""
    chooser = random.Random(i)
    words, separator = (ENGLISH_WORDS, " ") if i % 2 else (CHINESE_CHARACTERS, "")
    text = f"Post number {i}. "
    while len(text.encode()) < 2048:
        text += separator.join(chooser.choices(words, k=12)) + ("。" if separator == "" else ". ")
    return text.encode()[:2048].decode(errors="ignore")


raw_table = sa.Table(
    "bench_raw", sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True), sa.Column("channel_id", sa.Integer), sa.Column("title", sa.Text),
    sa.Column("body", sa.Text), sa.Column("state", sa.Text),
)


async def raw_insert_rates(ctx: Context, posts: int) -> tuple[float, float]:
    """Batched INSERTs of the same 2 KB rows: through SQLAlchemy Core (the stack the application uses) and
    straight through the driver in bulk (executemany on SQLite, INSERT … SELECT unnest(arrays) on PostgreSQL):
    the floor of what this machine's database and driver can do."""
    rows = [{"channel_id": 1, "title": f"Post {i}", "body": two_kilobyte_body(i), "state": "published"}
            for i in range(posts)]
    rates = []
    for through_driver in (False, True):
        async with ctx.db.write() as connection:
            await connection.run_sync(lambda sync: raw_table.drop(sync, checkfirst=True))
            await connection.run_sync(lambda sync: raw_table.create(sync))
            columns = ("channel_id", "title", "body", "state")
            bulk = BulkInsert(connection, raw_table, columns)
        started = time.perf_counter()
        for start in range(0, posts, BATCH):
            async with ctx.db.write() as connection:
                if through_driver:
                    await bulk.run(connection, [tuple(bulk.value(row[name]) for name in columns)
                                                for row in rows[start:start + BATCH]])
                else:
                    await connection.execute(raw_table.insert(), rows[start:start + BATCH])
        rates.append(posts / (time.perf_counter() - started))
    return rates[0], rates[1]


async def pipeline_rates(ctx: Context, posts: int, accept_one_by_one: int, *,
                         with_classifier: bool) -> tuple[float, float]:
    account, _ = await do_sign_up(ctx, handle="bench", password="benchmark password", display_name="Bench")
    channel = await do_create_channel(ctx, account, handle="bench_news", name="Bench", description="")
    started = time.perf_counter()
    for i in range(accept_one_by_one):
        await do_publish(ctx, account, channel.handle, title=f"Post {i}", body=two_kilobyte_body(i))
    accept_rate = accept_one_by_one / (time.perf_counter() - started)
    for start in range(accept_one_by_one, posts, BATCH):
        rows = [{"channel_id": channel.id, "author_id": account.id, "title": f"Post {i}",
                 "body": two_kilobyte_body(i), "body_html": "<p>…</p>", "reprint_of": None, "source_url": None,
                 "original": False} for i in range(start, min(start + BATCH, posts))]
        async with ctx.db.write() as connection:
            await insert_posts_txn(connection, rows, ctx.clock.now())
    stages = [stage for stage in build_stages(ctx) if with_classifier or not isinstance(stage, Classify)]
    worker = PipelineWorker(ctx, stages)
    started = time.perf_counter()
    decided = await worker.run_until_idle()
    pipeline_rate = decided / (time.perf_counter() - started)
    assert decided == posts, f"pipeline decided {decided} of {posts}"
    return accept_rate, pipeline_rate


async def _recreate_postgres() -> str:
    connection = await asyncpg.connect(POSTGRES_ADMIN, timeout=3)
    try:
        await connection.execute(f"DROP DATABASE IF EXISTS {POSTGRES_BENCH_DB} WITH (FORCE)")
        await connection.execute(f"CREATE DATABASE {POSTGRES_BENCH_DB}")
    finally:
        await connection.close()
    return f"postgresql+asyncpg://postgres@127.0.0.1:5432/{POSTGRES_BENCH_DB}"


def measure(engine: str, posts: int, accept: int, with_classifier: bool) -> tuple[float, float, float, float]:
    if engine == "sqlite":
        url = f"sqlite+aiosqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    else:
        url = asyncio.run(_recreate_postgres())
    run_migrations(url)
    settings = replace(Settings(database_url=url), pipeline_batch_size=BATCH)

    async def run() -> tuple[float, float, float, float]:
        ctx = Context.create(settings, clock=SystemClock(), hasher=PasswordHasher(time_cost=1, memory_cost=1024))
        try:
            raw_core, raw_driver = await raw_insert_rates(ctx, posts)
            accept_rate, pipeline_rate = await pipeline_rates(ctx, posts, accept, with_classifier=with_classifier)
            return raw_core, raw_driver, accept_rate, pipeline_rate
        finally:
            await ctx.db.dispose()
    return asyncio.run(run())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=20_000)
    parser.add_argument("--accept", type=int, default=1_000, help="posts accepted one request-sized transaction each")
    parser.add_argument("--quick", action="store_true", help="5,000 posts")
    parser.add_argument("--engines", default="sqlite,postgres")
    parser.add_argument("--with-classifier", action="store_true",
                        help="include the classifiers' stage (the foundation's goal is measured without it)")
    args = parser.parse_args()
    posts = 5_000 if args.quick else args.posts
    print(f"{posts} posts of 2 KB, {BATCH} per transaction. raw = batched INSERT of the same rows in the same run,")
    print("through SQLAlchemy Core (as the application writes) and through the driver in bulk (the floor).")
    stages = "all stages" if args.with_classifier else "all stages but the classifiers"
    print(f"pipeline = accepted -> published by one worker, {stages}: claim, facts, policy decision, state,")
    print("decision record, moderation bookkeeping, audit entry, outbox.\n")
    header = (f"{'engine':<9} {'raw core/s':>11} {'raw driver/s':>13} {'pipeline/s':>11} {'vs core':>8} "
              f"{'vs driver':>10} {'accept/s':>9}")
    print(header)
    for engine in args.engines.split(","):
        try:
            raw_core, raw_driver, accept_rate, pipeline_rate = measure(engine, posts, min(args.accept, posts),
                                                                       args.with_classifier)
        except (OSError, asyncpg.PostgresError) as exc:
            print(f"{engine:<9} unavailable: {exc}")
            continue
        print(f"{engine:<9} {raw_core:>11,.0f} {raw_driver:>13,.0f} {pipeline_rate:>11,.0f} "
              f"{pipeline_rate / raw_core:>8.0%} {pipeline_rate / raw_driver:>10.0%} {accept_rate:>9,.0f}")
    print("\naccept/s: posts accepted one per transaction, as the API does (render, validate, insert, outbox).")


if __name__ == "__main__":
    main()
