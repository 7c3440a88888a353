"""The posts of one committed batch, carried in its Redis ping so that receiving hubs need not read them.

A pipeline commit that publishes takes one value `s` of the feed counter and gives it to every post it publishes
(masthead.domain.paging): the posts with feed_seq `s` are exactly that commit's, and a hub that has delivered
everything up to `s - 1` is exactly contiguous with them. The publisher reads those posts back after its commit
with the same query the hub would run, encodes each as its `post` event data once, and sends them as:

    {"feed_seq": s, "posts": [[post_id, channel_id, data_length], ...]}\\n<data><data>...

Over `limit` bytes (or past `max_posts`) it sends the plain ping instead, and nodes read from the database."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncConnection

from masthead.domain.models import Post
from masthead.domain.paging import Cursor
from masthead.store import posts as post_store
from masthead.verification.service import badges_for

PostJson = Callable[[Post, list[dict[str, Any]]], bytes]
# Above every post id, so Cursor(s - 1, LAST_ID) < every post of feed_seq s <= Cursor(s, LAST_ID).
LAST_ID = 2**63 - 1


@dataclass(frozen=True)
class PostEvent:
    """A published post as the hub delivers it: its place in the feed, its channel, its event data."""

    cursor: Cursor
    channel_id: int
    data: bytes


@dataclass(frozen=True)
class Published:
    """Every post published with one feed_seq, from a ping."""

    feed_seq: int
    posts: list[PostEvent]


async def read_post_events(connection: AsyncConnection, after: Cursor, limit: int, now: datetime,
                           post_json: PostJson, *, until: Cursor | None = None) -> list[PostEvent]:
    """Published posts after `after` (up to `until`), oldest first, with their channels' badges, as events."""
    posts = await post_store.posts_after(connection, after, limit, until=until)
    if not posts:
        return []
    badges = await badges_for(connection, sorted({post.channel_id for post in posts}), now)
    return [PostEvent(_cursor(post), post.channel_id, post_json(post, badges.get(post.channel_id, [])))
            for post in posts]


async def read_published(connection: AsyncConnection, feed_seq: int, now: datetime, post_json: PostJson, *,
                         max_posts: int, limit: int) -> tuple[Published, bytes] | None:
    """The posts published with `feed_seq` and their payload, or None when they do not fit."""
    events = await read_post_events(connection, Cursor(feed_seq - 1, LAST_ID), max_posts + 1, now, post_json,
                                    until=Cursor(feed_seq, LAST_ID))
    if len(events) > max_posts:
        return None
    published = Published(feed_seq, events)
    message = encode(published)
    return (published, message) if len(message) <= limit else None


def encode(published: Published) -> bytes:
    header = orjson.dumps({"feed_seq": published.feed_seq, "posts": [
        [event.cursor.post_id, event.channel_id, len(event.data)] for event in published.posts]})
    return b"".join([header, b"\n", *(event.data for event in published.posts)])


def decode(message: bytes) -> Published | None:
    """The posts in a ping, or None for a plain ping (or anything this node cannot read: it reads the database)."""
    if not message.startswith(b"{"):
        return None
    header, _, body = message.partition(b"\n")
    try:
        parsed = orjson.loads(header)
        feed_seq = parsed["feed_seq"]
        events = []
        offset = 0
        for post_id, channel_id, length in parsed["posts"]:
            events.append(PostEvent(Cursor(feed_seq, post_id), channel_id, body[offset:offset + length]))
            offset += length
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
        return None
    if offset != len(body) or not isinstance(feed_seq, int):
        return None
    return Published(feed_seq, events)


def _cursor(post: Post) -> Cursor:
    assert post.feed_seq is not None
    return Cursor(post.feed_seq, post.id)

