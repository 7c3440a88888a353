"""Posts in the Redis ping: two nodes on PostgreSQL and a private redis-server (so nobody else's pings wake them).
A post published through node A reaches a subscriber on node B without B's hub reading the database; a lost ping
or a batch too large for its ping is read by cursor, and nothing is missed. In process: pings out of order."""
from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from masthead.api.routes.live import post_json
from masthead.context import Context
from masthead.live.hub import Hub
from masthead.live.payload import Published, decode, read_published
from masthead.live.stream import resolve_scope
from masthead.store.posts import head_cursor
from scripts.cluster import PrivateRedis, free_base_port
from tests.conftest import Api, service_unavailable
from tests.live.hub_client import HubClient
from tests.live.test_nodes import _publish_with, _wait_for_listeners, two_nodes
from tests.live.test_transport import _read_sse, _sign_up


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not PrivateRedis.available():
        service_unavailable("redis-server is not on PATH; these tests count every ping, so they use a private one")
    server = PrivateRedis(free_base_port(1), tmp_path_factory.mktemp("redis") / "redis.log")
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


def _channel(client: httpx.Client, base: str) -> str:
    token = _sign_up(base, "alice")
    assert client.post(f"{base}/api/v1/channels", headers={"Authorization": f"Bearer {token}"},
                       json={"handle": "alice_news", "name": "Alice"}).status_code == 201
    return token


def _ids(events: list[dict[str, str]]) -> list[str]:
    return [json.loads(event["data"])["id"] for event in events]


def _wait(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, "the condition never held"
        time.sleep(0.01)


@pytest.mark.slow
def test_a_post_through_node_a_reaches_node_b_without_a_read(postgres_url: str, redis_url: str,
                                                              tmp_path: Path) -> None:
    with two_nodes(postgres_url, tmp_path, redis_url=redis_url) as (a, b, node_b), \
            httpx.Client(timeout=10) as client:
        hub: Hub = node_b.state.hub
        token = _channel(client, a)
        with client.stream("GET", f"{b}/api/v1/stream", params={"channels": "alice_news"}) as response:
            lines = response.iter_lines()
            _wait_for_listeners(hub, 1)
            reads = hub.stats.reads
            published = []
            for i in range(3):  # one batch each: every one continues exactly from the one before
                published.append(_publish_with(client, a, token, f"Post {i}"))
                assert _ids(_read_sse(lines, 1)) == published[-1:]
        assert hub.stats.reads == reads
        assert hub.stats.payloads == 3
        exposed = client.get(f"{b}/metrics").text
    assert "masthead_live_hub_reads_total" in exposed
    assert "masthead_live_payload_batches_total" in exposed


@pytest.mark.slow
def test_a_lost_ping_is_read_by_cursor_and_nothing_is_missed(postgres_url: str, redis_url: str,
                                                             tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with two_nodes(postgres_url, tmp_path, redis_url=redis_url) as (a, b, node_b), \
            httpx.Client(timeout=10) as client:
        hub: Hub = node_b.state.hub
        lost: list[Published] = []
        offer = hub.offer
        monkeypatch.setattr(hub, "offer", lambda published: lost.append(published) if not lost else offer(published))
        token = _channel(client, a)
        with client.stream("GET", f"{b}/api/v1/stream", params={"channels": "alice_news"}) as response:
            lines = response.iter_lines()
            _wait_for_listeners(hub, 1)
            reads = hub.stats.reads
            first = _publish_with(client, a, token, "Its ping is lost")
            _wait(lambda: bool(lost))
            second = _publish_with(client, a, token, "Its ping shows the gap")
            assert _ids(_read_sse(lines, 2)) == [first, second]
            assert (hub.stats.reads, hub.stats.payloads) == (reads + 1, 0)
            third = _publish_with(client, a, token, "Contiguous again")
            assert _ids(_read_sse(lines, 1)) == [third]
        assert (hub.stats.reads, hub.stats.payloads) == (reads + 1, 1)


@pytest.mark.slow
def test_a_batch_too_large_for_its_ping_is_read_by_cursor(postgres_url: str, redis_url: str, tmp_path: Path) -> None:
    with two_nodes(postgres_url, tmp_path, redis_url=redis_url, payload_bytes=200) as (a, b, node_b), \
            httpx.Client(timeout=10) as client:
        hub: Hub = node_b.state.hub
        token = _channel(client, a)
        with client.stream("GET", f"{b}/api/v1/stream", params={"channels": "alice_news"}) as response:
            lines = response.iter_lines()
            _wait_for_listeners(hub, 1)
            reads = hub.stats.reads
            short = _publish_with(client, a, token, "Short")
            assert _ids(_read_sse(lines, 1)) == [short]
            assert (hub.stats.reads, hub.stats.payloads) == (reads + 1, 0)


async def _published(ctx: Context, api: Api, token: str, title: str) -> tuple[str, Published]:
    """Publish a post in a batch of its own, and the payload its commit's ping would carry."""
    post_id = await api.publish(token, "alice_news", title)
    await api.run_pipeline()
    async with ctx.db.read() as connection:
        feed_seq = (await head_cursor(connection)).feed_seq
        found = await read_published(connection, feed_seq, ctx.clock.now(), post_json, max_posts=10,
                                     limit=ctx.settings.live_payload_bytes)
    assert found is not None
    assert decode(found[1]) == found[0]
    return post_id, found[0]


async def test_a_payload_is_delivered_only_when_it_continues_the_hub_exactly(api: Api, ctx: Context) -> None:
    """Pings from several committers arrive in any order: one that skips ahead is read by cursor, those already
    read are dropped, and the next contiguous one needs no read; every post arrives once, in order."""
    hub = Hub(ctx, post_json)  # woken by nothing but the payloads it is offered
    await hub.start()
    await hub.advance()
    token = await api.sign_up("alice")
    await api.channel(token, "alice_news")
    client = await HubClient(hub, await resolve_scope(ctx, None, "alice_news")).joined()
    (first, one), (second, two), (third, three) = [await _published(ctx, api, token, f"Post {i}") for i in range(3)]
    reads = hub.stats.reads
    hub.offer(two)
    await hub.advance()
    assert client.outlet.post_ids() == [first, second, third]  # the gap before `two` was read, up to the head
    assert (hub.stats.reads, hub.stats.payloads) == (reads + 1, 0)
    hub.offer(three)
    hub.offer(one)
    await hub.advance()
    fourth, four = await _published(ctx, api, token, "Post 4")
    hub.offer(four)
    await hub.advance()
    assert client.outlet.post_ids() == [first, second, third, fourth]
    assert (hub.stats.reads, hub.stats.payloads) == (reads + 1, 1)
    await client.leave()
