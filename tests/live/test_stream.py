"""Live delivery: publication order, exact resume, and "initial state + events = fresh state"."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest

from masthead.context import Context
from masthead.domain.errors import NotFound, Unauthenticated
from masthead.domain.paging import Cursor
from masthead.live.stream import StreamEvent, StreamPosition, resolve_scope, start_position, stream_events
from masthead.services.accounts import access_account_by_token
from tests.conftest import Api
from tests.verification.test_credentials import _badges, _granted, _setup


async def _drain(events: AsyncIterator[StreamEvent]) -> list[StreamEvent]:
    """The posts the stream delivers until it falls quiet (its first heartbeat)."""
    received = []
    while (event := await asyncio.wait_for(anext(events), 10)).kind != "heartbeat":
        received.append(event)
    return received


@pytest.fixture
def quick_ctx(ctx: Context) -> Context:
    ctx.settings = replace(ctx.settings, live_poll_seconds=0.05, live_heartbeat_seconds=0.2)
    return ctx


async def test_posts_arrive_in_publication_order_and_resume_exactly(api: Api, quick_ctx: Context) -> None:
    token = await api.sign_up("alice")
    await api.channel(token, "alice_news")
    hub = api.app.state.hub
    scope = await resolve_scope(quick_ctx, None, "alice_news")
    events = stream_events(quick_ctx, hub, scope, await start_position(quick_ctx, scope, None))
    first = [await api.publish(token, "alice_news", f"Post {i}") for i in range(3)]
    await api.run_pipeline()
    received = await _drain(events)
    await events.aclose()
    assert [e.post.id for e in received if e.post] == [int(i) for i in first]

    later = [await api.publish(token, "alice_news", f"Later {i}") for i in range(2)]
    await api.run_pipeline()
    resumed = stream_events(quick_ctx, hub, scope, await start_position(quick_ctx, scope, received[-1].cursor))
    again = await _drain(resumed)
    await resumed.aclose()
    assert [e.post.id for e in again if e.post] == [int(i) for i in later]


async def test_initial_state_plus_events_equals_fresh_state(api: Api, quick_ctx: Context) -> None:
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
    initial = (await api.client.get("/api/v1/feed", headers=api.auth(reader), params={"limit": 100})).json()["items"]
    newest = initial[0]
    viewer = await access_account_by_token(quick_ctx, reader)
    scope = await resolve_scope(quick_ctx, viewer, None)
    async with quick_ctx.db.read() as connection:
        from masthead.store.posts import post_by_id
        newest_post = await post_by_id(connection, int(newest["id"]))
    assert newest_post is not None and newest_post.feed_seq is not None
    events = stream_events(quick_ctx, api.app.state.hub, scope, StreamPosition(Cursor(newest_post.feed_seq, newest_post.id), 0))
    for i in range(4):
        await api.publish(alice if i % 2 else bob, "alice_news" if i % 2 else "bob_news", f"New {i}")
        await api.publish(bob, "bob_private", f"Unfollowed {i}")
        await api.run_pipeline()
    received = await _drain(events)
    await events.aclose()
    fresh = (await api.client.get("/api/v1/feed", headers=api.auth(reader), params={"limit": 100})).json()["items"]
    assert [str(e.post.id) for e in reversed(received) if e.post] + [p["id"] for p in initial] == [p["id"] for p in fresh]


async def test_scope_errors(api: Api, quick_ctx: Context) -> None:
    with pytest.raises(NotFound):
        await resolve_scope(quick_ctx, None, "nobody_here")
    with pytest.raises(Unauthenticated):
        await resolve_scope(quick_ctx, None, None)


async def test_live_posts_carry_their_channels_badges(api: Api, quick_ctx: Context) -> None:
    owner, verifier, channel = await _setup(api, quick_ctx)
    await _granted(api, owner, verifier)
    scope = await resolve_scope(quick_ctx, None, channel)
    events = stream_events(quick_ctx, api.app.state.hub, scope, await start_position(quick_ctx, scope, None))
    await api.publish(owner, channel, "Market opens", "The new market opens on Saturday.")
    await api.run_pipeline()
    [event] = await _drain(events)
    await events.aclose()
    assert event.badges == await _badges(api, channel) and event.badges[0]["scope"] == "news.publish"
