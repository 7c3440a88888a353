"""Posts, their timelines and the outbox entry written with each accepted post."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from masthead.domain.models import Post
from masthead.domain.paging import Cursor
from masthead.domain.posts import PostState
from masthead.store.tables import channels, outbox, post_bodies, posts, subscriptions

_POST_COLUMNS = (
    posts.c.id, posts.c.channel_id, channels.c.handle.label("channel_handle"), posts.c.author_id, posts.c.title,
    post_bodies.c.body, post_bodies.c.body_html, posts.c.state, posts.c.lang, posts.c.labels, posts.c.reprint_of,
    posts.c.source_url, posts.c.original, posts.c.created_at, posts.c.published_at, posts.c.feed_seq,
)


def _post(row: sa.Row[Any]) -> Post:
    return Post(
        id=row.id, channel_id=row.channel_id, channel_handle=row.channel_handle, author_id=row.author_id,
        title=row.title, body=row.body, body_html=row.body_html, state=PostState(row.state), lang=row.lang,
        labels=tuple(row.labels), reprint_of=row.reprint_of, source_url=row.source_url, original=row.original,
        created_at=row.created_at, published_at=row.published_at, feed_seq=row.feed_seq,
    )


def _select_posts() -> sa.Select[Any]:
    return (sa.select(*_POST_COLUMNS).join(channels, channels.c.id == posts.c.channel_id)
            .join(post_bodies, post_bodies.c.post_id == posts.c.id))


async def insert_posts_txn(connection: AsyncConnection, rows: Sequence[dict[str, Any]], now: datetime) -> list[int]:
    """Store accepted posts in state `received`, each with its outbox entry, in the caller's transaction."""
    texts = [(row["body"], row["body_html"]) for row in rows]
    result = await connection.execute(
        posts.insert().returning(posts.c.id, sort_by_parameter_order=True),
        [{key: value for key, value in row.items() if key not in ("body", "body_html")}
         | {"state": PostState.RECEIVED.value, "labels": [], "created_at": now} for row in rows],
    )
    ids: list[int] = list(result.scalars())
    await connection.execute(post_bodies.insert(), [
        {"post_id": post_id, "body": body, "body_html": body_html}
        for post_id, (body, body_html) in zip(ids, texts, strict=True)
    ])
    await connection.execute(outbox.insert(), [
        {"post_id": post_id, "attempts": 0, "available_at": now, "created_at": now} for post_id in ids
    ])
    return ids


async def post_by_id(connection: AsyncConnection, post_id: int) -> Post | None:
    row = (await connection.execute(_select_posts().where(posts.c.id == post_id))).first()
    return None if row is None else _post(row)


async def post_exists(connection: AsyncConnection, post_id: int) -> bool:
    return (await connection.execute(sa.select(posts.c.id).where(posts.c.id == post_id))).first() is not None


def _newest_first(query: sa.Select[Any], cursor: Cursor | None, limit: int) -> sa.Select[Any]:
    query = query.where(posts.c.state == PostState.PUBLISHED.value)
    if cursor is not None:
        query = query.where(sa.tuple_(posts.c.feed_seq, posts.c.id) < sa.tuple_(cursor.feed_seq, cursor.post_id))
    return query.order_by(posts.c.feed_seq.desc(), posts.c.id.desc()).limit(limit)


async def channel_timeline(connection: AsyncConnection, channel_id: int, cursor: Cursor | None, limit: int) -> list[Post]:
    query = _newest_first(_select_posts().where(posts.c.channel_id == channel_id), cursor, limit)
    return [_post(row) for row in await connection.execute(query)]


async def feed(connection: AsyncConnection, account_id: int, cursor: Cursor | None, limit: int) -> list[Post]:
    """The subscribed channels' timelines merged on read; publishing writes nothing per subscriber."""
    subscribed = sa.select(subscriptions.c.channel_id).where(subscriptions.c.account_id == account_id)
    query = _newest_first(_select_posts().where(posts.c.channel_id.in_(subscribed)), cursor, limit)
    return [_post(row) for row in await connection.execute(query)]


async def recent_posts(connection: AsyncConnection, cursor: Cursor | None, limit: int) -> list[Post]:
    return [_post(row) for row in await connection.execute(_newest_first(_select_posts(), cursor, limit))]


async def count_posts_by_state(connection: AsyncConnection) -> dict[str, int]:
    rows = await connection.execute(sa.select(posts.c.state, sa.func.count()).group_by(posts.c.state))
    return {row[0]: row[1] for row in rows}


async def posts_after(
    connection: AsyncConnection, cursor: Cursor, limit: int, *, channel_ids: Sequence[int] | None = None,
    subscriber_id: int | None = None, until: Cursor | None = None,
) -> list[Post]:
    """Published posts after `cursor` (and at or before `until`) in publication order (oldest first), from the
    given channels, from a subscriber's channels, or from every channel when neither is given."""
    query = _select_posts().where(
        posts.c.state == PostState.PUBLISHED.value,
        sa.tuple_(posts.c.feed_seq, posts.c.id) > sa.tuple_(cursor.feed_seq, cursor.post_id))
    if until is not None:
        query = query.where(sa.tuple_(posts.c.feed_seq, posts.c.id) <= sa.tuple_(until.feed_seq, until.post_id))
    if channel_ids is not None:
        query = query.where(posts.c.channel_id.in_(list(channel_ids)))
    if subscriber_id is not None:
        query = query.where(posts.c.channel_id.in_(
            sa.select(subscriptions.c.channel_id).where(subscriptions.c.account_id == subscriber_id)))
    rows = await connection.execute(query.order_by(posts.c.feed_seq, posts.c.id).limit(limit))
    return [_post(row) for row in rows]


async def head_cursor(connection: AsyncConnection) -> Cursor:
    """A cursor after every post published so far (posts published and later removed lie before it; a post
    published again takes a new place in the order)."""
    row = (await connection.execute(
        sa.select(posts.c.feed_seq, posts.c.id).where(posts.c.state == PostState.PUBLISHED.value)
        .order_by(posts.c.feed_seq.desc(), posts.c.id.desc()).limit(1)
    )).first()
    return Cursor(0, 0) if row is None else Cursor(row.feed_seq, row.id)


async def post_titles(connection: AsyncConnection, post_ids: Sequence[int]) -> dict[int, str]:
    rows = await connection.execute(sa.select(posts.c.id, posts.c.title).where(posts.c.id.in_(list(post_ids))))
    return {row.id: row.title for row in rows}
