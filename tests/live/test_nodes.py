"""Two server nodes on PostgreSQL joined by Redis: a post published through node A reaches a subscriber on node
B, and a client killed mid-burst that reconnects with its last event id loses nothing."""
from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import httpx
import pytest
import redis
from websockets.sync.client import connect as websocket_connect

from masthead.api.app import create_app
from masthead.context import Context
from masthead.live.hub import Hub
from masthead.live.redis_bridge import CHANNEL
from masthead.settings import Settings
from tests.conftest import FAST_HASHER, _truncate_postgres, service_unavailable
from tests.live.test_transport import REDIS_URL, _read_sse, _sign_up
from tests.live_server import serving

BURST = 20


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
    bus = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        bus.ping()
    except (redis.RedisError, OSError) as exc:
        service_unavailable(f"Redis is not reachable at {REDIS_URL}: {exc}")
    asyncio.run(_truncate_postgres(postgres_url))
    # Neither node polls within the test's patience: only Redis can tell node B that node A's worker published.
    settings = Settings(database_url=postgres_url, redis_url=REDIS_URL, data_dir=str(tmp_path / "data"),
                        pipeline_poll_seconds=0.05, live_poll_seconds=60.0, live_heartbeat_seconds=60.0)
    node_a = create_app(Context.create(settings, hasher=FAST_HASHER))
    node_b = create_app(Context.create(settings, hasher=FAST_HASHER), run_worker=False)
    already = dict(bus.pubsub_numsub(CHANNEL)).get(CHANNEL.encode(), 0)
    with serving(node_a) as a, serving(node_b) as b, httpx.Client(timeout=10) as client:
        _wait_for_subscribers(bus, already + 2)
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
