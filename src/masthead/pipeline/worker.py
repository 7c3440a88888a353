"""The worker loop: claim a batch from the outbox, run the stages, commit every decision in one transaction."""
from __future__ import annotations

import asyncio
import gc
import logging
import os
import socket
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from masthead import metrics
from masthead.context import Context
from masthead.moderation.recording import record_decisions_txn
from masthead.reprint.minhash import index_version
from masthead.reprint.recording import record_reprints_txn
from masthead.verification.service import do_send_expiry_reminders
from masthead.pipeline.decide import pipeline_error_verdict
from masthead.pipeline.stages import PostWork, Stage
from masthead.store.pipeline import (
    ClaimedPost,
    ClaimRequest,
    DecisionRow,
    claim_batch_txn,
    commit_decisions_txn,
    lift_expired_restrictions_txn,
    release_for_retry_txn,
)
from masthead.store.reprints import stale_signature_count

log = logging.getLogger(__name__)

class AfterCommit(Protocol):
    """Called after a commit with the number of posts it decided or changed (live streams wake up to read them)
    and, when all the commit did for live streams was to publish posts, the feed_seq they took."""

    def __call__(self, changed: int, published_seq: int | None = None) -> Awaitable[None]: ...


MAINTENANCE_SECONDS = 30.0
MAX_RETRY_DELAY_SECONDS = 300.0


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True)
class _Decided:
    """A batch through the stages, waiting for its commit."""

    work: list[PostWork]
    rows: list[DecisionRow]
    started: float


