"""What the pipeline's commit adds for people: an item in the held queue, a notice with the reasons and how to
appeal, and one audit entry per batch. Runs inside the batch's transaction."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from masthead.domain.moderation import ItemKind
from masthead.domain.posts import Outcome
from masthead.pipeline.stages import PostWork
from masthead.store.audit import append_audit_txn
from masthead.store.moderation import insert_items_txn
from masthead.store.notifications import do_notify_txn
from masthead.store.tables import decisions, subscriptions

APPEAL_HINT = "You may appeal this decision within {days} days: POST /api/v1/decisions/{decision_id}/appeals."


def item_priority(severity: int, reach: int, *, automated_appeal: bool = False) -> int:
    """Appeals of fully automated decisions first, then severity, then how many people the post reaches."""
    return (100_000 if automated_appeal else 0) + severity * 10_000 + min(reach, 9_999)


async def record_decisions_txn(connection: AsyncConnection, works: Sequence[PostWork], actor: str,
                               now: datetime, appeal_window_days: int) -> int:
    """Record what the decisions add for people; the number of notices written."""
    restricted = [w for w in works if w.verdict is not None and w.verdict.outcome is not Outcome.PUBLISH]
    if restricted:
        ids = dict((await connection.execute(
            sa.select(decisions.c.post_id, decisions.c.id).where(
                decisions.c.post_id.in_([w.post.post_id for w in restricted]))
            .order_by(decisions.c.id))).all())
        reach: dict[int, int] = dict((await connection.execute(
            sa.select(subscriptions.c.channel_id, sa.func.count()).where(
                subscriptions.c.channel_id.in_({w.post.channel_id for w in restricted}))
            .group_by(subscriptions.c.channel_id))).all())
        held = []
        for work in restricted:
            verdict = work.verdict
            assert verdict is not None
            severity = max((entry.get("severity", 1) for entry in verdict.trace if entry.get("enforced", True)),
                           default=1)
            if verdict.outcome is Outcome.HOLD:
                held.append({"kind": ItemKind.HELD.value, "post_id": work.post.post_id,
                             "channel_id": work.post.channel_id, "decision_id": ids.get(work.post.post_id),
                             "priority": item_priority(severity, reach.get(work.post.channel_id, 0)),
                             "severity": severity, "reach": reach.get(work.post.channel_id, 0),
                             "automated_origin": True})
            await do_notify_txn(connection, work.post.author_id, "decision", {
                "post_id": str(work.post.post_id), "decision_id": str(ids.get(work.post.post_id)),
                "outcome": verdict.outcome.value, "labels": verdict.labels, "explanation": verdict.explanation,
                "restriction_ends_at": verdict.restriction_ends_at.isoformat() if verdict.restriction_ends_at else None,
                "appeal": APPEAL_HINT.format(days=appeal_window_days, decision_id=ids.get(work.post.post_id)),
            }, now)
        await insert_items_txn(connection, held, now)
    by_outcome: dict[str, list[int]] = defaultdict(list)
    for work in works:
        if work.verdict is not None:
            by_outcome[work.verdict.outcome.value].append(work.post.post_id)
    await append_audit_txn(connection, actor=actor, action="pipeline.decide",
                           subject=f"posts:{works[0].post.post_id}-{works[-1].post.post_id}" if works else "posts:",
                           payload={"outcomes": by_outcome}, now=now)
    return len(restricted)
