"""Faults on a real multi-node deployment under a publishing load: two `masthead serve` nodes and two
`masthead worker` processes (scripts/cluster.py) on a fresh PostgreSQL database, joined by a private
redis-server. Publishers post through both nodes at a steady rate; live SSE subscribers on both nodes reconnect
with their Last-Event-ID when cut off. Each test injects one fault (SIGKILL a worker, SIGKILL a node, restart
Redis, cut every PostgreSQL connection), then checks that nothing was lost: every accepted post has exactly one
decision, every subscriber received every published post of its channels exactly once and in order, and the
audit chain verifies. The tests share one deployment and run in file order; each check covers everything
published so far."""
from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import pytest

from scripts.cluster import Cluster, PrivateRedis, free_base_port
from tests.cluster.traffic import Publisher, Subscriber, Traffic, sign_up_with_channel
from tests.conftest import POSTGRES_ADMIN_DSN, POSTGRES_TEST_DB, postgres_admin, service_unavailable

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
DATABASE = f"{POSTGRES_TEST_DB}_cluster"
DATABASE_URL = f"postgresql://postgres@127.0.0.1:5432/{DATABASE}"
PUBLISHERS = ("ann", "bob", "cyd")
POSTS_PER_SECOND = 8  # per publisher
# Short enough that a killed worker's claim is taken over within a test, long enough for a batch on a busy machine.
SETTINGS = {"MASTHEAD_PIPELINE_LEASE_SECONDS": "3", "MASTHEAD_PIPELINE_POLL_SECONDS": "0.1",
            "MASTHEAD_PIPELINE_BATCH_SIZE": "50", "MASTHEAD_LIVE_POLL_SECONDS": "1",
            "MASTHEAD_LIVE_HEARTBEAT_SECONDS": "1"}
SETTLE_SECONDS = 60.0


