"""Database reads per delivered batch on a node that only receives: node A (with the pipeline worker) and node B
(without) on a fresh PostgreSQL database and a private redis-server, one SSE subscriber on node B; posts published
one at a time through node A, each awaited on node B's stream. Prints each hub's reads and batches (its own
counters, `Hub.stats`), so the same script measures any version of the code on PYTHONPATH.

    PYTHONPATH=src .venv/bin/python benchmarks/ping_reads.py [--posts 50]
"""
from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from masthead.api.app import create_app
from masthead.context import Context
from masthead.settings import Settings
from masthead.store.migrate import run_migrations
from scripts.cluster import PrivateRedis, free_base_port
from tests.live_server import serving

ADMIN_DSN = os.environ.get("MASTHEAD_TEST_POSTGRES_ADMIN", "postgresql://postgres@127.0.0.1:5432/test")


async def _admin(statement: str) -> None:
    connection = await asyncpg.connect(ADMIN_DSN)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def _next_event(lines: Iterator[str]) -> str:
    for line in lines:
        if line.startswith("data: "):
            return line
    raise RuntimeError("the stream ended")


def measure(posts: int, workdir: Path) -> None:
    database = f"masthead_ping_reads_{os.getpid()}"
    asyncio.run(_admin(f"CREATE DATABASE {database}"))
    redis = PrivateRedis(free_base_port(1), workdir / "redis.log")
    redis.start()
    try:
        url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{database}"
        run_migrations(url)
        settings = Settings(database_url=url, redis_url=redis.url, data_dir=str(workdir / "data"),
                            pipeline_poll_seconds=0.05, live_poll_seconds=60.0, live_heartbeat_seconds=60.0)
        node_a = create_app(Context.create(settings))
        node_b = create_app(Context.create(settings), run_worker=False)
        with serving(node_a) as a, serving(node_b) as b, httpx.Client(timeout=30) as client:
            token = client.post(f"{a}/api/v1/accounts", json={"handle": "alice", "password": "long enough pw",
                                                               "display_name": "Alice"}).json()["token"]
            auth = {"Authorization": f"Bearer {token}"}
            client.post(f"{a}/api/v1/channels", headers=auth, json={"handle": "alice_news", "name": "Alice"})
            with client.stream("GET", f"{b}/api/v1/stream", params={"channels": "alice_news"}) as response:
                lines = response.iter_lines()
                while not node_b.state.hub.groups:
                    time.sleep(0.02)
                time.sleep(0.5)  # both nodes subscribed to Redis
                hubs = {"A (publishes)": node_a.state.hub, "B (receives)": node_b.state.hub}
                before = {name: (hub.stats.reads, hub.stats.batches) for name, hub in hubs.items()}
                started = time.monotonic()
                for i in range(posts):
                    answer = client.post(f"{a}/api/v1/channels/alice_news/posts", headers=auth,
                                         json={"title": f"Post {i}", "body": f"Body of post {i}"})
                    assert answer.status_code == 202, answer.text
                    _next_event(lines)
                elapsed = time.monotonic() - started
        print(f"{posts} posts, one at a time, each delivered on node B; {elapsed:.1f} s; "
              f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        print("| node | batches delivered | database reads by its hub | reads per batch | batches from a payload |")
        print("|---|---|---|---|---|")
        for name, hub in hubs.items():
            reads, batches = hub.stats.reads - before[name][0], hub.stats.batches - before[name][1]
            payloads = getattr(hub.stats, "payloads", "n/a")
            print(f"| {name} | {batches} | {reads} | {reads / max(batches, 1):.2f} | {payloads} |")
    finally:
        redis.stop()
        asyncio.run(_admin(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        measure(args.posts, Path(workdir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
