"""The node's live hub: one reader per node takes each committed batch once, from the database after a wake-up
(the pipeline or a private message sent in this process, or a Redis ping from another), encodes each event once,
and writes the same bytes to every local connection that should see it. A ping that carries its batch's posts
(masthead.live.payload) is delivered without a read when it continues exactly from what the hub delivered last;
anything else (a plain ping, a gap, a poll) is read from the database by cursor.

Connections that follow the same thing with the same wire and resume position form a group; a batch costs one
encoding per event, one packing per group and one non-blocking write per connection. A connection starts by
catching up from the database by its cursor (so a reconnect misses nothing), then joins its group at the exact
position the hub has read up to. A connection whose unsent bytes pass the bound is dropped with a reason; it
never slows the others. Heartbeats come from one timer for the whole node.

Notices and private messages go to fewer connections: one read per batch takes the new notices of every connected
account and the new envelopes of every connected device, and each goes to its own account's or device's
connections, which then move to the group of their new position."""
from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import AsyncIterator, Collection, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from typing import Any

import orjson
from starlette.types import Receive

from masthead import metrics
from masthead.context import Context
from masthead.domain.models import Post
from masthead.domain.paging import Cursor
from masthead.live.outlet import GONE, Outlet, QueueOutlet, is_disconnect
from masthead.live.payload import PostEvent, PostJson, Published, read_post_events
from masthead.live.stream import (
    NOTICE_EVENTS,
    StreamPosition,
    StreamScope,
    for_scope,
    head_position,
    notice_json,
)
from masthead.live.wire import Wire
from masthead.messaging.store import Envelope, envelopes_after, envelopes_between, latest_seq
from masthead.messaging.views import envelope_view
from masthead.store import posts as post_store
from masthead.store.channels import subscriptions_among
from masthead.store.notifications import (
    Notification,
    newest_notification_id,
    notifications_after,
    notifications_between,
)
from masthead.verification.service import badges_for

log = logging.getLogger(__name__)

BATCH = 100
# Up to this many connected accounts (devices), a read asks only for their notices and subscriptions (their
# envelopes); past it, for all.
FILTER_ACCOUNTS_UP_TO = 500
SHUTDOWN = "shutdown"

ScopeKey = tuple[Any, ...]


class Listener:
    """One connection as the hub sees it."""

    __slots__ = ("scope", "key", "wire", "outlet", "position", "group", "ended", "epoch")

    def __init__(self, scope: StreamScope, wire: Wire, outlet: Outlet) -> None:
        self.scope = scope
        self.key = scope_key(scope)
        self.wire = wire
        self.outlet = outlet
        self.position: StreamPosition | None = None  # while catching up; then the group's
        self.group: Group | None = None
        self.ended: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self.epoch = 0

    def end(self, reason: str) -> None:
        if not self.ended.done():
            self.ended.set_result(reason)


class Group:
    """Connections that receive the same bytes: same scope, wire, outlet kind, notice and message position."""

    __slots__ = ("key", "channels", "account_id", "notice_id", "message_seq", "feed", "members", "last_sent")

    def __init__(self, key: tuple[Any, ...], scope: ScopeKey, position: StreamPosition) -> None:
        self.key = key
        self.channels: frozenset[int] | None = frozenset(scope[1]) if scope[0] == "channels" else None
        self.account_id: int | None = scope[1] if scope[0] == "feed" else None
        self.notice_id = position.notice_id
        self.message_seq = position.message_seq
        self.feed = position.feed
        self.members: set[Listener] = set()
        self.last_sent = time.monotonic()

    def cursor(self) -> str:
        return StreamPosition(self.feed, self.notice_id, self.message_seq).encode()

    def wants(self, posts: Sequence[PostEvent], subscribed: dict[int, set[int]]) -> list[int]:
        if self.channels is not None:
            return [i for i, post in enumerate(posts) if post.channel_id in self.channels]
        if self.account_id is not None:
            channels = subscribed.get(self.account_id, set())
            return [i for i, post in enumerate(posts) if post.channel_id in channels]
        return list(range(len(posts)))


def scope_key(scope: StreamScope) -> ScopeKey:
    if scope.subscriber_id is not None:
        return ("feed", scope.subscriber_id)
    if scope.channel_ids is None:
        return ("all",)
    return ("channels", tuple(sorted(set(scope.channel_ids))))


