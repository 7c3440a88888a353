"""What a live connection follows: posts published after its position, in publication order, and (when signed
in) its own notices — decisions, moderation outcomes, corrections. Server-Sent Events and WebSockets both resume
from the position of the last event received, which every event carries as its id."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from masthead.context import Context
from masthead.domain.errors import NotFound, Unauthenticated
from masthead.domain.models import Account
from masthead.domain.paging import Cursor, cursor_pattern, decode_numbers
from masthead.store import channels as channel_store
from masthead.store.notifications import Notification

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


def start_position(scope: StreamScope, cursor: str | None, head: StreamPosition) -> StreamPosition | None:
    """Where a connection starts: after `cursor` (a plain feed cursor resumes notices from `head`), or None for
    after everything so far."""
    if not cursor:
        return None
    feed, notice_id = StreamPosition.decode(cursor)
    if scope.viewer_id is None:
        return StreamPosition(feed, 0)
    return StreamPosition(feed, head.notice_id if notice_id is None else notice_id)


def notice_json(notice: Notification) -> dict[str, Any]:
    return {"id": str(notice.id), "kind": notice.kind, "payload": notice.payload,
            "created_at": notice.created_at.isoformat()}
