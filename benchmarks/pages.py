"""Server time of the web pages with 100,000 posts, 10,000 channels and 10,000 open moderation items, on SQLite
and PostgreSQL, measured in-process (httpx.ASGITransport, no network): the front page, a reader's feed, a
channel, a post, the transparency report (all time and one week), a channel's public ledger, and the moderators'
queue and a case when those pages exist (a page that answers 404 is skipped with a note). Target: p99 under
50 ms. The data is bulk-loaded straight into the tables (posts already decided).

    .venv/bin/python benchmarks/pages.py [--posts N] [--channels N] [--items N] [--requests N]
                                         [--engines sqlite,postgres]
"""
from __future__ import annotations

import argparse
import asyncio
import gc
import os
import random
import statistics
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import httpx
from argon2 import PasswordHasher

from masthead.api.app import create_app
from masthead.clock import SystemClock
from masthead.context import Context
from masthead.domain.accounts import Role
from masthead.services.accounts import do_sign_up
from masthead.settings import Settings
from masthead.store.bulk import BulkInsert
from masthead.store.migrate import run_migrations
from masthead.store.moderation import adjust_counts_txn
from masthead.store.tables import (
    accounts, channel_members, channels, credentials, decisions, moderation_items, post_bodies, posts, strikes,
    subscriptions,
)

POSTGRES_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
DATABASE = "masthead_pages_bench"
BATCH = 10_000
OWNERS = 1_000
DAYS = 60
SUBSCRIBED = 200
CREDENTIALED = 1_000
BODY = ("Harbour authorities said on Monday that the ferry timetable will change from next week, with earlier "
        "sailings on weekdays and an extra evening crossing at weekends. ") * 6
HELD_STATEMENT = {
    "decision_visibility": ["DECISION_VISIBILITY_CONTENT_DISABLED"], "end_date_visibility_restriction": None,
    "decision_ground": "DECISION_GROUND_INCOMPATIBLE_CONTENT",
    "category": "STATEMENT_CATEGORY_NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS", "category_specification": [],
    "content_type": ["CONTENT_TYPE_TEXT"], "content_language": "EN", "automated_detection": "Yes",
    "automated_decision": "AUTOMATED_DECISION_PARTIALLY", "source_type": "SOURCE_VOLUNTARY",
    "application_date": "2026-11-01", "decision_facts": "Political news from a channel without news.publish.",
    "incompatible_content_ground": "Terms 4.2", "incompatible_content_explanation": "Political news needs news.publish.",
    "incompatible_content_illegal": "No", "puid": "0",
}
HELD_TRACE = [{"rule": "political-news-needs-credential", "mode": "live", "outcome": "hold", "labels": [],
               "severity": 2, "facts": {"scores.political_news": 0.93}, "enforced": True}]


async def _insert(ctx: Context, table: Any, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    for start in range(0, len(rows), BATCH):
        async with ctx.db.write() as connection:
            bulk = BulkInsert(connection, table, columns)
            await bulk.run(connection, [tuple(bulk.value(v) for v in row) for row in rows[start:start + BATCH]])


async def _fix_sequences(ctx: Context) -> None:
    """PostgreSQL's id sequences past the ids the bulk load chose."""
    async with ctx.db.write() as connection:
        if connection.dialect.name != "postgresql":
            return
        for table in (accounts, channels, posts, decisions, moderation_items, credentials, strikes):
            await connection.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), (SELECT max(id) FROM {table.name}))")


