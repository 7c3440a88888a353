"""End-to-end publish throughput (accepted -> decided) on SQLite and PostgreSQL, against the machine's raw
batched insert rate of the same 2 KB rows, measured in the same run.

    .venv/bin/python benchmarks/publish.py [--posts N] [--quick] [--engines sqlite,postgres]
                                           [--stages foundation,no-classifier,all]
    .venv/bin/python benchmarks/publish.py --workers 1,2 [--posts N]   # worker processes on PostgreSQL

With `--workers`, every stage runs in N separate worker processes on one PostgreSQL database (each process
loads the model and compiles the policy before the clock starts, then all take batches from the same outbox).
With the `all` stage set, each stage's time per post is printed too (batches decided one at a time).

Goal (issue 2): the pipeline at least 50% of the raw batched insert rate, for the foundation's stage set
(post facts, language, a decision). Both references are printed: through SQLAlchemy Core (the stack the
application itself writes with, against which the goal is judged) and through the driver directly (the floor,
for comparison). The other stage sets show what the later
capabilities (credentials, reprint signing and indexing, classifiers) cost on top.
"""
from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from multiprocessing.synchronize import Event as ProcessEvent
from pathlib import Path

import asyncpg
import sqlalchemy as sa
from argon2 import PasswordHasher
from sample_posts import two_kilobyte_body

from masthead.classify.langid import SAMPLE_CHARS, detect_languages
from masthead.clock import SystemClock
from masthead.context import Context
from masthead.pipeline.assembly import build_stages
from masthead.pipeline.stages import Classify, PostWork, Stage
from masthead.pipeline.worker import PipelineWorker, prepare_garbage_collector
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


class DetectLanguage:
    """The foundation's analysis (issue 2): the language only. In the full pipeline the classifiers' stage
    detects it along with the scores."""

    name = "analyse.language"

    async def run(self, batch: Sequence[PostWork]) -> None:
        languages = detect_languages([work.post.title + "\n\n" + work.post.body[:SAMPLE_CHARS] for work in batch])
        for work, lang in zip(batch, languages, strict=True):
            work.fact_group("post")["lang"] = lang


class TimedStage:
    """A stage that adds the time it spends on each batch to `wall` (its database reads included) and the CPU
    time of this process meanwhile to `cpu` (its threads included; nothing else runs while batches are decided
    one at a time)."""

    def __init__(self, stage: Stage, wall: Counter[str], cpu: Counter[str]) -> None:
        self.stage = stage
        self.name = stage.name
        self.wall = wall
        self.cpu = cpu

    async def run(self, batch: Sequence[PostWork]) -> None:
        started, cpu_started = time.perf_counter(), time.process_time()
        await self.stage.run(batch)
        self.wall[self.name] += time.perf_counter() - started
        self.cpu[self.name] += time.process_time() - cpu_started


def stage_set(ctx: Context, name: str) -> list[Stage]:
    """foundation: what issue 2 defines (post facts, language, a decision); all: every stage Masthead runs;
    no-classifier: every stage but the classifiers (language included)."""
    every = build_stages(ctx)
    if name == "foundation":
        return [every[0], DetectLanguage(), every[-1]]
    if name == "no-classifier":
        return [every[0], DetectLanguage(), *(stage for stage in every[1:] if not isinstance(stage, Classify))]
    return every


async def accept_rate(ctx: Context, posts: int) -> float:
    """Posts accepted one per transaction, as the API does (render, validate, insert, outbox)."""
    account, _ = await do_sign_up(ctx, handle="bench_accept", password="benchmark password", display_name="Bench")
    channel = await do_create_channel(ctx, account, handle="bench_accept", name="Bench", description="")
    started = time.perf_counter()
    for i in range(posts):
        await do_publish(ctx, account, channel.handle, title=f"Post {i}", body=two_kilobyte_body(i))
    rate = posts / (time.perf_counter() - started)
    worker = PipelineWorker(ctx, stage_set(ctx, "foundation"))
    await worker.run_until_idle()  # leave nothing in the outbox for the measurements that follow
    return rate


