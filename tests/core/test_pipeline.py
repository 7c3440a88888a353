"""The pipeline's promises: every accepted post reaches exactly one decision, whatever fails or repeats."""
from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import timedelta

import sqlalchemy as sa

from masthead.clock import FakeClock
from masthead.context import Context
from masthead.pipeline.assembly import build_stages
from masthead.pipeline.stages import PostWork
from masthead.pipeline.worker import PipelineWorker, decision_row
from masthead.settings import Settings
from masthead.store.pipeline import ClaimRequest, claim_batch_txn, commit_decisions_txn
from masthead.store.posts import insert_posts_txn
from masthead.store.tables import decisions, outbox, posts
from tests.conftest import FAST_HASHER, Api


async def _counts(ctx: Context) -> tuple[int, int, int]:
    async with ctx.db.read() as connection:
        decided = (await connection.execute(sa.select(sa.func.count()).select_from(decisions))).scalar_one()
        distinct = (await connection.execute(sa.select(sa.func.count(sa.distinct(decisions.c.post_id))))).scalar_one()
        waiting = (await connection.execute(sa.select(sa.func.count()).select_from(outbox))).scalar_one()
    return decided, distinct, waiting


async def _publish_many(api: Api, count: int) -> None:
    token = await api.sign_up("alice")
    await api.channel(token, "alice_news")
    for i in range(count):
        await api.publish(token, "alice_news", f"Post {i}", f"Body of post {i}.")


class Exploding:
    """A stage that fails for chosen posts, a set number of times each."""

    name = "test.exploding"

    def __init__(self, failures: dict[int, int]) -> None:
        self.failures = failures

    async def run(self, batch: Sequence[PostWork]) -> None:
        for work in batch:
            if self.failures.get(work.post.post_id, 0) > 0:
                self.failures[work.post.post_id] -= 1
                raise RuntimeError(f"stage failed for post {work.post.post_id}")


async def test_a_failing_post_is_retried_with_backoff_and_the_rest_go_on(api: Api, ctx: Context, clock: FakeClock) -> None:
    await _publish_many(api, 5)
    worker = PipelineWorker(ctx, [Exploding({3: 3}), *build_stages(ctx)])
    assert await worker.run_until_idle() == 5
    assert await _counts(ctx) == (4, 4, 1)
    assert await worker.run_until_idle() == 0  # not due yet: backing off
    clock.advance(seconds=2.5)
    assert await worker.run_until_idle() == 1  # second failure
    clock.advance(seconds=4.5)
    assert await worker.run_until_idle() == 1
    assert await _counts(ctx) == (5, 5, 0)
    async with ctx.db.read() as connection:
        states = set((await connection.execute(sa.select(posts.c.state))).scalars())
    assert states == {"published"}


async def test_a_post_that_always_fails_is_held_for_people(api: Api, ctx: Context, clock: FakeClock) -> None:
    await _publish_many(api, 2)
    worker = PipelineWorker(ctx, [Exploding({1: 1000}), *build_stages(ctx)])
    for _ in range(ctx.settings.pipeline_max_attempts):
        await worker.run_until_idle()
        clock.advance(seconds=400)
    assert await _counts(ctx) == (2, 2, 0)
    async with ctx.db.read() as connection:
        row = (await connection.execute(sa.select(posts.c.state).where(posts.c.id == 1))).scalar_one()
        trace = (await connection.execute(sa.select(decisions.c.trace).where(decisions.c.post_id == 1))).scalar_one()
    assert row == "held"
    assert trace[0]["rule"] == "pipeline-error" and "stage failed" in trace[0]["error"]


async def test_an_expired_lease_is_reclaimed_and_decided_once(api: Api, ctx: Context, clock: FakeClock) -> None:
    await _publish_many(api, 3)
    abandoned = PipelineWorker(ctx, build_stages(ctx), worker_id="abandoned")
    async with ctx.db.write() as connection:
        claimed = await claim_batch_txn(connection, worker_id="abandoned", now=clock.now(),
                                        lease=timedelta(seconds=30), limit=10)
    assert len(claimed) == 3
    rescuer = PipelineWorker(ctx, build_stages(ctx), worker_id="rescuer")
    assert await rescuer.run_until_idle() == 0  # the lease still holds
    clock.advance(seconds=31)
    assert await rescuer.run_until_idle() == 3
    assert await _counts(ctx) == (3, 3, 0)
    assert await abandoned.run_until_idle() == 0


