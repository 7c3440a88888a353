"""Writes are limited per account and per client address in fixed windows, on the fake clock."""
from __future__ import annotations

import socket
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import redis.asyncio as redis

from masthead.api.ratelimit import RedisCounts, WriteLimits
from masthead.clock import FakeClock
from masthead.domain.errors import RateLimited
from masthead.settings import Settings
from tests.conftest import Api, service_unavailable
from tests.live.test_transport import REDIS_URL

NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """The shared fixtures' app, with limits small enough to reach."""
    return Settings(database_url=database_url, data_dir=str(tmp_path / "data"), write_limit_per_account=3,
                    write_limit_per_address=5, write_limit_window_seconds=60.0)


async def test_writes_past_the_account_limit_get_429_until_the_window_ends(api: Api, clock: FakeClock) -> None:
    http = api.client
    token = await api.sign_up("alice")  # write 1 of the address
    clock.advance(seconds=60)
    await api.channel(token, "alice_news")  # account write 1
    first = await http.post("/api/v1/channels/alice_news/posts", headers=api.auth(token),
                            json={"title": "One", "body": "text"})
    assert first.status_code == 202
    assert first.headers["x-ratelimit-limit"] == "3" and first.headers["x-ratelimit-remaining"] == "1"
    await api.publish(token, "alice_news")  # account write 3
    refused = await http.post("/api/v1/channels/alice_news/posts", headers=api.auth(token),
                              json={"title": "Four", "body": "text"})
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "rate_limited"
    assert refused.headers["x-ratelimit-remaining"] == "0"
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    reads = await http.get("/api/v1/channels/alice_news/posts")
    assert reads.status_code == 200 and "x-ratelimit-limit" not in reads.headers
    clock.advance(seconds=int(refused.headers["retry-after"]))
    await api.publish(token, "alice_news")


async def test_the_address_limit_counts_writes_of_every_account_and_none(api: Api) -> None:
    http = api.client
    for handle in ("ann", "bob", "cat", "dan", "eve"):
        await api.sign_up(handle)
    sixth = await http.post("/api/v1/accounts", json={"handle": "fay", "password": "correct horse",
                                                      "display_name": "Fay"})
    assert sixth.status_code == 429 and "address" in sixth.json()["error"]["message"]


async def test_default_limits_are_generous_and_zero_turns_them_off() -> None:
    defaults = Settings(database_url="sqlite:///:unused:")
    assert defaults.write_limit_per_account >= 1000 and defaults.write_limit_per_address >= 1000
    assert await WriteLimits(0, 0, 60).check(1, "127.0.0.1", NOW) is None


@pytest.fixture
async def redis_counts() -> AsyncIterator[Callable[[], RedisCounts]]:
    """Counts in the shared Redis under a prefix of this test's own (other test runs may share the server)."""
    probe = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        await probe.ping()
    except (redis.RedisError, OSError) as exc:
        await probe.aclose()
        service_unavailable(f"Redis at {REDIS_URL} is not reachable ({exc})")
    prefix = f"masthead:test:{uuid.uuid4().hex}:"
    clients: list[redis.Redis] = []

    def counts() -> RedisCounts:
        clients.append(redis.Redis.from_url(REDIS_URL))
        return RedisCounts(clients[-1], prefix)
    yield counts
    for client in clients:
        await client.aclose()
    await probe.delete(*[key async for key in probe.scan_iter(f"{prefix}*")] or [f"{prefix}none"])
    await probe.aclose()


async def test_nodes_sharing_redis_allow_the_limit_once_between_them(redis_counts: Callable[[], RedisCounts]) -> None:
    node_a, node_b = WriteLimits(3, 0, 60, redis_counts()), WriteLimits(3, 0, 60, redis_counts())
    assert (await node_a.check(7, "10.0.0.1", NOW)).remaining == 2  # type: ignore[union-attr]
    assert (await node_b.check(7, "10.0.0.2", NOW)).remaining == 1  # type: ignore[union-attr]
    await node_a.check(7, "10.0.0.1", NOW)
    with pytest.raises(RateLimited):
        await node_b.check(7, "10.0.0.2", NOW)
    # Another account, and the next window, start afresh.
    assert (await node_b.check(8, "10.0.0.2", NOW)).remaining == 2  # type: ignore[union-attr]
    assert (await node_b.check(7, "10.0.0.2", NOW + timedelta(seconds=60))).remaining == 2  # type: ignore[union-attr]


async def test_while_redis_is_unreachable_each_process_counts_alone(caplog: pytest.LogCaptureFixture) -> None:
    client = redis.Redis.from_url(f"redis://127.0.0.1:{_closed_port()}", socket_connect_timeout=0.5)
    limits = WriteLimits(2, 0, 60, RedisCounts(client))
    try:
        await limits.check(7, "10.0.0.1", NOW)
        await limits.check(7, "10.0.0.1", NOW)
        with pytest.raises(RateLimited):
            await limits.check(7, "10.0.0.1", NOW)
    finally:
        await client.aclose()
    assert sum("Redis is unreachable" in record.message for record in caplog.records) == 1


def _closed_port() -> int:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        return int(listener.getsockname()[1])


def test_behind_a_local_proxy_the_forwarded_client_address_is_counted(settings: Settings) -> None:
    """uvicorn (as `masthead serve` runs it) takes the client from X-Forwarded-For when the peer is a trusted
    proxy (FORWARDED_ALLOW_IPS, by default this host): two clients behind the proxy have a limit each."""
    from masthead.api.app import create_app
    from masthead.context import Context
    from tests.conftest import FAST_HASHER
    from tests.live_server import serving

    with serving(create_app(Context.create(settings, hasher=FAST_HASHER), run_worker=False)) as base:
        def sign_up(handle: str, client: str) -> int:
            return httpx.post(f"{base}/api/v1/accounts", headers={"X-Forwarded-For": client}, json={
                "handle": handle, "password": "correct horse", "display_name": handle}).status_code
        assert [sign_up(f"user{i}", "203.0.113.7") for i in range(6)] == [201] * 5 + [429]
        assert sign_up("other", "198.51.100.9") == 201