async def accept_posts(ctx: Context, posts: int, run: int) -> None:
    """Put `posts` distinct posts of a new channel in the outbox, as publishing does."""
    account, _ = await do_sign_up(ctx, handle=f"bench_{run}", password="benchmark password", display_name="Bench")
    channel = await do_create_channel(ctx, account, handle=f"bench_{run}", name="Bench", description="")
    for start in range(0, posts, BATCH):
        rows = [{"channel_id": channel.id, "author_id": account.id, "title": f"Post {run}-{i}",
                 "body": two_kilobyte_body(run * posts + i), "body_html": "<p>…</p>", "reprint_of": None,
                 "source_url": None, "original": False} for i in range(start, min(start + BATCH, posts))]
        async with ctx.db.write() as connection:
            await insert_posts_txn(connection, rows, ctx.clock.now())


async def pipeline_rate(ctx: Context, posts: int, stages: str, run: int) -> float:
    """Accepted -> decided for `posts` posts already in the outbox, by one worker with the named stage set."""
    await accept_posts(ctx, posts, run)
    worker = PipelineWorker(ctx, stage_set(ctx, stages))
    prepare_garbage_collector()  # as run_forever does when a worker starts
    started = time.perf_counter()
    decided = await worker.run_until_idle()
    rate = decided / (time.perf_counter() - started)
    assert decided == posts, f"pipeline decided {decided} of {posts}"
    return rate


async def stage_costs(ctx: Context, posts: int, stages: str, run: int) -> dict[str, tuple[float, float]]:
    """Wall and CPU seconds per post in each stage, and in claiming and committing: one batch at a time, claim,
    stages and commit in turn, so that no stage's time holds another's (the throughput runs overlap them)."""
    await accept_posts(ctx, posts, run)
    wall: Counter[str] = Counter()
    cpu: Counter[str] = Counter()
    worker = PipelineWorker(ctx, [TimedStage(stage, wall, cpu) for stage in stage_set(ctx, stages)])
    started, cpu_started = time.perf_counter(), time.process_time()
    decided = 0
    while claimed := await worker.run_once():
        decided += claimed
    assert decided == posts, f"pipeline decided {decided} of {posts}"
    wall["claim and commit"] = time.perf_counter() - started - sum(wall.values())
    cpu["claim and commit"] = time.process_time() - cpu_started - sum(cpu.values())
    return {name: (wall[name] / posts, cpu[name] / posts) for name in wall}


async def _recreate_postgres() -> str:
    connection = await asyncpg.connect(POSTGRES_ADMIN, timeout=3)
    try:
        await connection.execute(f"DROP DATABASE IF EXISTS {POSTGRES_BENCH_DB} WITH (FORCE)")
        await connection.execute(f"CREATE DATABASE {POSTGRES_BENCH_DB}")
    finally:
        await connection.close()
    return f"postgresql+asyncpg://postgres@127.0.0.1:5432/{POSTGRES_BENCH_DB}"


def bench_settings(engine: str) -> Settings:
    if engine == "sqlite":
        url = f"sqlite+aiosqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    else:
        url = asyncio.run(_recreate_postgres())
    run_migrations(url)
    return replace(Settings(database_url=url), pipeline_batch_size=BATCH)


def bench_context(settings: Settings) -> Context:
    return Context.create(settings, clock=SystemClock(), hasher=PasswordHasher(time_cost=1, memory_cost=1024))


def measure(engine: str, posts: int, accept: int, stage_sets: list[str],
            costs: dict[str, dict[str, tuple[float, float]]]) -> dict[str, float]:
    settings = bench_settings(engine)

    async def run() -> dict[str, float]:
        ctx = bench_context(settings)
        try:
            rates: dict[str, float] = {}
            rates["raw core"], rates["raw driver"] = await raw_insert_rates(ctx, posts)
            for number, name in enumerate(stage_sets):
                rates[name] = await pipeline_rate(ctx, posts, name, number)
            if "all" in stage_sets:
                costs["all"] = await stage_costs(ctx, posts, "all", len(stage_sets))
            rates["accept"] = await accept_rate(ctx, accept)
            return rates
        finally:
            await ctx.db.dispose()
    return asyncio.run(run())