async def fill(ctx: Context, post_count: int, channel_count: int, item_count: int, reader_id: int,
               moderator_id: int) -> None:
    rng = random.Random(13)
    now = ctx.clock.now()
    first_owner = 1_000
    await _insert(ctx, accounts, ("id", "handle", "display_name", "password_hash", "created_at"), [
        (first_owner + i, f"owner{i:04d}", f"Owner {i}", "!", now - timedelta(days=400)) for i in range(OWNERS)])
    await _insert(ctx, channels, ("id", "handle", "name", "description", "created_at", "updated_at"), [
        (i, f"ch{i:05d}", f"Channel {i}", "A benchmark channel.", now - timedelta(days=300), now - timedelta(days=300))
        for i in range(1, channel_count + 1)])
    owner_of = {i: first_owner + i % OWNERS for i in range(1, channel_count + 1)}
    await _insert(ctx, channel_members, ("channel_id", "account_id", "role"),
                  [(i, owner, "owner") for i, owner in owner_of.items()])
    await _insert(ctx, subscriptions, ("account_id", "channel_id", "created_at"),
                  [(reader_id, i, now) for i in range(1, min(SUBSCRIBED, channel_count) + 1)])
    await _insert(ctx, credentials, ("id", "channel_id", "scope", "issuer", "granted_by", "verified_handle",
                                     "verified_name", "granted_at", "expires_at"), [
        (i, i, "news.publish", "Masthead verification (bench)", moderator_id, f"ch{i:05d}", f"Channel {i}",
         now - timedelta(days=100), now + timedelta(days=265)) for i in range(1, min(CREDENTIALED, channel_count) + 1)])
    # Every tenth post is held (with a statement of reasons and an open queue item) up to item_count of them.
    held_every = max(1, post_count // item_count) if item_count else 0
    post_rows: list[tuple[Any, ...]] = []
    body_rows: list[tuple[Any, ...]] = []
    decision_rows: list[tuple[Any, ...]] = []
    item_rows: list[tuple[Any, ...]] = []
    created = sorted(now - timedelta(seconds=rng.uniform(60, DAYS * 86400)) for _ in range(post_count))
    feed_seq = 0
    for post_id in range(1, post_count + 1):
        channel_id = (post_id - 1) % channel_count + 1
        at = created[post_id - 1]
        held = bool(held_every) and post_id % held_every == 0 and len(item_rows) < item_count
        if not held:
            feed_seq += 1
        post_rows.append((post_id, channel_id, owner_of[channel_id], f"Post {post_id}: ferry timetable",
                          "held" if held else "published", "en", [], at, None if held else at,
                          None if held else feed_seq))
        body_rows.append((post_id, BODY, f"<p>{BODY}</p>"))
        decision_rows.append((post_id, post_id, "news-credential", 3, "hold" if held else "publish", [],
                              {"post": {"lang": "en"}}, HELD_TRACE if held else [], {}, True, at, at, "0" * 64,
                              "Held: political news needs news.publish." if held else "",
                              {**HELD_STATEMENT, "puid": str(post_id)} if held else None))
        if held:
            item_rows.append((len(item_rows) + 1, "held", post_id, channel_id, post_id, "open",
                              rng.randint(1, 60_000), 2, rng.randint(0, 50_000), True, 0, at, at))
    await _insert(ctx, posts, ("id", "channel_id", "author_id", "title", "state", "lang", "labels", "created_at",
                               "published_at", "feed_seq"), post_rows)
    await _insert(ctx, post_bodies, ("post_id", "body", "body_html"), body_rows)
    await _insert(ctx, decisions, ("id", "post_id", "policy_id", "policy_version", "outcome", "labels", "facts",
                                   "trace", "versions", "automated", "created_at", "decided_for", "policy_sha256",
                                   "explanation", "statement"), decision_rows)
    await _insert(ctx, moderation_items, ("id", "kind", "post_id", "channel_id", "decision_id", "review_state",
                                          "priority", "severity", "reach", "automated_origin", "report_count",
                                          "created_at", "updated_at"), item_rows)
    await _insert(ctx, strikes, ("id", "channel_id", "post_id", "reason", "created_at", "expires_at"), [
        (1, 10, 10, "reject: political news without news.publish", now - timedelta(days=3), now + timedelta(days=87))])
    async with ctx.db.write() as connection:
        await adjust_counts_txn(connection, Counter({("held", "open"): len(item_rows)}))
    async with ctx.db.write() as connection:
        await connection.exec_driver_sql("ANALYZE")
    await _fix_sequences(ctx)


Timings = tuple[list[float], list[float]]  # wall-clock and this process's CPU time, in ms


async def measure(url: str, args: argparse.Namespace) -> list[tuple[str, Timings | str]]:
    settings = Settings(database_url=url, data_dir=tempfile.mkdtemp())
    ctx = Context.create(settings, clock=SystemClock(), hasher=PasswordHasher(time_cost=1, memory_cost=1024))
    try:
        reader, reader_token = await do_sign_up(ctx, handle="bench_reader", password="benchmark pw",
                                                display_name="Reader")
        moderator, moderator_token = await do_sign_up(ctx, handle="bench_mod", password="benchmark pw",
                                                      display_name="Moderator", roles={Role.MODERATOR})
        started = time.perf_counter()
        await fill(ctx, args.posts, args.channels, args.items, reader.id, moderator.id)
        print(f"  loaded in {time.perf_counter() - started:.0f} s")
        # The load's garbage is not the server's: collect it before measuring.
        gc.collect()
        week_start = (ctx.clock.now() - timedelta(days=7)).date().isoformat()
        today = ctx.clock.now().date().isoformat()
        pages: list[tuple[str, str, str | None]] = [
            ("front page", "/", None),
            ("feed (200 channels)", "/feed", reader_token),
            ("channel", "/c/ch00011", None),
            ("post", "/p/11", None),
            ("transparency, all time", "/transparency", None),
            ("transparency, one week", f"/transparency?since={week_start}&until={today}", None),
            ("ledger", "/c/ch00010/ledger", None),
            ("moderation queue", "/moderation", moderator_token),
            ("moderation case", "/moderation/items/1", moderator_token),
        ]
        results: list[tuple[str, Timings | str]] = []
        app = create_app(ctx, run_worker=False)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client:
            for name, path, token in pages:
                cookies = {"masthead_session": token} if token else {}
                first = await client.get(path, cookies=cookies)
                if first.status_code == 404:
                    results.append((name, f"skipped: {path} answers 404 (no such page yet)"))
                    continue
                if first.status_code != 200:
                    raise RuntimeError(f"{path}: {first.status_code} {first.text[:300]}")
                wall: list[float] = []
                cpu: list[float] = []
                for _ in range(args.requests):
                    began, began_cpu = time.perf_counter(), time.process_time()
                    response = await client.get(path, cookies=cookies)
                    wall.append((time.perf_counter() - began) * 1000)
                    cpu.append((time.process_time() - began_cpu) * 1000)
                    assert response.status_code == 200
                results.append((name, (wall, cpu)))
        return results
    finally:
        await ctx.db.dispose()


async def _postgres() -> str:
    connection = await asyncpg.connect(POSTGRES_ADMIN, timeout=3)
    try:
        await connection.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        await connection.execute(f"CREATE DATABASE {DATABASE}")
    finally:
        await connection.close()
    return f"postgresql+asyncpg://postgres@127.0.0.1:5432/{DATABASE}"


async def _drop_postgres() -> None:
    connection = await asyncpg.connect(POSTGRES_ADMIN, timeout=3)
    try:
        await connection.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
    finally:
        await connection.close()


def _p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--channels", type=int, default=10_000)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--engines", default="sqlite,postgres")
    args = parser.parse_args()
    print(f"{args.posts:,} posts, {args.channels:,} channels, {args.items:,} open moderation items; "
          f"{args.requests} requests per page, in-process; target p99 < 50 ms\n")
    table: list[str] = []
    started_load = os.getloadavg()[0]
    for engine in args.engines.split(","):
        print(f"{engine}:")
        try:
            url = (f"sqlite+aiosqlite:///{Path(tempfile.mkdtemp()) / 'pages.db'}" if engine == "sqlite"
                   else asyncio.run(_postgres()))
        except (OSError, asyncpg.PostgresError) as exc:
            table.append(f"| {engine} | unavailable: {exc} | | | | | |")
            continue
        try:
            run_migrations(url)
            for name, values in asyncio.run(measure(url, args)):
                if isinstance(values, str):
                    table.append(f"| {engine} | {name} | {values} | | | | |")
                    continue
                wall, cpu = values
                verdict = "ok" if _p99(wall) < 50 else "MISSED"
                table.append(f"| {engine} | {name} | {statistics.median(wall):.1f} | {_p99(wall):.1f} | "
                             f"{max(wall):.1f} | {statistics.median(cpu):.1f} / {_p99(cpu):.1f} | {verdict} |")
        finally:
            if engine == "postgres":
                asyncio.run(_drop_postgres())
    print("\n| engine | page | p50 ms | p99 ms | max ms | CPU p50 / p99 ms | target |\n|---|---|---|---|---|---|---|")
    print("\n".join(table))
    print(f"\nload average at the start {started_load:.1f}, at the end {os.getloadavg()[0]:.1f} "
          f"({os.cpu_count()} cores). CPU is this process's (on SQLite the database's thread is in it; on "
          "PostgreSQL the server's work is not).")


if __name__ == "__main__":
    main()
