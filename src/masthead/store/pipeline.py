"""The pipeline's reads and writes: claim outbox entries, then commit a batch's decisions in one transaction."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from masthead.domain.posts import PostState
from masthead.store.dialect import insert_ignoring_conflicts
from masthead.store.tables import decisions, outbox, posts


@dataclass(frozen=True)
class ClaimedPost:
    post_id: int
    attempts: int
    channel_id: int
    author_id: int
    title: str
    body: str
    reprint_of: int | None
    source_url: str | None
    original: bool
    created_at: datetime


@dataclass(frozen=True)
class DecisionRow:
    post_id: int
    policy_id: str
    policy_version: int
    outcome: str
    state: PostState
    lang: str | None
    labels: list[str]
    facts: dict[str, Any]
    trace: list[dict[str, Any]]
    versions: dict[str, Any]
    automated: bool


async def claim_batch_txn(
    connection: AsyncConnection, *, worker_id: str, now: datetime, lease: timedelta, limit: int
) -> list[ClaimedPost]:
    """Take up to `limit` entries nobody holds (or whose holder's lease ran out). On PostgreSQL concurrent
    workers skip each other's rows; on SQLite the write lock already serialises claims."""
    claimable = (
        sa.select(outbox.c.id)
        .where(outbox.c.available_at <= now, sa.or_(outbox.c.claimed_at.is_(None), outbox.c.claimed_at < now - lease))
        .order_by(outbox.c.id).limit(limit)
        .with_for_update(skip_locked=True)
    )
    claimed = await connection.execute(
        outbox.update().where(outbox.c.id.in_(claimable.scalar_subquery()))
        .values(claimed_at=now, claimed_by=worker_id, attempts=outbox.c.attempts + 1)
        .returning(outbox.c.post_id, outbox.c.attempts)
    )
    attempts = {row.post_id: row.attempts for row in claimed}
    if not attempts:
        return []
    rows = await connection.execute(
        sa.select(posts.c.id, posts.c.channel_id, posts.c.author_id, posts.c.title, posts.c.body, posts.c.reprint_of,
                  posts.c.source_url, posts.c.original, posts.c.created_at)
        .where(posts.c.id.in_(list(attempts))).order_by(posts.c.id)
    )
    return [
        ClaimedPost(post_id=r.id, attempts=attempts[r.id], channel_id=r.channel_id, author_id=r.author_id,
                    title=r.title, body=r.body, reprint_of=r.reprint_of, source_url=r.source_url,
                    original=r.original, created_at=r.created_at)
        for r in rows
    ]


async def commit_decisions_txn(connection: AsyncConnection, rows: Sequence[DecisionRow], now: datetime) -> None:
    """Record each post's decision and move it out of `received`, all or nothing. Safe to repeat: a post
    already decided (by a worker whose lease we outlived) keeps its first decision."""
    if not rows:
        return
    await connection.execute(insert_ignoring_conflicts(connection, decisions), [
        {"post_id": r.post_id, "policy_id": r.policy_id, "policy_version": r.policy_version, "outcome": r.outcome,
         "labels": r.labels, "facts": r.facts, "trace": r.trace, "versions": r.versions, "automated": r.automated,
         "created_at": now}
        for r in rows
    ])
    await connection.execute(
        posts.update()
        .where(posts.c.id == sa.bindparam("p_id"), posts.c.state == PostState.RECEIVED.value)
        .values(state=sa.bindparam("p_state"), lang=sa.bindparam("p_lang"), labels=sa.bindparam("p_labels"),
                published_at=sa.bindparam("p_published_at")),
        [{"p_id": r.post_id, "p_state": r.state.value, "p_lang": r.lang, "p_labels": r.labels,
          "p_published_at": now if r.state is PostState.PUBLISHED else None} for r in rows],
    )
    await connection.execute(outbox.delete().where(outbox.c.post_id.in_([r.post_id for r in rows])))


async def release_for_retry_txn(
    connection: AsyncConnection, post_id: int, *, error: str, retry_at: datetime
) -> None:
    await connection.execute(outbox.update().where(outbox.c.post_id == post_id).values(
        claimed_at=None, claimed_by=None, available_at=retry_at, last_error=error[:2000]))


async def outbox_depth(connection: AsyncConnection) -> int:
    depth: int = (await connection.execute(sa.select(sa.func.count()).select_from(outbox))).scalar_one()
    return depth