@dataclass
class Batch:
    posts: list[PostEvent]
    subscribed: dict[int, set[int]]
    notices: list[tuple[int, Notification]]
    envelopes: list[tuple[int, Envelope]]
    position: StreamPosition
    full: bool


@dataclass
class HubStats:
    reads: int = 0  # trips to the database for new events (catch-ups of single connections not counted)
    batches: int = 0
    payloads: int = 0  # batches delivered from a ping's payload, without reading them
    events: int = 0
    deliveries: int = 0
    writes: int = 0
    heartbeats: int = 0
    dropped: Counter[str] = field(default_factory=Counter)


class Hub:
    def __init__(self, ctx: Context, post_json: PostJson) -> None:
        self.ctx = ctx
        self.post_json = post_json
        self.position: StreamPosition | None = None
        self.version = 0
        self.stats = HubStats()
        self.groups: dict[tuple[Any, ...], Group] = {}
        self._viewers: dict[int, set[Listener]] = {}
        self._accounts: Counter[int] = Counter()  # viewers of every registered listener, joined or catching up
        self._feed_accounts: Counter[int] = Counter()
        self._devices: Counter[int] = Counter()  # like _accounts, for the devices that streams name
        self._device_listeners: dict[int, set[Listener]] = {}
        self._ring = asyncio.Event()
        self._must_read = True
        self._offered: list[Published] = []
        # The feed_seq up to which every published post has been delivered; None after a read that stopped
        # at its batch limit (the posts of one feed_seq may go on).
        self._through: int | None = None
        self._advanced = asyncio.Event()
        self._reading = False
        self._read_epoch = 0
        self.connections = 0
        self._listeners: set[Listener] = set()
        self._ending: str | None = None

    # -- wake-ups --------------------------------------------------------------------------------------------

    def notify(self) -> None:
        """Something was committed: read it (one read for the whole node, however many rings)."""
        self.version += 1
        self._must_read = True
        self._ring.set()

    def offer(self, published: Published) -> None:
        """A batch of posts was committed, and here they are: deliver them without a read if they continue
        exactly from the hub's position, else read."""
        self.version += 1
        self._offered.append(published)
        self._ring.set()

    async def start(self) -> None:
        """Begin after everything committed so far."""
        async with self.ctx.db.read() as connection:
            self.position = await head_position(connection)
        self._through = self.position.feed.feed_seq

    async def run(self, stop: asyncio.Event) -> None:
        """Read and deliver after every ring, poll now and then (other processes without Redis), send the
        heartbeats; until `stop` is set, then end every connection."""
        if self.position is None:
            await self.start()
        settings = self.ctx.settings
        next_heartbeat = time.monotonic() + settings.live_heartbeat_seconds
        stopping = asyncio.ensure_future(stop.wait())
        try:
            while not stop.is_set():
                timeout = max(0.0, min(settings.live_poll_seconds, next_heartbeat - time.monotonic()))
                ring = asyncio.ensure_future(self._ring.wait())
                await asyncio.wait([ring, stopping], timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
                if not ring.done():
                    self._must_read = True  # a poll: whatever a lost ping announced is read now
                ring.cancel()
                if stop.is_set():
                    break
                try:
                    await self.advance()
                except Exception:  # a failed read is retried at the next ring or poll
                    log.exception("live hub could not read new events")
                if time.monotonic() >= next_heartbeat:
                    self.heartbeat(settings.live_heartbeat_seconds)
                    next_heartbeat = time.monotonic() + settings.live_heartbeat_seconds
        finally:
            stopping.cancel()
            for group in list(self.groups.values()):
                for listener in list(group.members):
                    listener.end(SHUTDOWN)

    async def advance(self) -> int:
        """Deliver what was committed since the hub's position: from the pings' payloads that continue it
        exactly, else read from the database; the number of events."""
        self._ring.clear()
        try:
            return await self._advance()
        except BaseException:
            self._must_read = True  # at the next ring or poll, whatever this did not deliver is read
            raise

    async def _advance(self) -> int:
        events = 0
        while True:
            if self._must_read:
                self._must_read = False
                events += await self._read_all()
            if not self._offered:
                return events
            offered, self._offered = sorted(self._offered, key=lambda published: published.feed_seq), []
            for i, published in enumerate(offered):
                if self._through is not None and published.feed_seq <= self._through:
                    continue  # read already (pings from several committers arrive in any order)
                if self._through != published.feed_seq - 1:
                    # A gap: a ping lost or still on its way, or a read cut at its batch limit.
                    self._must_read = True
                    self._offered[:0] = offered[i:]
                    break
                events += await self._apply(published)

    async def _read_all(self) -> int:
        events = 0
        while True:
            batch = await self._read()
            if batch is None:
                return events
            events += len(batch.posts) + len(batch.notices) + len(batch.envelopes)
            self._dispatch(batch)
            if not batch.full:
                return events

    async def _apply(self, published: Published) -> int:
        """Deliver a payload that continues the hub's position exactly; only signed-in feeds need a read (which
        of their accounts subscribe to the posts' channels)."""
        subscribed: dict[int, set[int]] = {}
        if published.posts and self._feed_accounts:
            async with self._round():
                feed_accounts = self._filter(self._feed_accounts)
                async with self.ctx.db.read() as connection:
                    subscribed = await self._subscribed(connection, published.posts, feed_accounts)
            self._count_read()
        assert self.position is not None
        position = self.position if not published.posts else StreamPosition(
            published.posts[-1].cursor, self.position.notice_id, self.position.message_seq)
        # Counted before the writes, as a read is, so that whoever receives the events sees them counted.
        self._through = published.feed_seq
        self.stats.payloads += 1
        metrics.LIVE_PAYLOAD_BATCHES.inc()
        self._dispatch(Batch(published.posts, subscribed, [], [], position, full=False))
        self._moved()
        return len(published.posts)

    # -- reading ---------------------------------------------------------------------------------------------

    async def _read(self) -> Batch | None:
        assert self.position is not None, "start the hub first"
        position = self.position
        async with self._round():
            accounts = self._filter(self._accounts)
            feed_accounts = self._filter(self._feed_accounts)
            devices = self._filter(self._devices)
            # With no device connected, messages are not followed (their position is None) until one connects.
            follows_messages = bool(self._devices)
            async with self.ctx.db.read() as connection:
                posts = await read_post_events(connection, position.feed, BATCH, self.ctx.clock.now(),
                                               self.post_json)
                subscribed = await self._subscribed(connection, posts, feed_accounts) \
                    if posts and self._feed_accounts else {}
                newest = await newest_notification_id(connection)
                notices = await notifications_between(connection, position.notice_id, newest, accounts, BATCH) \
                    if self._accounts and newest > position.notice_id else []
                envelopes: list[tuple[int, Envelope]] = []
                newest_seq = message_seq = None
                if follows_messages:
                    newest_seq = message_seq = max(await latest_seq(connection), position.message_seq or 0)
                    if position.message_seq is not None and newest_seq > position.message_seq:
                        envelopes, message_seq = await envelopes_between(
                            connection, position.message_seq, newest_seq, devices, BATCH)
        # Listeners waiting to join run after this batch is dispatched (no await in between).
        self._count_read()
        notice_full = len(notices) == BATCH
        notice_id = notices[-1][1].id if notice_full else max(newest, position.notice_id)
        feed = position.feed if not posts else posts[-1].cursor
        self._through = None if len(posts) == BATCH else max(self._through or 0, feed.feed_seq)
        if not posts and not notices and not envelopes and notice_id == position.notice_id \
                and message_seq == position.message_seq:
            return None
        messages_full = message_seq is not None and newest_seq is not None and message_seq < newest_seq
        return Batch(posts, subscribed, notices, envelopes, StreamPosition(feed, notice_id, message_seq),
                     full=len(posts) == BATCH or notice_full or messages_full)

    @asynccontextmanager
    async def _round(self) -> AsyncIterator[None]:
        """A read of new events: listeners that register meanwhile wait for the next before they join, as this
        one may not cover their accounts or devices."""
        self._reading = True
        self._read_epoch += 1
        try:
            yield
        finally:
            self._reading = False
            self._moved()

    def _moved(self) -> None:
        """Wake the listeners waiting for the hub's position to move."""
        self._advanced.set()
        self._advanced = asyncio.Event()

    def _count_read(self) -> None:
        self.stats.reads += 1
        metrics.LIVE_HUB_READS.inc()

    @staticmethod
    async def _subscribed(connection: Any, posts: Sequence[PostEvent],
                          feed_accounts: Collection[int] | None) -> dict[int, set[int]]:
        """Which of the signed-in feeds' accounts subscribe to which of the posts' channels."""
        subscribed: dict[int, set[int]] = {}
        channel_ids = sorted({post.channel_id for post in posts})
        for account_id, channel_id in await subscriptions_among(connection, channel_ids, feed_accounts):
            subscribed.setdefault(account_id, set()).add(channel_id)
        return subscribed

    @staticmethod
    def _filter(accounts: Counter[int]) -> Collection[int] | None:
        return list(accounts) if len(accounts) <= FILTER_ACCOUNTS_UP_TO else None

    # -- delivering ------------------------------------------------------------------------------------------

    def _dispatch(self, batch: Batch) -> None:
        """Deliver a batch to every joined connection and move the hub's position, without awaiting anything:
        a connection joins either before a batch or after it, never in the middle."""
        dropped: list[tuple[Listener, str]] = []
        if batch.posts:
            self._dispatch_posts(batch, dropped)
        for account_id, notice in batch.notices:
            listeners = self._viewers.get(account_id)
            if listeners:
                self._dispatch_one(listeners, NOTICE_EVENTS.get(notice.kind, "notice"), notice_data(notice),
                                   notice_id=notice.id, dropped=dropped)
        for device_id, envelope in batch.envelopes:
            listeners = self._device_listeners.get(device_id)
            if listeners:
                self._dispatch_one(listeners, "message", envelope_data(envelope), message_seq=envelope.seq,
                                   dropped=dropped)
        self.position = batch.position
        self.stats.batches += 1
        self.stats.events += len(batch.posts) + len(batch.notices) + len(batch.envelopes)
        for listener, reason in dropped:
            self._drop(listener, reason)

    def _dispatch_posts(self, batch: Batch, dropped: list[tuple[Listener, str]]) -> None:
        posts = batch.posts
        data = [post.data for post in posts]
        cursors = [post.cursor for post in posts]
        messages: dict[tuple[str, int, int | None, int], bytes] = {}
        now = time.monotonic()
        for group in self.groups.values():
            wanted = group.wants(posts, batch.subscribed)
            if not wanted or not group.members:
                continue
            first = next(iter(group.members))
            wire = first.wire
            parts = []
            for i in wanted:
                key = (wire.name, group.notice_id, group.message_seq, i)
                message = messages.get(key)
                if message is None:
                    cursor = StreamPosition(cursors[i], group.notice_id, group.message_seq).encode()
                    message = messages[key] = wire.message("post", cursor, data[i])
                parts.append(message)
            group.feed = cursors[wanted[-1]]
            group.last_sent = now
            self._send_to_group(group, first.outlet.pack(parts), len(parts), dropped)

    def _send_to_group(self, group: Group, packed: Any, events: int, dropped: list[tuple[Listener, str]]) -> None:
        for listener in group.members:
            reason = listener.outlet.deliver(packed)
            if reason is not None:
                dropped.append((listener, reason))
        self.stats.writes += len(group.members)
        self.stats.deliveries += len(group.members) * events

    def _dispatch_one(self, listeners: set[Listener], kind: str, data: bytes, *, notice_id: int | None = None,
                      message_seq: int | None = None, dropped: list[tuple[Listener, str]]) -> None:
        """A notice (a message) to its account's (its device's) connections, each of which then moves to the
        group of its new position."""
        for listener in list(listeners):
            group = listener.group
            assert group is not None
            position = StreamPosition(group.feed, group.notice_id if notice_id is None else notice_id,
                                      group.message_seq if message_seq is None else message_seq)
            message = listener.wire.message(kind, position.encode(), data)
            reason = listener.outlet.deliver(listener.outlet.pack([message]))
            self.stats.writes += 1
            self.stats.deliveries += 1
            self._leave_group(listener)
            self._join_group(listener, position)
            if reason is not None:
                dropped.append((listener, reason))

    def heartbeat(self, quiet_seconds: float) -> int:
        """Tell every group that sent nothing for `quiet_seconds` that the stream is alive; how many groups."""
        now = time.monotonic()
        dropped: list[tuple[Listener, str]] = []
        beaten = 0
        for group in list(self.groups.values()):
            if now - group.last_sent < quiet_seconds or not group.members:
                continue
            first = next(iter(group.members))
            self._send_to_group(group, first.outlet.pack([first.wire.heartbeat(group.cursor())]), 0, dropped)
            group.last_sent = now
            beaten += 1
        self.stats.heartbeats += beaten
        for listener, reason in dropped:
            self._drop(listener, reason)
        return beaten

    # -- connections -----------------------------------------------------------------------------------------

    async def serve(self, listener: Listener, start: StreamPosition | None, receive: Receive) -> str | None:
        """Catch `listener` up from the database, join it to its group, and keep it until its client leaves
        (None) or the hub ends it (the reason)."""
        self._register(listener)
        if self._ending is not None:
            listener.end(self._ending)
        watcher = asyncio.ensure_future(_until_disconnect(receive))
        watcher.add_done_callback(lambda _: listener.end(GONE))
        pump = asyncio.ensure_future(listener.outlet.pump()) if isinstance(listener.outlet, QueueOutlet) else None
        following = asyncio.ensure_future(self.follow(listener, start))
        try:
            waiting: list[asyncio.Future[Any]] = [following, listener.ended]
            await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
            if following.done():
                following.result()
            reason = await listener.ended
        finally:
            for task in (following, watcher, pump):
                if task is not None:
                    task.cancel()
            self._unregister(listener)
        return None if reason == GONE else reason

    async def follow(self, listener: Listener, start: StreamPosition | None) -> None:
        """Send what `listener` missed since `start` (from the database, by cursor) and join it once it has
        everything up to the hub's position; a read that began before the listener registered might not cover
        its account, so joining waits for the next."""
        assert self.position is not None, "start the hub first"
        scope = listener.scope
        listener.position = for_scope(scope, start or self.position)
        while True:
            if scope.device_id is not None:
                if self.position.message_seq is None:
                    await self._follow_messages()
                    continue
                if listener.position.message_seq is None:  # no cursor for messages: from where they are now
                    listener.position = replace(listener.position, message_seq=self.position.message_seq)
            target = for_scope(scope, self.position)
            if _ahead(listener.position, target):
                await self._advanced.wait()
                continue
            if listener.position != target:
                await self.catch_up(listener, target)
            if for_scope(scope, self.position) == target and (not self._reading or self._read_epoch > listener.epoch):
                self._join_group(listener, listener.position)
                listener.position = None
                return
            await self._advanced.wait()

    async def _follow_messages(self) -> None:
        """With no device connected the hub follows no messages; when one connects, follow them from the newest
        committed then, unless a read (which takes the newest itself) runs or ran meanwhile."""
        if self._reading:
            await self._advanced.wait()
            return
        async with self.ctx.db.read() as connection:
            newest = await latest_seq(connection)
        assert self.position is not None
        if self.position.message_seq is None and not self._reading:
            self.position = replace(self.position, message_seq=newest)
            self._moved()

    async def catch_up(self, listener: Listener, target: StreamPosition) -> None:
        """Everything in the listener's scope after its position, up to `target`, read by cursor."""
        scope = listener.scope
        assert listener.position is not None
        while True:
            position = listener.position
            async with self.ctx.db.read() as connection:
                posts = await post_store.posts_after(
                    connection, position.feed, BATCH, channel_ids=scope.channel_ids,
                    subscriber_id=scope.subscriber_id, until=target.feed)
                notices = [] if scope.viewer_id is None else await notifications_after(
                    connection, scope.viewer_id, position.notice_id, BATCH, until_id=target.notice_id)
                envelopes = [] if scope.device_id is None or position.message_seq is None else await envelopes_after(
                    connection, scope.device_id, position.message_seq, BATCH, until_seq=target.message_seq)
                badges = await badges_for(connection, sorted({post.channel_id for post in posts}),
                                          self.ctx.clock.now()) if posts else {}
            messages = []
            for post in posts:
                position = StreamPosition(_cursor(post), position.notice_id, position.message_seq)
                messages.append(listener.wire.message(
                    "post", position.encode(), self.post_json(post, badges.get(post.channel_id, []))))
            for notice in notices:
                position = StreamPosition(position.feed, notice.id, position.message_seq)
                messages.append(listener.wire.message(
                    NOTICE_EVENTS.get(notice.kind, "notice"), position.encode(), notice_data(notice)))
            for envelope in envelopes:
                position = StreamPosition(position.feed, position.notice_id, envelope.seq)
                messages.append(listener.wire.message("message", position.encode(), envelope_data(envelope)))
            if messages:
                await listener.outlet.send(messages)
            listener.position = position
            if len(posts) < BATCH and len(notices) < BATCH and len(envelopes) < BATCH:
                return

    def end_all(self, reason: str) -> None:
        """End every connection, and any that arrives later, with `reason` (the server is stopping): each client
        reconnects with its last event id, to another process or node, and misses nothing."""
        self._ending = reason
        for listener in list(self._listeners):
            listener.end(reason)

    def _register(self, listener: Listener) -> None:
        listener.epoch = self._read_epoch
        self.connections += 1
        self._listeners.add(listener)
        if listener.scope.viewer_id is not None:
            self._accounts[listener.scope.viewer_id] += 1
        if listener.scope.subscriber_id is not None:
            self._feed_accounts[listener.scope.subscriber_id] += 1
        if listener.scope.device_id is not None:
            self._devices[listener.scope.device_id] += 1

    def _unregister(self, listener: Listener) -> None:
        self._leave_group(listener)
        self.connections -= 1
        self._listeners.discard(listener)
        for accounts, account_id in ((self._accounts, listener.scope.viewer_id),
                                     (self._feed_accounts, listener.scope.subscriber_id),
                                     (self._devices, listener.scope.device_id)):
            if account_id is not None:
                accounts[account_id] -= 1
                if accounts[account_id] <= 0:
                    del accounts[account_id]

    def _join_group(self, listener: Listener, position: StreamPosition) -> None:
        key = (listener.key, listener.wire.name, type(listener.outlet), position.notice_id, position.message_seq)
        group = self.groups.get(key)
        if group is None:
            group = self.groups[key] = Group(key, listener.key, position)
        else:
            # Every member has had everything in this scope up to the hub's position, so any cursor between
            # their last events and that position resumes them alike.
            group.feed = max(group.feed, position.feed)
        group.members.add(listener)
        listener.group = group
        for index, owner in self._indexes(listener):
            index.setdefault(owner, set()).add(listener)

    def _leave_group(self, listener: Listener) -> None:
        group = listener.group
        if group is None:
            return
        group.members.discard(listener)
        if not group.members:
            del self.groups[group.key]
        listener.group = None
        for index, owner in self._indexes(listener):
            listeners = index.get(owner)
            if listeners is not None:
                listeners.discard(listener)
                if not listeners:
                    del index[owner]

    def _indexes(self, listener: Listener) -> list[tuple[dict[int, set[Listener]], int]]:
        """The joined connections by the account whose notices (the device whose messages) they carry."""
        found = []
        if listener.scope.viewer_id is not None:
            found.append((self._viewers, listener.scope.viewer_id))
        if listener.scope.device_id is not None:
            found.append((self._device_listeners, listener.scope.device_id))
        return found

    def _drop(self, listener: Listener, reason: str) -> None:
        if listener.ended.done():
            return
        self.stats.dropped[reason] += 1
        self._leave_group(listener)
        listener.end(reason)


def notice_data(notice: Notification) -> bytes:
    return orjson.dumps(notice_json(notice))


def envelope_data(envelope: Envelope) -> bytes:
    """A `message` event's data: the envelope as the messages API returns it (ciphertext only)."""
    return orjson.dumps(envelope_view(envelope))


def _cursor(post: Post) -> Cursor:
    assert post.feed_seq is not None
    return Cursor(post.feed_seq, post.id)


def _ahead(position: StreamPosition, target: StreamPosition) -> bool:
    return position.feed > target.feed or position.notice_id > target.notice_id or (
        position.message_seq or 0) > (target.message_seq or 0)


async def _until_disconnect(receive: Receive) -> None:
    while not is_disconnect(await receive()):
        pass
