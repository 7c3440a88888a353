"""What a live connection follows: posts published after its position, in publication order; when signed in, its
own notices (decisions, moderation outcomes, corrections); and when it names one of its account's devices, the
private messages relayed to that device (their envelopes: ciphertext only). Server-Sent Events and WebSockets
both resume from the position of the last event received, which every event carries as its id."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from masthead.context import Context
from masthead.domain.errors import NotFound, Unauthenticated
from masthead.domain.models import Account
from masthead.domain.paging import Cursor, cursor_pattern, decode_numbers, parse_id
from masthead.messaging.service import access_own_device
from masthead.messaging.store import latest_seq
from masthead.store import channels as channel_store
from masthead.store.notifications import Notification, newest_notification_id
from masthead.store.posts import head_cursor

ALL_CHANNELS = "all"
# Notice kinds that have an event name of their own in the stream; the others arrive as "notice".
NOTICE_EVENTS = {"correction": "correction", "decision": "decision"}


@dataclass(frozen=True)
class StreamScope:
    """Which posts a connection follows (named channels, every channel, or the viewer's subscriptions), whose
    notices it carries, and which device's messages."""

    channel_ids: list[int] | None
    subscriber_id: int | None
    viewer_id: int | None
    device_id: int | None = None


@dataclass(frozen=True)
class StreamPosition:
    """The last post (feed cursor), notice id and, for a stream with a device, message seq a client has seen;
    encoded `feed_seq.post_id.notice_id[.message_seq]`."""

    feed: Cursor
    notice_id: int
    message_seq: int | None = None

    PATTERN = cursor_pattern(2, optional_parts=2)

    def encode(self) -> str:
        text = f"{self.feed.feed_seq}.{self.feed.post_id}.{self.notice_id}"
        return text if self.message_seq is None else f"{text}.{self.message_seq}"

    @classmethod
    def decode(cls, token: str) -> tuple[Cursor, int | None, int | None]:
        """The feed cursor, notice id and message seq in a stream position; the parts an older, shorter cursor
        (a plain feed cursor, or one without messages) lacks are None."""
        numbers = decode_numbers(token, (2, 3, 4))
        rest: list[int | None] = [*numbers[2:], None, None]
        return Cursor(numbers[0], numbers[1]), rest[0], rest[1]


async def head_position(connection: AsyncConnection) -> StreamPosition:
    """After every post, notice and private message committed so far."""
    return StreamPosition(await head_cursor(connection), await newest_notification_id(connection),
                          await latest_seq(connection))


async def resolve_scope(ctx: Context, viewer: Account | None, channels: str | None,
                        device: str | None = None) -> StreamScope:
    viewer_id = None if viewer is None else viewer.id
    device_id = None
    if device is not None:
        if viewer is None:
            raise Unauthenticated("sign in to receive your device's messages")
        device_id = parse_id(device)
        if device_id is None:
            raise NotFound(f"you have no device {device!r}; register this device's keys again",
                           code="device_not_found")
        await access_own_device(ctx, viewer, device_id)
    if channels == ALL_CHANNELS:
        return StreamScope(channel_ids=None, subscriber_id=None, viewer_id=viewer_id, device_id=device_id)
    if channels:
        ids = []
        async with ctx.db.read() as connection:
            for handle in channels.split(","):
                channel = await channel_store.channel_by_handle(connection, handle.strip())
                if channel is None:
                    raise NotFound(f"no channel is called {handle.strip()!r}", code="channel_not_found")
                ids.append(channel.id)
        return StreamScope(channel_ids=ids, subscriber_id=None, viewer_id=viewer_id, device_id=device_id)
    if viewer is None:
        raise Unauthenticated("sign in to follow your feed, or name channels with ?channels=a,b (or 'all')")
    return StreamScope(channel_ids=None, subscriber_id=viewer.id, viewer_id=viewer.id, device_id=device_id)


def for_scope(scope: StreamScope, position: StreamPosition) -> StreamPosition:
    """The position as this connection's events carry it: an anonymous stream has no notices (notice 0, so its
    groups share bytes), a stream without a device no messages."""
    notice_id = 0 if scope.viewer_id is None else position.notice_id
    message_seq = None if scope.device_id is None else position.message_seq
    if notice_id == position.notice_id and message_seq == position.message_seq:
        return position
    return StreamPosition(position.feed, notice_id, message_seq)


def start_position(scope: StreamScope, cursor: str | None, head: StreamPosition) -> StreamPosition | None:
    """Where a connection starts: after `cursor` (the parts an older cursor lacks resume from `head`: notices
    after a plain feed cursor, messages after a cursor without them), or None for after everything so far."""
    if not cursor:
        return None
    feed, notice_id, message_seq = StreamPosition.decode(cursor)
    return for_scope(scope, StreamPosition(feed, head.notice_id if notice_id is None else notice_id,
                                           head.message_seq if message_seq is None else message_seq))


def notice_json(notice: Notification) -> dict[str, Any]:
    return {"id": str(notice.id), "kind": notice.kind, "payload": notice.payload,
            "created_at": notice.created_at.isoformat()}