def _query(sql: str, *args: Any) -> list[asyncpg.Record]:
    async def run() -> list[asyncpg.Record]:
        connection = await asyncpg.connect(DATABASE_URL, timeout=5)
        try:
            rows: list[asyncpg.Record] = await connection.fetch(sql, *args)
            return rows
        finally:
            await connection.close()
    return asyncio.run(run())


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    try:
        asyncio.run(postgres_admin(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"))
        asyncio.run(postgres_admin(f"CREATE DATABASE {DATABASE}"))
    except (OSError, asyncpg.PostgresError, asyncio.TimeoutError) as exc:
        service_unavailable(f"PostgreSQL is not reachable at {POSTGRES_ADMIN_DSN}: {exc}")
    yield DATABASE_URL
    asyncio.run(postgres_admin(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"))


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateRedis]:
    if not PrivateRedis.available():
        service_unavailable("redis-server is not on PATH; the fault tests start (and restart) a private one")
    server = PrivateRedis(free_base_port(1), tmp_path_factory.mktemp("redis") / "redis.log")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def cluster(database: str, redis_server: PrivateRedis, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    deployment = Cluster(database, redis_server.url, nodes=2, workers=2, base_port=free_base_port(2),
                         settings=SETTINGS, log_dir=tmp_path_factory.mktemp("cluster"))
    deployment.start()
    try:
        yield deployment
    finally:
        deployment.stop()


@pytest.fixture(scope="module")
def traffic(cluster: Cluster) -> Iterator[Traffic]:
    one, two = cluster.urls
    tokens = [sign_up_with_channel(base, handle) for base, handle in zip([one, two, one], PUBLISHERS)]
    channels = [f"{handle}_news" for handle in PUBLISHERS]
    publishers = [Publisher(channel, token, [one, two] if i % 2 == 0 else [two, one], POSTS_PER_SECOND)
                  for i, (channel, token) in enumerate(zip(channels, tokens))]
    every = ",".join(channels)
    subscribers = [Subscriber("all@1", every, [one, two]), Subscriber("ann@1", channels[0], [one, two]),
                   Subscriber("all@2", every, [two, one]), Subscriber("bob,cyd@2", ",".join(channels[1:]), [two, one])]
    load = Traffic(publishers, subscribers)
    try:
        load.wait_until_subscribed()
        yield load
    finally:
        load.close()


def _wait_for(condition: Any, what: str, timeout: float = SETTLE_SECONDS) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(0.1)


def _published_in(channels: str) -> list[str]:
    rows = _query("SELECT p.id FROM posts p JOIN channels c ON c.id = p.channel_id "
                  "WHERE p.state = 'published' AND c.handle = ANY($1::text[]) ORDER BY p.feed_seq, p.id",
                  channels.split(","))
    return [str(row["id"]) for row in rows]


def _delivery_problems(subscriber: Subscriber, expected: list[str]) -> str:
    received = list(subscriber.received)
    duplicates = [post_id for post_id, count in Counter(received).items() if count > 1]
    missing = sorted(set(expected) - set(received))
    unexpected = sorted(set(received) - set(expected))
    order = "" if duplicates or missing or unexpected else "received in another order"
    return (f"{subscriber.name}: {len(received)} received of {len(expected)} published; duplicates {duplicates[:5]}, "
            f"missing {missing[:5]}, unexpected {unexpected[:5]} {order}; connections {subscriber.connections}")


def _assert_nothing_lost(traffic: Traffic, cluster: Cluster, accepted_before: int) -> None:
    traffic.pause()
    accepted = traffic.accepted()
    outcomes = traffic.outcomes()
    assert len(accepted) > accepted_before, f"no post was accepted during the fault: {outcomes}"
    # Refused by a dead node, unanswered by a dying one, 503 when the database connection broke: never a 500.
    assert set(outcomes) <= {"202", "503", "refused", "no answer"}, outcomes
    dead = [member.name for member in cluster.exited()]
    assert not dead, f"processes ended on their own: {dead}"
    _wait_for(lambda: _query("SELECT count(*) AS n FROM outbox")[0]["n"] == 0, "the pipeline to decide every post")

    stored = {str(row["id"]) for row in _query("SELECT id FROM posts")}
    assert not set(accepted) - stored, f"accepted posts missing from the database: {set(accepted) - stored}"
    undecided_or_twice = _query("SELECT p.id, count(d.id) AS n FROM posts p LEFT JOIN decisions d "
                                "ON d.post_id = p.id GROUP BY p.id HAVING count(d.id) <> 1")
    assert not undecided_or_twice, f"posts without exactly one decision: {undecided_or_twice[:5]}"
    # Ordinary text, so the policy publishes every post: a fault must not leave one held as a pipeline error.
    states = Counter(row["state"] for row in _query("SELECT state FROM posts"))
    assert set(states) == {"published"}, states

    for subscriber in traffic.subscribers:
        expected = _published_in(subscriber.channels)
        _wait_for(lambda: len(subscriber.received) >= len(expected), _delivery_problems(subscriber, expected), 30)
        time.sleep(0.2)  # anything more (a duplicate) would arrive now
        assert subscriber.received == expected, _delivery_problems(subscriber, expected)
    _assert_audit_chain_verifies()
    # Shown with the test's output: what the publishers met, and where the subscribers connected.
    print(f"posts {sum(states.values())} {dict(states)}; publish answers {dict(outcomes)}; "
          f"connections {[len(s.connections) for s in traffic.subscribers]}")


def _assert_audit_chain_verifies() -> None:
    result = subprocess.run([sys.executable, "-m", "masthead.cli", "audit", "verify"], capture_output=True,
                            text=True, cwd=ROOT, timeout=120, env={
                                **os.environ, "MASTHEAD_DATABASE_URL": DATABASE_URL,
                                "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])})
    assert result.returncode == 0, result.stdout + result.stderr


def _under_load(traffic: Traffic, seconds: float) -> None:
    traffic.publish()
    time.sleep(seconds)


def _claims_of(pid: int | None) -> list[str]:
    return [str(row["post_id"]) for row in _query("SELECT post_id FROM outbox WHERE claimed_by = $1",
                                                    f"{socket.gethostname()}:{pid}")]


def test_a_worker_killed_holding_claims_is_replaced_and_nothing_is_lost(cluster: Cluster,
                                                                          traffic: Traffic) -> None:
    before = len(traffic.accepted())
    _under_load(traffic, 2)
    victim = cluster.member("worker-1")
    # Killed between its claim and its commit: those posts wait for their lease to run out, then worker 2 takes them.
    # Frozen first, so that what it holds can be read before the kill.
    stranded: list[str] = []
    deadline = time.monotonic() + 20
    while not stranded and time.monotonic() < deadline:
        victim.freeze()
        stranded = _claims_of(victim.pid)
        if not stranded:
            victim.thaw()
            time.sleep(0.01)
    cluster.kill("worker-1")
    assert stranded, "worker 1 never held a claim in 20 s"
    time.sleep(4)  # the other worker alone; the killed one's claims expire after 3 s
    cluster.restart("worker-1")
    time.sleep(2)
    _assert_nothing_lost(traffic, cluster, before)


def test_a_killed_node_sends_its_subscribers_to_the_other_and_nothing_is_lost(cluster: Cluster,
                                                                               traffic: Traffic) -> None:
    before = len(traffic.accepted())
    one, two = cluster.urls
    _under_load(traffic, 3)
    cluster.kill("node-1")
    # Its subscribers resume on node 2 with their cursor; publishers go there too.
    _wait_for(lambda: all(s.connections[-1] == two for s in traffic.subscribers), "every subscriber on node 2", 20)
    time.sleep(2)
    cluster.restart("node-1")
    time.sleep(2)
    _assert_nothing_lost(traffic, cluster, before)
    assert [s.name for s in traffic.subscribers if one in s.connections[:1] and two in s.connections] == \
        ["all@1", "ann@1"]


def test_a_restarted_redis_loses_nothing(cluster: Cluster, traffic: Traffic, redis_server: PrivateRedis) -> None:
    before = len(traffic.accepted())
    _under_load(traffic, 2)
    redis_server.kill()
    time.sleep(3)  # live delivery falls back to each node's poll
    redis_server.start()
    time.sleep(3)
    _assert_nothing_lost(traffic, cluster, before)


def test_cut_postgresql_connections_lose_nothing(cluster: Cluster, traffic: Traffic) -> None:
    before = len(traffic.accepted())
    _under_load(traffic, 2)
    for _ in range(2):
        cut = _query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                     "WHERE datname = $1 AND pid <> pg_backend_pid()", DATABASE)
        assert cut, "no connection of the deployment to cut"
        time.sleep(2)
    time.sleep(2)
    _assert_nothing_lost(traffic, cluster, before)
