"""Two server nodes on PostgreSQL joined by Redis: a post published through node A, or a private message sent
through it, reaches a subscriber (a device) on node B, and a client killed mid-burst that reconnects with its last
event id loses nothing."""
from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import redis
from fastapi import FastAPI
from websockets.sync.client import connect as websocket_connect

from masthead.api.app import create_app
from masthead.context import Context
from masthead.live.hub import Hub
from masthead.live.redis_bridge import CHANNEL
from masthead.settings import Settings
from tests.conftest import FAST_HASHER, _truncate_postgres, service_unavailable
from tests.live.test_transport import REDIS_URL, _read_sse, _sign_up
from tests.live_server import serving
from tests.messaging.conftest import HttpPerson

BURST = 20


@contextmanager
def two_nodes(postgres_url: str, tmp_path: Path, *, redis_url: str = REDIS_URL,
              payload_bytes: int = Settings.live_payload_bytes) -> Iterator[tuple[str, str, FastAPI]]:
    """Node A (with the pipeline worker) and node B (without), on an emptied PostgreSQL database, both subscribed
    to Redis: their base URLs and node B's app. Neither node polls within a test's patience, so only Redis can
    tell node B what node A's worker published."""
    bus = redis.Redis.from_url(redis_url, socket_connect_timeout=2)
    try:
        bus.ping()
    except (redis.RedisError, OSError) as exc:
        service_unavailable(f"Redis is not reachable at {redis_url}: {exc}")
    asyncio.run(_truncate_postgres(postgres_url))
    settings = Settings(database_url=postgres_url, redis_url=redis_url, data_dir=str(tmp_path / "data"),
                        pipeline_poll_seconds=0.05, live_poll_seconds=60.0, live_heartbeat_seconds=60.0,
                        live_payload_bytes=payload_bytes)
    node_a = create_app(Context.create(settings, hasher=FAST_HASHER))
    node_b = create_app(Context.create(settings, hasher=FAST_HASHER), run_worker=False)
    already = dict(bus.pubsub_numsub(CHANNEL)).get(CHANNEL.encode(), 0)
    with serving(node_a) as a, serving(node_b) as b:
        _wait_for_subscribers(bus, already + 2)
        yield a, b, node_b


def _wait_for_subscribers(client: redis.Redis, count: int) -> None:
    deadline = time.monotonic() + 10
    while dict(client.pubsub_numsub(CHANNEL)).get(CHANNEL.encode(), 0) < count:
        assert time.monotonic() < deadline, "the nodes never subscribed to Redis"
        time.sleep(0.02)


def _publish_with(client: httpx.Client, base: str, token: str, title: str) -> str:
    response = client.post(f"{base}/api/v1/channels/alice_news/posts", headers={"Authorization": f"Bearer {token}"},
                           json={"title": title, "body": f"Body of {title}"})
    assert response.status_code == 202, response.text
    post_id: str = response.json()["id"]
    return post_id


def _outlets(hub: Hub) -> list[str]:
    return [type(listener.outlet).__name__ for group in list(hub.groups.values()) for listener in list(group.members)]


def _wait_for_listeners(hub: Hub, count: int) -> None:
    deadline = time.monotonic() + 10
    while len(_outlets(hub)) < count:
        assert time.monotonic() < deadline, "the connections never joined the hub"
        time.sleep(0.01)