def _worker_process(settings: Settings, ready: ProcessEvent, go: ProcessEvent,
                    results: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    """One worker process: load every stage, say so, wait for the start, decide until the outbox is empty."""
    async def run() -> tuple[int, float]:
        ctx = bench_context(settings)
        try:
            worker = PipelineWorker(ctx, stage_set(ctx, "all"))
            async with ctx.db.read() as connection:  # open the pool before the clock starts
                await connection.execute(sa.text("SELECT 1"))
            prepare_garbage_collector()
            ready.set()
            await asyncio.to_thread(go.wait)
            decided = await worker.run_until_idle()
            return decided, time.perf_counter()
        finally:
            await ctx.db.dispose()
    results.put(asyncio.run(run()))


def worker_processes_rate(posts: int, processes: int) -> float:
    """Accepted -> decided with every stage, by `processes` worker processes sharing one PostgreSQL outbox."""
    settings = bench_settings("postgres")
    spawn = multiprocessing.get_context("spawn")
    go = spawn.Event()
    results = spawn.Queue()
    readies = [spawn.Event() for _ in range(processes)]
    children = [spawn.Process(target=_worker_process, args=(settings, ready, go, results)) for ready in readies]
    for child in children:
        child.start()

    async def fill() -> None:
        ctx = bench_context(settings)
        try:
            await accept_posts(ctx, posts, 0)
        finally:
            await ctx.db.dispose()
    asyncio.run(fill())
    for ready in readies:
        if not ready.wait(timeout=300):
            raise RuntimeError("a worker process did not start within 300 s")
    started = time.perf_counter()
    go.set()
    finished = [results.get(timeout=3600) for _ in children]
    for child in children:
        child.join()
    decided = sum(count for count, _ in finished)
    assert decided == posts, f"worker processes decided {decided} of {posts}"
    return posts / (max(at for _, at in finished) - started)


def print_stage_costs(engine: str, costs: dict[str, dict[str, tuple[float, float]]]) -> None:
    for stages, seconds in costs.items():
        print(f"{engine:<9} {stages:<14} per post, batches decided one at a time (µs, wall / this process's CPU):")
        for name, (wall, cpu) in seconds.items():
            print(f"{'':<24} {name:<18} {wall * 1e6:>6,.0f} / {cpu * 1e6:>6,.0f}")


def main_workers(posts: int, counts: list[int]) -> None:
    cores = multiprocessing.cpu_count()
    print(f"{posts} distinct posts of 2 KB, every stage, on PostgreSQL; worker processes take batches of {BATCH} from")
    print(f"one outbox (this machine has {cores} cores; each process loads the model before the clock starts).\n")
    print(f"{'processes':>9} {'posts/s':>9} {'vs 1 process':>13}")
    first = None
    for count in counts:
        rate = worker_processes_rate(posts, count)
        first = first or rate
        print(f"{count:>9} {rate:>9,.0f} {rate / first:>12.2f}×")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=20_000)
    parser.add_argument("--accept", type=int, default=1_000, help="posts accepted one request-sized transaction each")
    parser.add_argument("--quick", action="store_true", help="5,000 posts")
    parser.add_argument("--engines", default="sqlite,postgres")
    parser.add_argument("--stages", default="foundation,no-classifier,all",
                        help="stage sets to measure: foundation (issue 2's goal), no-classifier, all")
    parser.add_argument("--workers", help="numbers of worker processes to compare on PostgreSQL, e.g. 1,2")
    args = parser.parse_args()
    posts = 5_000 if args.quick else args.posts
    if args.workers:
        main_workers(posts, [int(count) for count in args.workers.split(",")])
        return
    stage_sets = args.stages.split(",")
    print(f"{posts} distinct posts of 2 KB, {BATCH} per transaction. raw = batched INSERT of the same rows in the")
    print("same run, through SQLAlchemy Core (as the application writes) and through the driver in bulk (the floor).")
    print("pipeline = accepted -> decided by one worker: claim, the stage set's facts, the policy's decision, state,")
    print("decision record, moderation bookkeeping, audit entry, outbox; with reprints, signing and indexing.\n")
    print(f"{'engine':<9} {'stages':<14} {'raw core/s':>11} {'raw driver/s':>13} {'pipeline/s':>11} {'vs core':>8} "
          f"{'vs driver':>10}")
    for engine in args.engines.split(","):
        costs: dict[str, dict[str, tuple[float, float]]] = {}
        try:
            rates = measure(engine, posts, min(args.accept, posts), stage_sets, costs)
        except (OSError, asyncpg.PostgresError) as exc:
            print(f"{engine:<9} unavailable: {exc}")
            continue
        for name in stage_sets:
            print(f"{engine:<9} {name:<14} {rates['raw core']:>11,.0f} {rates['raw driver']:>13,.0f} "
                  f"{rates[name]:>11,.0f} {rates[name] / rates['raw core']:>8.0%} "
                  f"{rates[name] / rates['raw driver']:>10.0%}")
        print(f"{engine:<9} accepted one per transaction, as the API does: {rates['accept']:,.0f}/s")
        print_stage_costs(engine, costs)


if __name__ == "__main__":
    main()
