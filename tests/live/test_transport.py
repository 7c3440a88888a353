"""SSE and WebSocket over a real server, and the Redis bridge waking a node when another process publishes."""
from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import redis
from websockets.sync.client import ClientConnection
from websockets.sync.client import connect as websocket_connect

from masthead.api.app import create_app
from masthead.context import Context
from masthead.live.announce import announce_published, connect_redis
from masthead.pipeline.assembly import build_worker
from masthead.settings import Settings
from tests.conftest import FAST_HASHER, service_unavailable
from tests.live_server import serving

REDIS_URL = "redis://127.0.0.1:6379/0"


def _sign_up(base: str, handle: str) -> str:
    response = httpx.post(f"{base}/api/v1/accounts", json={"handle": handle, "password": "long enough pw",
                                                            "display_name": handle})
    assert response.status_code == 201, response.text
    token: str = response.json()["token"]
    return token


def _publish(base: str, token: str, channel: str, title: str) -> str:
    response = httpx.post(f"{base}/api/v1/channels/{channel}/posts", headers={"Authorization": f"Bearer {token}"},
                          json={"title": title, "body": f"Body of {title}"})
    assert response.status_code == 202, response.text
    post_id: str = response.json()["id"]
    return post_id


def _read_sse(response: httpx.Response | Iterator[str], count: int) -> list[dict[str, str]]:
    """The next `count` events (comments and the retry hint skipped), from a response or its line iterator."""
    events: list[dict[str, str]] = []
    fields: dict[str, str] = {}
    for line in response.iter_lines() if isinstance(response, httpx.Response) else response:
        if not line:
            if "event" in fields:
                events.append(fields)
                if len(events) == count:
                    return events
            fields = {}
        elif not line.startswith(":"):
            name, _, value = line.partition(": ")
            fields[name] = value
    raise AssertionError(f"stream ended after {len(events)} of {count} events")


def _next_event(socket: ClientConnection) -> dict[str, Any]:
    """The next message that is not a heartbeat (one may come first when the pipeline is slower than it)."""
    while (message := json.loads(socket.recv(timeout=10)))["event"] == "heartbeat":
        pass
    event: dict[str, Any] = message
    return event


@pytest.fixture
def live(settings: Settings) -> Iterator[tuple[str, str]]:
    fast = Settings(**{**settings.__dict__, "pipeline_poll_seconds": 0.05, "live_heartbeat_seconds": 1.0})
    with serving(create_app(Context.create(fast, hasher=FAST_HASHER))) as base:
        token = _sign_up(base, "alice")
        assert httpx.post(f"{base}/api/v1/channels", headers={"Authorization": f"Bearer {token}"},
                          json={"handle": "alice_news", "name": "Alice"}).status_code == 201
        yield base, token


def test_server_sent_events_deliver_and_resume_with_last_event_id(live: tuple[str, str]) -> None:
    base, token = live
    with httpx.Client(timeout=10) as client:
        with client.stream("GET", f"{base}/api/v1/stream", params={"channels": "alice_news"}) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            first = _publish(base, token, "alice_news", "First")
            [event] = _read_sse(response, 1)
        assert event["event"] == "post" and json.loads(event["data"])["id"] == first
        missed = [_publish(base, token, "alice_news", f"While away {i}") for i in range(3)]
        with client.stream("GET", f"{base}/api/v1/stream", params={"channels": "alice_news"},
                           headers={"Last-Event-ID": event["id"]}) as response:
            again = _read_sse(response, 3)
    assert [json.loads(e["data"])["id"] for e in again] == missed


def test_stream_needs_a_scope_and_known_channels(live: tuple[str, str]) -> None:
    base, _ = live
    anonymous = httpx.get(f"{base}/api/v1/stream", timeout=5)
    assert anonymous.status_code == 401 and anonymous.json()["error"]["code"] == "unauthenticated"
    unknown = httpx.get(f"{base}/api/v1/stream", params={"channels": "nobody_here"}, timeout=5)
    assert unknown.status_code == 404
    bad_cursor = httpx.get(f"{base}/api/v1/stream", params={"channels": "all", "cursor": "zz"}, timeout=5)
    assert bad_cursor.status_code == 400 and bad_cursor.json()["error"]["code"] == "invalid_cursor"
    # Found by schemathesis: a bad cursor next to a good Last-Event-ID was ignored rather than refused.
    both = httpx.get(f"{base}/api/v1/stream", params={"channels": "all", "cursor": "zz"},
                     headers={"Last-Event-ID": "1.1"}, timeout=5)
    assert both.status_code == 400 and both.json()["error"]["code"] == "invalid_cursor"


def test_websocket_follows_the_feed_and_resumes_from_a_cursor(live: tuple[str, str]) -> None:
    base, token = live
    reader = _sign_up(base, "reader")
    httpx.post(f"{base}/api/v1/channels/alice_news/subscription", headers={"Authorization": f"Bearer {reader}"})
    ws_base = base.replace("http://", "ws://")
    with websocket_connect(f"{ws_base}/api/v1/ws?access_token={reader}", open_timeout=5) as socket:
        post_id = _publish(base, token, "alice_news", "Over the socket")
        message = _next_event(socket)
    assert message["event"] == "post" and message["data"]["id"] == post_id
    later = _publish(base, token, "alice_news", "After reconnecting")
    with websocket_connect(f"{ws_base}/api/v1/ws?access_token={reader}&cursor={message['id']}") as socket:
        resumed = _next_event(socket)
    assert resumed["data"]["id"] == later
    with websocket_connect(f"{ws_base}/api/v1/ws") as socket:
        refused = json.loads(socket.recv(timeout=5))
    assert refused["event"] == "error" and refused["data"]["code"] == "unauthenticated"


def test_redis_wakes_a_node_when_a_worker_elsewhere_publishes(settings: Settings) -> None:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except (redis.RedisError, OSError) as exc:
        service_unavailable(f"Redis is not reachable at {REDIS_URL}: {exc}")
    # The node never polls within the test's patience and runs no worker: only Redis can wake it.
    node = Settings(**{**settings.__dict__, "redis_url": REDIS_URL, "live_poll_seconds": 60.0,
                       "live_heartbeat_seconds": 60.0})
    with serving(create_app(Context.create(node, hasher=FAST_HASHER), run_worker=False)) as base:
        token = _sign_up(base, "alice")
        httpx.post(f"{base}/api/v1/channels", headers={"Authorization": f"Bearer {token}"},
                   json={"handle": "alice_news", "name": "Alice"})
        with httpx.Client(timeout=10) as client, client.stream(
                "GET", f"{base}/api/v1/stream", params={"channels": "alice_news"}) as response:
            time.sleep(0.3)  # let the node's bridge subscribe
            post_id = _publish(base, token, "alice_news", "Decided elsewhere")

            async def remote_worker() -> None:
                ctx = Context.create(settings, hasher=FAST_HASHER)
                bridge = connect_redis(REDIS_URL)
                try:
                    await build_worker(ctx, after_commit=[announce_published(None, bridge)]).run_until_idle()
                finally:
                    assert bridge is not None
                    await bridge.close()
                    await ctx.db.dispose()
            started = time.monotonic()
            asyncio.run(remote_worker())
            [event] = _read_sse(response, 1)
            assert time.monotonic() - started < 5
    assert json.loads(event["data"])["id"] == post_id
