"""Private messages on the node's live stream: a stream that names one of its account's devices carries that
device's envelopes as `message` events beside its posts and notices, each exactly once however it reconnects;
the hub reads them once per batch for every device; another account's device is refused, over SSE and
WebSocket alike."""
from __future__ import annotations

import json
import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from typing import Any

import pytest
import sqlalchemy as sa
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect as websocket_connect

import masthead.live.hub
from masthead.api.app import create_app
from masthead.context import Context
from masthead.live.hub import Hub
from masthead.live.stream import head_position, resolve_scope, start_position
from masthead.services.accounts import access_account_by_token
from masthead.settings import Settings
from masthead.store.notifications import notify_many_txn
from tests.conftest import FAST_HASHER, Api
from tests.live.hub_client import HubClient, until
from tests.live.test_stream import _GatedReads
from tests.live_server import serving
from tests.messaging.conftest import HttpPerson, People


@pytest.fixture
async def hub(api: Api) -> AsyncIterator[Hub]:
    hub: Hub = api.app.state.hub
    await hub.start()
    yield hub


def _by_kind(events: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Each kind's events in the order they came, by what identifies them."""
    found: dict[str, list[str]] = {"post": [], "message": [], "notice": []}
    for event in events:
        if event["event"] != "heartbeat":
            found[event["event"]].append(event["data"]["message_id" if event["event"] == "message" else "id"])
    return found


async def test_posts_notices_and_messages_resume_exactly_from_any_event(
        people: People, api: Api, ctx: Context, hub: Hub, monkeypatch: pytest.MonkeyPatch) -> None:
    """Disconnected after any event, mid-burst or not, a device comes back with that event's id and gets every
    later post, notice and message once, each kind in order. Batches of two make every read and every catch-up
    take several rounds (and a message to three connected devices still comes whole)."""
    monkeypatch.setattr(masthead.live.hub, "BATCH", 2)
    alice = await people.person("alice")
    bob = await people.person("bob")
    laptop = await people.another_device(bob)
    conversation = await alice.start(["bob"])
    await bob.accept(conversation)
    await api.channel(alice.token, "alice_news")
    await api.client.post("/api/v1/channels/alice_news/subscription", headers=api.auth(bob.token))
    bob_account = await access_account_by_token(ctx, bob.token)
    assert bob_account is not None
    scope = await resolve_scope(ctx, bob_account, None, str(bob.device_id))
    phone = await HubClient(hub, scope).joined()
    on_laptop = await HubClient(hub, await resolve_scope(ctx, bob_account, None, str(laptop.device_id))).joined()
    assert phone.listener.group is not None
    start = phone.listener.group.cursor()
    posts: list[str] = []
    messages: list[str] = []
    for i in range(4):
        # Rounds heavy in posts, then in messages (the last one), so either can fill a batch alone.
        posts += [await api.publish(alice.token, "alice_news", f"Post {i}.{j}") for j in range(5 - i % 2 * 4)]
        messages += [await alice.send(conversation, f"Message {i}.{j}") for j in range(1 + i % 2 * 4)]
        if i % 2:
            async with ctx.db.write() as connection:
                await notify_many_txn(connection, [bob_account.id], "notice", {"text": f"Notice {i}"},
                                      ctx.clock.now())
        await api.run_pipeline()
        await hub.advance()
    events = [event for event in phone.outlet.events() if event["event"] != "heartbeat"]
    live = _by_kind(events)
    assert live["post"] == posts and live["message"] == messages and len(live["notice"]) == 2
    assert _by_kind(on_laptop.outlet.events())["message"] == messages  # the hub's read took both devices'
    assert all(event["id"].count(".") == 3 for event in events)
    for k, event in enumerate([{"id": start}, *events]):
        resumed = await HubClient(hub, scope, start_position(scope, event["id"], hub.position)).joined()
        assert _by_kind(resumed.outlet.events()) == _by_kind(events[k:]), f"resuming after event {k}"
        await resumed.leave()
    await phone.leave()
    await on_laptop.leave()
    assert hub.connections == 0 and not hub.groups


async def test_a_device_joining_during_a_read_misses_nothing(people: People, api: Api, ctx: Context) -> None:
    """The hub reads envelopes only for devices connected when the read began; a device that connects during
    that read gets the rest from the database before it joins."""
    alice = await people.person("alice")
    bob = await people.person("bob")
    conversation = await alice.start(["bob"])
    await bob.accept(conversation)
    bob_account = await access_account_by_token(ctx, bob.token)
    gated = _GatedReads(ctx.db)
    hub = Hub(replace(ctx, db=gated), api.app.state.hub.post_json)
    await hub.start()
    sent = await alice.send(conversation, "while the hub was reading")
    gated.armed = True
    reading = asyncio.ensure_future(hub.advance())
    await gated.waiting.wait()  # the hub is inside its read, which began with no device connected
    client = HubClient(hub, await resolve_scope(ctx, bob_account, "all", str(bob.device_id)))
    await until(lambda: client.listener.position is not None)
    gated.gate.set()
    await reading
    await client.joined()
    assert [e["data"]["message_id"] for e in client.outlet.events()] == [sent]
    await client.leave()


async def test_the_hub_follows_messages_only_while_a_device_is_connected(
        people: People, api: Api, ctx: Context, hub: Hub) -> None:
    """With no device streaming, the hub's reads never ask for the newest message; the first device to connect
    later starts after every message so far, and gets the next one exactly once."""
    alice = await people.person("alice")
    bob = await people.person("bob")
    conversation = await alice.start(["bob"])
    await bob.accept(conversation)
    await api.channel(alice.token, "alice_news")
    bob_account = await access_account_by_token(ctx, bob.token)
    assert bob_account is not None
    statements: list[str] = []

    def record(connection: Any, cursor: Any, statement: str, *rest: Any) -> None:
        statements.append(statement)

    engine = ctx.db.read_engine.sync_engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        anonymous = await HubClient(hub, await resolve_scope(ctx, None, "all")).joined()
        posts = [await api.publish(alice.token, "alice_news", "A post")]
        await alice.send(conversation, "before any device streams")
        await api.run_pipeline()
        await hub.advance()
        assert anonymous.outlet.post_ids() == posts
        assert hub.stats.reads and not [s for s in statements if "max(dm_messages.seq)" in s]
        assert hub.position is not None and hub.position.message_seq is None

        device = await HubClient(hub, await resolve_scope(ctx, bob_account, "all", str(bob.device_id))).joined()
        assert hub.position.message_seq is not None
        after = await alice.send(conversation, "after the device connected")
        await hub.advance()
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    assert [e["data"]["message_id"] for e in device.outlet.events() if e["event"] == "message"] == [after]
    await device.leave()
    await anonymous.leave()


async def test_older_cursors_still_resume_their_parts(people: People, api: Api, ctx: Context, hub: Hub) -> None:
    """A 3-part cursor (from a stream without a device) resumes posts and notices and takes messages from now;
    a 4-part cursor on a stream without a device is read for its posts and notices."""
    alice = await people.person("alice")
    bob = await people.person("bob")
    conversation = await alice.start(["bob"])
    await bob.accept(conversation)
    bob_account = await access_account_by_token(ctx, bob.token)
    with_device = await resolve_scope(ctx, bob_account, "all", str(bob.device_id))
    without = await resolve_scope(ctx, bob_account, "all")
    await alice.send(conversation, "before")
    async with ctx.db.read() as connection:  # the hub follows no messages while no device is connected
        head = await head_position(connection)
    assert head.message_seq
    three_parts = start_position(with_device, f"{head.feed.encode()}.{head.notice_id}", head)
    assert three_parts == head
    assert start_position(without, head.encode(), head) == start_position(without, head.encode()[:-2], head)
    assert start_position(without, head.encode(), head).encode().count(".") == 2  # type: ignore[union-attr]


async def test_a_stream_names_only_its_own_device(people: People, api: Api) -> None:
    alice = await people.person("alice")
    bob = await people.person("bob")
    refused = await api.client.get("/api/v1/stream", params={"device": str(alice.device_id)},
                                   headers=api.auth(bob.token))
    by_messages_api = await api.client.get("/api/v1/messages/inbox", params={"device": str(alice.device_id)},
                                           headers=api.auth(bob.token))
    assert refused.status_code == by_messages_api.status_code == 404
    assert refused.json() == by_messages_api.json()
    assert refused.json()["error"]["code"] == "device_not_found"
    for device in ("12abc", "9" * 19):
        unknown = await api.client.get("/api/v1/stream", params={"device": device}, headers=api.auth(bob.token))
        assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "device_not_found"
    await bob._call("DELETE", f"/api/v1/messages/devices/{bob.device_id}")
    revoked = await api.client.get("/api/v1/stream", params={"device": str(bob.device_id)},
                                   headers=api.auth(bob.token))
    assert revoked.status_code == 404
    anonymous = await api.client.get("/api/v1/stream", params={"channels": "all", "device": str(bob.device_id)})
    assert anonymous.status_code == 401 and anonymous.json()["error"]["code"] == "unauthenticated"


# -- over a real server: the WebSocket ---------------------------------------------------------------------------

@pytest.fixture
def server(settings: Settings) -> Iterator[str]:
    quick = Settings(**{**settings.__dict__, "live_poll_seconds": 60.0, "live_heartbeat_seconds": 60.0})
    with serving(create_app(Context.create(quick, hasher=FAST_HASHER), run_worker=False)) as base:
        yield base


def test_a_websocket_carries_its_devices_messages_and_resumes_from_a_cursor(server: str) -> None:
    alice = HttpPerson(server, "alice")
    bob = HttpPerson(server, "bob")
    conversation = alice.call("POST", "/api/v1/messages/conversations", json={"members": ["bob"]})["id"]
    bob.call("POST", f"/api/v1/messages/conversations/{conversation}/accept")
    base = f"{server.replace('http://', 'ws://')}/api/v1/ws?access_token={bob.token}"
    ws = f"{base}&device={bob.device_id}"
    with websocket_connect(ws, open_timeout=5) as socket:
        first = alice.send(conversation, 1)  # the hub never polls within the test: the send rang it
        event = json.loads(socket.recv(timeout=10))
    assert event["event"] == "message" and event["data"]["message_id"] == first
    assert event["data"]["sender"] == "alice" and event["data"]["ciphertext"]
    missed = [alice.send(conversation, n) for n in range(2, 5)]
    with websocket_connect(f"{ws}&cursor={event['id']}", open_timeout=5) as socket:
        again = [json.loads(socket.recv(timeout=10)) for _ in missed]
    assert [e["data"]["message_id"] for e in again] == missed
    with websocket_connect(f"{base}&device={alice.device_id}", open_timeout=5) as socket:
        refused = json.loads(socket.recv(timeout=5))
        with pytest.raises(ConnectionClosed) as closed:
            socket.recv(timeout=5)
    assert refused["event"] == "error" and refused["data"]["code"] == "device_not_found"
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4404
