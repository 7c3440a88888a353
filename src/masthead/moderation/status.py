"""Apply a post's derived status: recompute it from its decision and moderation events and store the result."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from masthead.domain.moderation import PostStatus, derive_post_status
from masthead.domain.posts import Outcome, PostState
from masthead.store.moderation import post_events
from masthead.store.sequences import next_sequence_value_txn
from masthead.store.tables import decisions, posts


async def refresh_post_status_txn(connection: AsyncConnection, post_id: int, now: datetime) -> bool:
    """Store the status derived from the post's record; True when the post has just become visible."""
    decision = (await connection.execute(
        sa.select(decisions.c.outcome, decisions.c.labels, decisions.c.lifted_at).where(decisions.c.post_id == post_id)
        .order_by(decisions.c.id.desc()).limit(1))).first()
    current = (await connection.execute(sa.select(posts.c.state).where(posts.c.id == post_id))).scalar_one()
    if decision is None:
        decided = PostStatus(PostState(current), ())
    else:
        state = PostState.PUBLISHED if decision.lifted_at is not None else Outcome(decision.outcome).state
        decided = PostStatus(state, () if decision.lifted_at is not None else tuple(decision.labels))
    status = derive_post_status(decided, await post_events(connection, post_id))
    values: dict[str, object] = {"state": status.state.value, "labels": list(status.labels)}
    newly_published = status.state is PostState.PUBLISHED and current != PostState.PUBLISHED.value
    if newly_published:
        values.update(published_at=now, feed_seq=await next_sequence_value_txn(connection, "feed"))
    await connection.execute(posts.update().where(posts.c.id == post_id).values(**values))
    return newly_published