async def test_committing_the_same_batch_twice_keeps_one_decision(api: Api, ctx: Context, clock: FakeClock) -> None:
    """A slow worker that outlived its lease commits after another worker already did."""
    await _publish_many(api, 4)
    async with ctx.db.write() as connection:
        slow_claim = await claim_batch_txn(connection, worker_id="slow", now=clock.now(),
                                           lease=timedelta(seconds=30), limit=10)
    clock.advance(seconds=31)
    fast = PipelineWorker(ctx, build_stages(ctx), worker_id="fast")
    assert await fast.run_until_idle() == 4
    slow_batch = [PostWork(post=post) for post in slow_claim]
    for stage in build_stages(ctx):
        await stage.run(slow_batch)
    async with ctx.db.write() as connection:
        await commit_decisions_txn(connection, [decision_row(work) for work in slow_batch], clock.now())
    assert await _counts(ctx) == (4, 4, 0)


async def test_concurrent_workers_never_decide_a_post_twice(api: Api, settings: Settings, clock: FakeClock) -> None:
    await _publish_many(api, 60)
    small_batches = Settings(**{**settings.__dict__, "pipeline_batch_size": 7})
    contexts = [Context.create(small_batches, clock=clock, hasher=FAST_HASHER) for _ in range(3)]
    try:
        workers = [PipelineWorker(c, build_stages(c), worker_id=f"w{i}") for i, c in enumerate(contexts)]
        claimed = await asyncio.gather(*(worker.run_until_idle() for worker in workers))
        assert sum(claimed) == 60
        assert await _counts(contexts[0]) == (60, 60, 0)
    finally:
        for c in contexts:
            await c.db.dispose()


async def test_a_claim_carries_every_post_exactly_as_stored(api: Api, ctx: Context, clock: FakeClock) -> None:
    """On SQLite a claim comes back as one row, the bodies end to end, cut apart by their lengths; a NUL
    character (refused by the API now, but possibly stored by older versions) makes SQLite's lengths short,
    and such a batch is read whole instead."""
    token = await api.sign_up("alice")
    await api.channel(token, "alice_news")
    bodies = ["", "中文正文，含标点。", "astral 😀 and combining e\u0301", "x" * 5000, "trailing spaces  "]
    clean = len(bodies)
    if ctx.db.is_sqlite:
        bodies.append("before\x00after")
    async with ctx.db.write() as connection:
        ids = await insert_posts_txn(connection, [
            {"channel_id": 1, "author_id": 1, "title": f"T{i}", "body": body, "body_html": "", "reprint_of": None,
             "source_url": None, "original": i % 2 == 0} for i, body in enumerate(bodies)], clock.now())
    created = clock.now()
    for attempt, limit in enumerate([clean, len(bodies)] if ctx.db.is_sqlite else [clean], start=1):
        async with ctx.db.write() as connection:
            claimed = await claim_batch_txn(connection, worker_id="w", now=clock.now(),
                                            lease=timedelta(seconds=30), limit=limit)
        assert [post.body for post in claimed] == bodies[:limit]
        assert [post.post_id for post in claimed] == ids[:limit]
        assert [post.original for post in claimed] == [i % 2 == 0 for i in range(limit)]
        assert all(post.created_at == created for post in claimed)
        assert [post.attempts for post in claimed] == [attempt] * clean + [1] * (limit - clean)
        clock.advance(seconds=31)  # the lease runs out: the next claim takes the same posts again


async def test_a_commit_can_claim_the_next_batch_in_its_transaction(api: Api, ctx: Context, clock: FakeClock) -> None:
    await _publish_many(api, 5)
    async with ctx.db.write() as connection:
        first = await claim_batch_txn(connection, worker_id="w", now=clock.now(), lease=timedelta(seconds=30), limit=2)
    batch = [PostWork(post=post) for post in first]
    for stage in build_stages(ctx):
        await stage.run(batch)
    async with ctx.db.write() as connection:
        following = (await commit_decisions_txn(connection, [decision_row(work) for work in batch], clock.now(),
                                               claim_next=ClaimRequest("w", timedelta(seconds=30), 2))).claimed
    assert [post.post_id for post in following] == [first[1].post_id + 1, first[1].post_id + 2]
    assert await _counts(ctx) == (2, 2, 3)
    async with ctx.db.read() as connection:
        held = (await connection.execute(sa.select(outbox.c.post_id).where(outbox.c.claimed_by == "w")
                                         .order_by(outbox.c.post_id))).scalars().all()
    assert held == [post.post_id for post in following]  # marked in the same transaction: nobody else takes them
