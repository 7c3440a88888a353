"""What a live connection receives: posts published after its position, in publication order, and (when signed
in) its own notices — decisions, moderation outcomes, corrections — then more as they come. The same generator
serves Server-Sent Events and WebSockets; both resume from the position of the last event received."""
from __future__ import annotations

from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from typing import Any

from masthead.context import Context
from masthead.domain.errors import NotFound, Unauthenticated
from masthead.domain.models import Account, Post
from masthead.domain.paging import Cursor, cursor_pattern, decode_numbers
from masthead.live.hub import Hub
from masthead.store import channels as channel_store
from masthead.store import posts as store
from masthead.store.notifications import Notification, latest_notification_id, notifications_after
from masthead.verification.service import badges_for

BATCH = 100
ALL_CHANNELS = "all"
# Notice kinds that have an event name of their own in the stream; the others arrive as "notice".
NOTICE_EVENTS = {"correction": "correction", "decision": "decision"}


@dataclass(frozen=True)
class StreamScope:
    """Which posts a connection follows (named channels, every channel, or the viewer's subscriptions), and
    whose notices it carries."""

    channel_ids: list[int] | None
    subscriber_id: int | None
    viewer_id: int | None


@dataclass(frozen=True)
class StreamPosition:
    feed: Cursor
    notice_id: int

    PATTERN = cursor_pattern(2, optional_parts=1)

    def encode(self) -> str:
        return f"{self.feed.feed_seq}.{self.feed.post_id}.{self.notice_id}"

    @classmethod
    def decode(cls, token: str) -> tuple[Cursor, int | None]:
        """The feed cursor and notice id in a stream position, or a plain feed cursor (notice id None)."""
        numbers = decode_numbers(token, (2, 3))
        return Cursor(numbers[0], numbers[1]), numbers[2] if len(numbers) == 3 else None


@dataclass(frozen=True)
class StreamEvent:
    kind: str
    cursor: str
    post: Post | None = None
    notice: Notification | None = None
    badges: list[dict[str, Any]] = field(default_factory=list)


async def resolve_scope(ctx: Context, viewer: Account | None, channels: str | None) -> StreamScope:
    viewer_id = None if viewer is None else viewer.id
    if channels == ALL_CHANNELS:
        return StreamScope(channel_ids=None, subscriber_id=None, viewer_id=viewer_id)
    if channels:
        ids = []
        async with ctx.db.read() as connection:
            for handle in channels.split(","):
                channel = await channel_store.channel_by_handle(connection, handle.strip())
                if channel is None:
                    raise NotFound(f"no channel is called {handle.strip()!r}", code="channel_not_found")
                ids.append(channel.id)
        return StreamScope(channel_ids=ids, subscriber_id=None, viewer_id=viewer_id)
    if viewer is None:
        raise Unauthenticated("sign in to follow your feed, or name channels with ?channels=a,b (or 'all')")
    return StreamScope(channel_ids=None, subscriber_id=viewer.id, viewer_id=viewer.id)


async def start_position(ctx: Context, scope: StreamScope, cursor: str | None) -> StreamPosition:
    """Where to start: after `cursor`, or after everything so far."""
    feed, notice_id = StreamPosition.decode(cursor) if cursor else (None, None)
    async with ctx.db.read() as connection:
        if feed is None:
            feed = await store.head_cursor(connection)
        if notice_id is None:
            notice_id = 0 if scope.viewer_id is None else await latest_notification_id(connection, scope.viewer_id)
    return StreamPosition(feed, notice_id)


async def stream_events(ctx: Context, hub: Hub, scope: StreamScope,
                        position: StreamPosition) -> AsyncGenerator[StreamEvent, None]:
    """Endless: what happened after `position`, then a heartbeat whenever nothing happened for a while."""
    settings = ctx.settings
    seen = hub.version
    idle = 0.0
    while True:
        async with ctx.db.read() as connection:
            posts = await store.posts_after(connection, position.feed, BATCH, channel_ids=scope.channel_ids,
                                            subscriber_id=scope.subscriber_id)
            notices = [] if scope.viewer_id is None else await notifications_after(
                connection, scope.viewer_id, position.notice_id, BATCH)
            badges = await badges_for(connection, sorted({post.channel_id for post in posts}),
                                      ctx.clock.now()) if posts else {}
        for post in posts:
            assert post.feed_seq is not None
            position = StreamPosition(Cursor(post.feed_seq, post.id), position.notice_id)
            yield StreamEvent(kind="post", cursor=position.encode(), post=post, badges=badges[post.channel_id])
        for notice in notices:
            position = StreamPosition(position.feed, notice.id)
            yield StreamEvent(kind=NOTICE_EVENTS.get(notice.kind, "notice"), cursor=position.encode(), notice=notice)
        if len(posts) == BATCH or len(notices) == BATCH:
            continue
        if posts or notices:
            idle = 0.0
        # Without a wake-up (another process decided, no Redis) the database is polled now and then.
        wait = min(settings.live_poll_seconds, settings.live_heartbeat_seconds)
        before = seen
        seen = await hub.wait(seen, wait)
        idle = 0.0 if seen != before else idle + wait
        if idle >= settings.live_heartbeat_seconds:
            idle = 0.0
            yield StreamEvent(kind="heartbeat", cursor=position.encode())


def notice_json(notice: Notification) -> dict[str, Any]:
    return {"id": str(notice.id), "kind": notice.kind, "payload": notice.payload,
            "created_at": notice.created_at.isoformat()}
