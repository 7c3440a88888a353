"""What a live connection receives: posts published after its cursor, in publication order, then more as
they come. The same generator serves Server-Sent Events and WebSockets; both resume from a cursor."""
from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from masthead.context import Context
from masthead.domain.errors import NotFound, Unauthenticated
from masthead.domain.models import Account, Post
from masthead.domain.paging import Cursor
from masthead.live.hub import Hub
from masthead.store import channels as channel_store
from masthead.store import posts as store

BATCH = 100
ALL_CHANNELS = "all"


@dataclass(frozen=True)
class StreamScope:
    """Which posts a connection follows: named channels, every channel, or the viewer's subscriptions."""

    channel_ids: list[int] | None
    subscriber_id: int | None


@dataclass(frozen=True)
class StreamEvent:
    kind: str
    cursor: str
    post: Post | None = None


async def resolve_scope(ctx: Context, viewer: Account | None, channels: str | None) -> StreamScope:
    if channels == ALL_CHANNELS:
        return StreamScope(channel_ids=None, subscriber_id=None)
    if channels:
        ids = []
        async with ctx.db.read() as connection:
            for handle in channels.split(","):
                channel = await channel_store.channel_by_handle(connection, handle.strip())
                if channel is None:
                    raise NotFound(f"no channel is called {handle.strip()!r}", code="channel_not_found")
                ids.append(channel.id)
        return StreamScope(channel_ids=ids, subscriber_id=None)
    if viewer is None:
        raise Unauthenticated("sign in to follow your feed, or name channels with ?channels=a,b (or 'all')")
    return StreamScope(channel_ids=None, subscriber_id=viewer.id)


async def start_cursor(ctx: Context, cursor: str | None) -> Cursor:
    if cursor:
        return Cursor.decode(cursor)
    async with ctx.db.read() as connection:
        return await store.head_cursor(connection)


async def stream_posts(ctx: Context, hub: Hub, scope: StreamScope, cursor: Cursor) -> AsyncIterator[StreamEvent]:
    """Endless: posts after `cursor`, then a heartbeat whenever nothing happened for a while."""
    settings = ctx.settings
    seen = hub.version
    idle = 0.0
    while True:
        async with ctx.db.read() as connection:
            posts = await store.posts_after(connection, cursor, BATCH, channel_ids=scope.channel_ids,
                                            subscriber_id=scope.subscriber_id)
        for post in posts:
            assert post.feed_seq is not None
            cursor = Cursor(post.feed_seq, post.id)
            yield StreamEvent(kind="post", cursor=cursor.encode(), post=post)
        if len(posts) == BATCH:
            continue
        if posts:
            idle = 0.0
        # Without a wake-up (another process decided, no Redis) the database is polled now and then.
        wait = min(settings.live_poll_seconds, settings.live_heartbeat_seconds)
        before = seen
        seen = await hub.wait(seen, wait)
        idle = 0.0 if seen != before else idle + wait
        if idle >= settings.live_heartbeat_seconds:
            idle = 0.0
            yield StreamEvent(kind="heartbeat", cursor=cursor.encode())


def event_payload(event: StreamEvent, post_json: dict[str, Any] | None) -> dict[str, Any]:
    return {"event": event.kind, "id": event.cursor, "data": post_json}