@pytest.mark.slow
def test_a_post_through_node_a_reaches_node_b_and_a_killed_client_resumes(postgres_url: str, tmp_path: Path) -> None:
    with two_nodes(postgres_url, tmp_path) as (a, b, node_b), httpx.Client(timeout=10) as client:
        token = _sign_up(a, "alice")
        assert client.post(f"{a}/api/v1/channels", headers={"Authorization": f"Bearer {token}"},
                           json={"handle": "alice_news", "name": "Alice"}).status_code == 201
        ws = f"{b.replace('http://', 'ws://')}/api/v1/ws?channels=alice_news"
        with client.stream("GET", f"{b}/api/v1/stream", params={"channels": "alice_news"}) as response:
            lines = response.iter_lines()
            with websocket_connect(ws, compression=None) as plain, websocket_connect(ws) as deflated:
                _wait_for_listeners(node_b.state.hub, 3)
                # SSE and uncompressed WebSockets share bytes on the transport; compressed frames differ per
                # connection, so those go through a queue and ASGI.
                assert sorted(_outlets(node_b.state.hub)) == ["QueueOutlet", "TransportOutlet", "TransportOutlet"]
                first = _publish_with(client, a, token, "Through node A")
                for socket in (plain, deflated):
                    assert json.loads(socket.recv(timeout=10))["data"]["id"] == first
            [event] = _read_sse(lines, 1)
            assert json.loads(event["data"])["id"] == first

            burst = [_publish_with(client, a, token, f"Burst {i}") for i in range(BURST)]
            received = _read_sse(lines, BURST // 3)
        # The client is gone mid-burst (its connection closed with unread events); it comes back with its id.
        last_id = received[-1]["id"]
        with client.stream("GET", f"{b}/api/v1/stream", params={"channels": "alice_news"},
                           headers={"Last-Event-ID": last_id}) as response:
            rest = _read_sse(response, BURST - len(received))
    delivered = [json.loads(e["data"])["id"] for e in received + rest]
    assert delivered == burst
    assert node_b.state.hub.stats.reads < 2 * (BURST + 2)  # node B read per batch, not per event or connection


def _kinds(events: list[dict[str, str]]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {"post": [], "message": []}
    for event in events:
        data = json.loads(event["data"])
        found[event["event"]].append(data["message_id" if event["event"] == "message" else "id"])
    return found


@pytest.mark.slow
def test_a_message_through_node_a_reaches_a_device_on_node_b_and_a_killed_client_resumes(
        postgres_url: str, tmp_path: Path) -> None:
    """A device streaming its feed on node B (SSE and WebSocket) gets a private message sent through node A,
    woken by Redis alone; cut off mid-burst of posts and messages, it comes back with its last event id and gets
    every post and every message exactly once."""
    with two_nodes(postgres_url, tmp_path) as (a, b, node_b), httpx.Client(timeout=10) as client:
        alice = HttpPerson(a, "alice")
        bob = HttpPerson(a, "bob")
        alice.call("POST", "/api/v1/channels", json={"handle": "alice_news", "name": "Alice"})
        bob.call("POST", "/api/v1/channels/alice_news/subscription")
        conversation = alice.call("POST", "/api/v1/messages/conversations", json={"members": ["bob"]})["id"]
        bob.call("POST", f"/api/v1/messages/conversations/{conversation}/accept")
        params = {"device": bob.device_id}
        auth = {"Authorization": f"Bearer {bob.token}"}
        ws = f"{b.replace('http://', 'ws://')}/api/v1/ws?access_token={bob.token}&device={bob.device_id}"
        with client.stream("GET", f"{b}/api/v1/stream", params=params, headers=auth) as response:
            lines = response.iter_lines()
            with websocket_connect(ws) as socket:
                _wait_for_listeners(node_b.state.hub, 2)
                first = alice.send(conversation, 0)
                over_socket = json.loads(socket.recv(timeout=10))
            assert over_socket["event"] == "message" and over_socket["data"]["message_id"] == first
            [event] = _read_sse(lines, 1)
            assert event["event"] == "message" and json.loads(event["data"])["message_id"] == first

            posts, messages = [], []
            for i in range(BURST):
                posts.append(_publish_with(client, a, alice.token, f"Burst {i}"))
                messages.append(alice.send(conversation, i + 1))
            received = _read_sse(lines, BURST // 2)
        # Gone mid-burst, with events unread; back on the same node with the id of the last one it read.
        with client.stream("GET", f"{b}/api/v1/stream", params=params,
                           headers={**auth, "Last-Event-ID": received[-1]["id"]}) as response:
            rest = _read_sse(response, 2 * BURST - len(received))
    assert _kinds(received + rest) == {"post": posts, "message": messages}
