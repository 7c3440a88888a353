"""What a publisher's pages read: the posts of the channels they publish in (every state), appeals of decisions,
and who took each step of a credential application."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from masthead.domain.posts import PostState
from masthead.store.tables import accounts, appeals, channel_members, channels, decisions, moderation_items, posts


@dataclass(frozen=True)
class MemberPost:
    id: int
    channel_handle: str
    title: str
    state: PostState
    labels: tuple[str, ...]
    created_at: datetime
    decision_id: int | None


async def posts_of_member(connection: AsyncConnection, account_id: int, before: int | None,
                          limit: int) -> list[MemberPost]:
    """Posts of every channel the account owns or writes for, newest first, in any state, with their latest
    decision (None while the pipeline has not decided them)."""
    member_of = sa.select(channel_members.c.channel_id).where(channel_members.c.account_id == account_id)
    latest = (sa.select(sa.func.max(decisions.c.id)).where(decisions.c.post_id == posts.c.id)
              .correlate(posts).scalar_subquery())
    query = (sa.select(posts.c.id, channels.c.handle, posts.c.title, posts.c.state, posts.c.labels,
                       posts.c.created_at, latest.label("decision_id"))
             .join(channels, channels.c.id == posts.c.channel_id)
             .where(posts.c.channel_id.in_(member_of)))
    if before is not None:
        query = query.where(posts.c.id < before)
    rows = await connection.execute(query.order_by(posts.c.id.desc()).limit(limit))
    return [MemberPost(row.id, row.handle, row.title, PostState(row.state), tuple(row.labels), row.created_at,
                       row.decision_id) for row in rows]


@dataclass(frozen=True)
class AppealState:
    id: int
    text: str
    created_at: datetime
    # None until decided, then "uphold" or "overturn".
    outcome: str | None
    review_state: str


async def appeal_state(connection: AsyncConnection, decision_id: int) -> AppealState | None:
    row = (await connection.execute(
        sa.select(appeals.c.id, appeals.c.text, appeals.c.created_at, appeals.c.outcome,
                  moderation_items.c.review_state)
        .join(moderation_items, moderation_items.c.id == appeals.c.item_id)
        .where(appeals.c.decision_id == decision_id))).first()
    return None if row is None else AppealState(row.id, row.text, row.created_at, row.outcome, row.review_state)


async def handles_of(connection: AsyncConnection, account_ids: Sequence[int]) -> dict[int, str]:
    rows = await connection.execute(sa.select(accounts.c.id, accounts.c.handle).where(
        accounts.c.id.in_(sorted(set(account_ids)))))
    return {row.id: row.handle for row in rows}
