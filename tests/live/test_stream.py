"""Live delivery through the node's hub: publication order, exact resume, "initial state + events = fresh
state", one read and one encoding per batch for any number of connections, slow consumers, shared heartbeats."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

import pytest

from masthead.context import Context
from masthead.domain.errors import NotFound, Unauthenticated
from masthead.domain.paging import Cursor
from masthead.live.hub import Hub
from masthead.live.outlet import SLOW_CONSUMER
from masthead.live.stream import StreamPosition, resolve_scope, start_position
from masthead.services.accounts import access_account_by_token
from masthead.store.notifications import notify_many_txn
from tests.conftest import Api
from tests.live.hub_client import HubClient, until
from tests.verification.test_credentials import _badges, _granted, _setup


@pytest.fixture
async def hub(api: Api) -> AsyncIterator[Hub]:
    hub: Hub = api.app.state.hub
    await hub.start()
    yield hub


async def _publish_and_deliver(api: Api, hub: Hub, token: str, channel: str, titles: list[str]) -> list[str]:
    ids = [await api.publish(token, channel, title) for title in titles]
    await api.run_pipeline()
    await hub.advance()
    return ids


async def test_posts_arrive_in_publication_order_and_resume_exactly(api: Api, ctx: Context, hub: Hub) -> None:
    token = await api.sign_up("alice")
    await api.channel(token, "alice_news")
    scope = await resolve_scope(ctx, None, "alice_news")
    reader = await HubClient(hub, scope).joined()
    first = await _publish_and_deliver(api, hub, token, "alice_news", [f"Post {i}" for i in range(3)])
    assert reader.outlet.post_ids() == first
    last_id = reader.outlet.events()[-1]["id"]
    assert await reader.leave() is None

    later = await _publish_and_deliver(api, hub, token, "alice_news", [f"Later {i}" for i in range(2)])
    resumed = await HubClient(hub, scope, start_position(scope, last_id, hub.position)).joined()
    assert resumed.outlet.post_ids() == later  # read from the database by cursor: the hub had moved on
    newest = await _publish_and_deliver(api, hub, token, "alice_news", ["After joining"])
    assert resumed.outlet.post_ids() == later + newest
    await resumed.leave()


async def test_initial_state_plus_events_equals_fresh_state(api: Api, ctx: Context, hub: Hub) -> None:
    alice = await api.sign_up("alice")
    bob = await api.sign_up("bob")
    await api.channel(alice, "alice_news")
    await api.channel(bob, "bob_news")
    await api.channel(bob, "bob_private")
    reader = await api.sign_up("reader")
    for handle in ("alice_news", "bob_news"):
        await api.client.post(f"/api/v1/channels/{handle}/subscription", headers=api.auth(reader))
    for i in range(3):
        await api.publish(alice, "alice_news", f"A{i}")
        await api.publish(bob, "bob_news", f"B{i}")
    await api.run_pipeline()
    await hub.advance()
    initial = (await api.client.get("/api/v1/feed", headers=api.auth(reader), params={"limit": 100})).json()["items"]
    viewer = await access_account_by_token(ctx, reader)
    scope = await resolve_scope(ctx, viewer, None)
    async with ctx.db.read() as connection:
        from masthead.store.posts import post_by_id
        newest_post = await post_by_id(connection, int(initial[0]["id"]))
    assert newest_post is not None and newest_post.feed_seq is not None
    start = StreamPosition(Cursor(newest_post.feed_seq, newest_post.id), 0)
    client = HubClient(hub, scope, start)
    for i in range(4):
        await api.publish(alice if i % 2 else bob, "alice_news" if i % 2 else "bob_news", f"New {i}")
        await api.publish(bob, "bob_private", f"Unfollowed {i}")
        await api.run_pipeline()
        await hub.advance()
        if i == 1:
            await client.joined()  # the first events came by catching up, the rest from the hub
    await client.joined()
    fresh = (await api.client.get("/api/v1/feed", headers=api.auth(reader), params={"limit": 100})).json()["items"]
    assert list(reversed(client.outlet.post_ids())) + [p["id"] for p in initial] == [p["id"] for p in fresh]
    await client.leave()


async def test_scope_errors(api: Api, ctx: Context) -> None:
    with pytest.raises(NotFound):
        await resolve_scope(ctx, None, "nobody_here")
    with pytest.raises(Unauthenticated):
        await resolve_scope(ctx, None, None)


async def test_live_posts_carry_their_channels_badges(api: Api, ctx: Context, hub: Hub) -> None:
    owner, verifier, channel = await _setup(api, ctx)
    await _granted(api, owner, verifier)
    client = await HubClient(hub, await resolve_scope(ctx, None, channel)).joined()
    await _publish_and_deliver(api, hub, owner, channel, ["Market opens"])
    [event] = client.outlet.events()
    assert event["data"]["badges"] == await _badges(api, channel) and event["data"]["badges"][0]["scope"] == "news.publish"
    await client.leave()


async def test_one_read_and_one_encoding_per_batch_for_every_connection(api: Api, ctx: Context, hub: Hub) -> None:
    alice = await api.sign_up("alice")
    await api.channel(alice, "alice_news")
    await api.channel(alice, "alice_sport")
    everything = await resolve_scope(ctx, None, "all")
    news = await resolve_scope(ctx, None, "alice_news")
    readers = [await HubClient(hub, everything).joined() for _ in range(40)]
    news_readers = [await HubClient(hub, news).joined() for _ in range(10)]
    reads = hub.stats.reads
    ids = [await api.publish(alice, "alice_news", "News"), await api.publish(alice, "alice_sport", "Sport")]
    await api.run_pipeline()
    assert await hub.advance() == 2
    assert hub.stats.reads - reads == 1  # one read for the batch, not one per connection
    assert all(reader.outlet.post_ids() == ids for reader in readers)
    assert all(reader.outlet.post_ids() == ids[:1] for reader in news_readers)
    # Every connection of a group was handed the very same object, packed once.
    assert len({id(reader.outlet.packed[-1]) for reader in readers}) == 1
    assert len({id(reader.outlet.packed[-1]) for reader in news_readers}) == 1
    for reader in readers + news_readers:
        await reader.leave()
    assert hub.connections == 0 and not hub.groups


async def test_a_slow_consumer_is_dropped_with_a_reason_and_others_carry_on(api: Api, ctx: Context, hub: Hub) -> None:
    alice = await api.sign_up("alice")
    await api.channel(alice, "alice_news")
    scope = await resolve_scope(ctx, None, "alice_news")
    slow = await HubClient(hub, scope, limit=2000).joined()
    fast = await HubClient(hub, scope, limit=2000).joined()
    first = await _publish_and_deliver(api, hub, alice, "alice_news", ["One"])
    slow.outlet.stalled = True
    await _publish_and_deliver(api, hub, alice, "alice_news", [])
    assert not slow.task.done() and slow.outlet.unsent == 0
    second = await _publish_and_deliver(api, hub, alice, "alice_news", [f"Burst {i}" for i in range(8)])
    assert await slow.leave() == SLOW_CONSUMER and hub.stats.dropped[SLOW_CONSUMER] == 1
    third = await _publish_and_deliver(api, hub, alice, "alice_news", ["After"])
    assert fast.outlet.post_ids() == first + second + third
    # The dropped client reconnects with the last event it did receive and misses nothing.
    again = await HubClient(hub, scope, start_position(scope, slow.outlet.events()[-1]["id"], hub.position)).joined()
    assert again.outlet.post_ids() == second + third
    await fast.leave()
    await again.leave()


async def test_one_heartbeat_per_quiet_group(api: Api, ctx: Context, hub: Hub) -> None:
    alice = await api.sign_up("alice")
    await api.channel(alice, "alice_news")
    clients = [await HubClient(hub, await resolve_scope(ctx, None, "alice_news")).joined() for _ in range(5)]
    clients.append(await HubClient(hub, await resolve_scope(ctx, None, "all")).joined())
    assert hub.heartbeat(quiet_seconds=0.0) == 2
    beats = [client.outlet.events() for client in clients]
    assert all(len(events) == 1 and events[0]["event"] == "heartbeat" for events in beats)
    assert len({id(client.outlet.packed[-1]) for client in clients[:5]}) == 1
    assert hub.heartbeat(quiet_seconds=3600.0) == 0  # both groups just spoke
    for client in clients:
        await client.leave()


class _GatedReads:
    """The database, except that the next read waits at the gate (to hold the hub inside a read)."""

    def __init__(self, db: Any) -> None:
        self.db = db
        self.armed = False
        self.waiting = asyncio.Event()
        self.gate = asyncio.Event()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.db, name)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[Any]:
        if self.armed:
            self.armed = False
            self.waiting.set()
            await self.gate.wait()
        async with self.db.read() as connection:
            yield connection


async def test_a_connection_joining_during_a_read_misses_nothing_of_its_own(api: Api, ctx: Context) -> None:
    """The hub reads notices only for accounts connected when the read began; an account that connects during
    that read gets the rest from the database before it joins."""
    reader = await api.sign_up("reader")
    viewer = await access_account_by_token(ctx, reader)
    assert viewer is not None
    gated = _GatedReads(ctx.db)
    hub = Hub(replace(ctx, db=gated), api.app.state.hub.post_json)
    await hub.start()
    async with ctx.db.write() as connection:
        await notify_many_txn(connection, [viewer.id], "notice", {"text": "while the hub was reading"},
                              ctx.clock.now())
    gated.armed = True
    reading = asyncio.ensure_future(hub.advance())
    await gated.waiting.wait()  # the hub is inside its read, which began with nobody connected
    client = HubClient(hub, await resolve_scope(ctx, viewer, "all"))
    await until(lambda: client.listener.position is not None)
    gated.gate.set()
    await reading
    await client.joined()
    assert [e["data"]["payload"]["text"] for e in client.outlet.events()] == ["while the hub was reading"]
    await client.leave()
