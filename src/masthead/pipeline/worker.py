"""The worker loop: claim a batch from the outbox, run the stages, commit every decision in one transaction."""
from __future__ import annotations

import asyncio
import gc
import logging
import os
import socket
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta

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
    DecisionRow,
    claim_batch_txn,
    commit_decisions_txn,
    lift_expired_restrictions_txn,
    release_for_retry_txn,
)
from masthead.store.reprints import stale_signature_count

log = logging.getLogger(__name__)

# Called after a commit with the number of posts it decided or changed (live streams wake up to read them).
AfterCommit = Callable[[int], Awaitable[None]]
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

        On PostgreSQL the database server works while Python computes: the next batch is claimed and the last
        one commits in the background while a batch goes through the stages (measured with
        benchmarks/publish.py). SQLite writes inside this process, so there overlapping only contends for the
        interpreter: each batch is claimed, decided and committed in turn. Commits happen one at a time, in
        claim order."""
        overlap = not self.ctx.db.is_sqlite
        total = 0
        committing: asyncio.Task[None] | None = None
        claiming: asyncio.Task[list[ClaimedPost]] | None = None
        try:
            claimed = await self._claim()
            while claimed:
                total += len(claimed)
                more = stop is None or not stop.is_set()
                if overlap and more:
                    claiming = asyncio.create_task(self._claim())
                decided = await self._decide(claimed)
                if committing is not None:
                    await committing
                    committing = None
                committing = asyncio.create_task(self._commit(decided))
                if not overlap:
                    await committing
                    committing = None
                if claiming is not None:
                    claimed, claiming = await claiming, None
                else:
                    claimed = await self._claim() if more else []
            if committing is not None:
                await committing
                committing = None
        finally:
            # Something failed: let the batch already decided land first. A batch claimed but not decided is
            # taken up again when its lease runs out.
            await asyncio.gather(*(task for task in (committing, claiming) if task is not None),
                                 return_exceptions=True)
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

    async def _commit(self, batch: _Decided) -> None:
        now = self.ctx.clock.now()
        async with self.ctx.db.write() as connection:
            await commit_decisions_txn(connection, batch.rows, now)
            if batch.work:
                await record_decisions_txn(connection, batch.work, f"pipeline:{self.worker_id}", now,
                                           self.ctx.settings.appeal_window_days)
                await record_reprints_txn(connection, batch.work)
        metrics.PIPELINE_BATCH_SECONDS.observe(time.perf_counter() - batch.started)
        for outcome, count in Counter(row.outcome for row in batch.rows).items():
            metrics.DECISIONS.labels(outcome=outcome).inc(count)
        await self._announce(len(batch.rows))

    async def _announce(self, published: int) -> None:
        for hook in self.after_commit:
            await hook(published)

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
        freeze_startup_heap()
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


def freeze_startup_heap() -> None:
    """Put everything loaded so far (modules, models, the compiled policy, SQLAlchemy's caches) beyond the cyclic
    garbage collector. It lives as long as the process, yet every full collection would walk it again: about
    30 µs per post through the pipeline on SQLite (benchmarks/publish.py, which calls this too)."""
    gc.collect()
    gc.freeze()


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