class PipelineWorker:
    def __init__(
        self, ctx: Context, stages: Sequence[Stage], *, worker_id: str | None = None,
        after_commit: Sequence[AfterCommit] = (),
    ) -> None:
        self.ctx = ctx
        self.stages = list(stages)
        self.worker_id = worker_id or default_worker_id()
        self.after_commit = list(after_commit)
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Ask the loop to look at the outbox now rather than after its poll interval."""
        self._wake.set()

    async def run_once(self) -> int:
        """Claim and decide one batch; the number of posts claimed."""
        claimed = await self._claim()
        if claimed:
            await self._commit(await self._decide(claimed))
        return len(claimed)

    async def run_until_idle(self, stop: asyncio.Event | None = None) -> int:
        """Decide everything that is claimable now (or until `stop` is set); the number of posts claimed.

        The database writes while Python computes, and commits happen one at a time, in claim order. A batch
        claimed but never decided is taken up again when its lease runs out."""
        if self.ctx.db.is_sqlite:
            return await self._run_until_idle_on_sqlite(stop)
        return await self._run_until_idle_on_server(stop)

    async def _run_until_idle_on_server(self, stop: asyncio.Event | None) -> int:
        """The database server claims the next batch and commits the last one while a batch goes through the
        stages here."""
        total = 0
        committing: asyncio.Task[list[ClaimedPost]] | None = None
        claiming: asyncio.Task[list[ClaimedPost]] | None = None
        try:
            claimed = await self._claim()
            while claimed:
                total += len(claimed)
                if stop is None or not stop.is_set():
                    claiming = asyncio.create_task(self._claim())
                decided = await self._decide(claimed)
                if committing is not None:
                    await committing
                committing = asyncio.create_task(self._commit(decided))
                claimed = [] if claiming is None else await claiming
                claiming = None
            if committing is not None:
                await committing
                committing = None
        finally:
            await _settle(committing, claiming)
        return total

    async def _run_until_idle_on_sqlite(self, stop: asyncio.Event | None) -> int:
        """One connection writes, in its own thread. A batch's commit also claims the batch to decide after the
        next one, in the same transaction, and is handed to that thread before the next batch goes through the
        stages here: SQLite writes without holding the GIL meanwhile (about 30% more posts per second than
        claiming, deciding and committing in turn, measured side by side with benchmarks/publish.py)."""
        _switch_threads_often()
        total = 0
        committing: asyncio.Task[list[ClaimedPost]] | None = None
        try:
            claimed = await self._claim()
            while claimed or committing is not None:
                if not claimed:
                    assert committing is not None
                    claimed, committing = await committing, None  # what the last commit claimed, if anything
                    continue
                total += len(claimed)
                decided = await self._decide(claimed)
                more = stop is None or not stop.is_set()
                if committing is not None:
                    claimed, committing = await committing, None
                else:
                    claimed = await self._claim() if more else []
                handed_over = asyncio.Event()
                committing = asyncio.create_task(self._commit(decided, handed_over, claim_next=more))
                await _first_of(committing, handed_over)
        finally:
            await _settle(committing)
        return total

    async def _claim(self) -> list[ClaimedPost]:
        settings = self.ctx.settings
        async with self.ctx.db.write() as connection:
            return await claim_batch_txn(
                connection, worker_id=self.worker_id, now=self.ctx.clock.now(),
                lease=timedelta(seconds=settings.pipeline_lease_seconds), limit=settings.pipeline_batch_size,
            )

    async def _decide(self, claimed: list[ClaimedPost]) -> _Decided:
        started = time.perf_counter()
        decided = await self._run_stages([PostWork(post=post) for post in claimed])
        return _Decided(decided, [decision_row(work) for work in decided], started)

    async def _commit(self, batch: _Decided, handed_over: asyncio.Event | None = None, *,
                      claim_next: bool = False) -> list[ClaimedPost]:
        """Commit a decided batch; with `claim_next`, claim the next one in the same transaction and return it."""
        now = self.ctx.clock.now()
        settings = self.ctx.settings
        request = ClaimRequest(self.worker_id, timedelta(seconds=settings.pipeline_lease_seconds),
                               settings.pipeline_batch_size) if claim_next else None
        notices = 0
        async with self.ctx.db.write() as connection:
            committed = await commit_decisions_txn(connection, batch.rows, now, handed_over=handed_over,
                                                   claim_next=request)
            if batch.work:
                notices = await record_decisions_txn(connection, batch.work, f"pipeline:{self.worker_id}", now,
                                                     self.ctx.settings.appeal_window_days)
                await record_reprints_txn(connection, batch.work)
        metrics.PIPELINE_BATCH_SECONDS.observe(time.perf_counter() - batch.started)
        for outcome, count in Counter(row.outcome for row in batch.rows).items():
            metrics.DECISIONS.labels(outcome=outcome).inc(count)
        await self._announce(len(batch.rows), None if notices else committed.feed_seq)
        return committed.claimed

    async def _announce(self, changed: int, published_seq: int | None = None) -> None:
        for hook in self.after_commit:
            await hook(changed, published_seq)

    async def warn_if_reprint_index_is_stale(self) -> int:
        """Say so at start when the reprint index holds posts signed by an older index version; their number."""
        async with self.ctx.db.read() as connection:
            stale = await stale_signature_count(connection)
        if stale:
            log.warning("the reprint index holds %d posts signed by an older index version (now %s): copies of "
                        "them are not detected until you run `masthead reprint rebuild`", stale, index_version())
        return stale

    async def lift_expired_restrictions(self) -> int:
        """Lift the time-limited restrictions (a campaign's) whose end has come; the number of posts lifted."""
        async with self.ctx.db.write() as connection:
            lifted = await lift_expired_restrictions_txn(connection, self.ctx.clock.now())
        metrics.RESTRICTIONS_LIFTED.inc(len(lifted))
        await self._announce(len(lifted))
        return len(lifted)

    async def _run_stages(self, batch: list[PostWork]) -> list[PostWork]:
        if len(batch) > 1:
            try:
                for stage in self.stages:
                    await stage.run(batch)
                return batch
            except Exception:
                log.exception("pipeline batch failed; retrying its %d posts one by one", len(batch))
        return [work for work in [await self._run_alone(work) for work in batch] if work is not None]

    async def _run_alone(self, work: PostWork) -> PostWork | None:
        """One post through every stage; on failure it is retried later, or held for people once out of tries."""
        try:
            for stage in self.stages:
                await stage.run([work])
            return work
        except Exception as exc:
            metrics.PIPELINE_FAILURES.inc()
            error = f"{type(exc).__name__}: {exc}"
            if work.post.attempts >= self.ctx.settings.pipeline_max_attempts:
                work.verdict = pipeline_error_verdict(error, work.post.attempts, self.ctx.clock.now())
                return work
            delay = min(2.0 ** work.post.attempts, MAX_RETRY_DELAY_SECONDS)
            async with self.ctx.db.write() as connection:
                await release_for_retry_txn(connection, work.post.post_id, error=error,
                                            retry_at=self.ctx.clock.now() + timedelta(seconds=delay))
            return None

    async def run_forever(self, stop: asyncio.Event) -> None:
        await self.warn_if_reprint_index_is_stale()
        prepare_garbage_collector()
        poll = self.ctx.settings.pipeline_poll_seconds
        next_maintenance = 0.0
        while not stop.is_set():
            try:
                if time.monotonic() >= next_maintenance:
                    await self.lift_expired_restrictions()
                    await do_send_expiry_reminders(self.ctx)
                    next_maintenance = time.monotonic() + MAINTENANCE_SECONDS
                processed = await self.run_until_idle(stop)
            except Exception:
                log.exception("pipeline worker iteration failed; continuing after a pause")
                processed = 0
            if processed:
                continue
            self._wake.clear()
            waiters = [asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())]
            await asyncio.wait(waiters, timeout=poll, return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()


# Python's default, 5 ms, is how long a thread waiting for the GIL lets a computing thread run before asking for
# it. SQLite's thread needs the GIL briefly between statements and would wait that long each time. Measured in
# pairs of runs alternating in the same minutes (foundation stages, µs per post): 0.5 ms 39-41 against
# 0.2 ms 35-37; then 0.2 ms 35-37 against 0.1 ms 35; 0.05 ms was no better than 0.1 ms.
_SWITCH_INTERVAL_SECONDS = 0.0001


def _switch_threads_often() -> None:
    if sys.getswitchinterval() > _SWITCH_INTERVAL_SECONDS:
        sys.setswitchinterval(_SWITCH_INTERVAL_SECONDS)


async def _settle(*tasks: asyncio.Task[Any] | None) -> None:
    """After a failure: let a batch already decided land (or fail) before the error goes on."""
    await asyncio.gather(*(task for task in tasks if task is not None), return_exceptions=True)


async def _first_of(task: asyncio.Task[Any], event: asyncio.Event) -> None:
    """Until `event` is set or `task` ends, whichever comes first."""
    waiting = asyncio.ensure_future(event.wait())
    try:
        await asyncio.wait([task, waiting], return_when=asyncio.FIRST_COMPLETED)
    finally:
        waiting.cancel()


def prepare_garbage_collector() -> None:
    """Set the cyclic garbage collector up for deciding batches. Everything loaded so far (modules, models, the
    compiled policy, SQLAlchemy's caches) is frozen beyond its reach: it lives as long as the process, yet every
    full collection would walk it again (about 30 µs per post on SQLite). And as each batch allocates tens of
    thousands of objects that mostly die with it, the youngest generation is collected every 10,000
    allocations rather than 700 (about 1 µs of ~35 per post). Both measured with benchmarks/publish.py, which
    calls this too."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)


def decision_row(work: PostWork) -> DecisionRow:
    verdict = work.verdict
    if verdict is None:
        raise RuntimeError(f"post {work.post.post_id} left the stages without a verdict")
    return DecisionRow(
        post_id=work.post.post_id, policy_id=verdict.policy_id, policy_version=verdict.policy_version,
        outcome=verdict.outcome.value, state=verdict.outcome.state, lang=work.facts.get("post", {}).get("lang"),
        labels=verdict.labels, facts=work.facts, trace=verdict.trace, versions=work.versions,
        automated=verdict.automated, decided_for=verdict.at, policy_sha256=verdict.policy_sha256,
        explanation=verdict.explanation, statement=verdict.statement,
        restriction_ends_at=verdict.restriction_ends_at, campaign_actions=list(verdict.campaign_actions),
    )
