"""Private-message relay against public-channel delivery, in one run on one server (SQLite, loopback).

1,000 devices hold a live stream each (`GET /api/v1/stream?device=D`, 500 accepted one-to-one conversations)
while senders relay messages (a ciphertext for the recipient's device and one for the sender's own); then 1,000
public live streams (`GET /api/v1/stream`, ten channels) while the channels publish posts through the
moderation pipeline. Reported: messages and deliveries per second of the server's CPU (user + system time of
its process, so the load generator's own CPU does not count), and send-to-receive latency percentiles.
Each phase runs for a fixed time, then waits at most DRAIN seconds for what is still in flight.

    .venv/bin/python benchmarks/messages.py [--devices 1000] [--seconds 10] [--concurrency 16]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from argon2 import PasswordHasher

from masthead.context import Context
from masthead.messaging.protocol import b64encode
from masthead.messaging.service import do_accept, do_register_device, do_start_conversation
from masthead.services.accounts import access_account_by_token, do_sign_up
from masthead.services.channels import do_create_channel
from masthead.settings import Settings
from masthead.store.migrate import run_migrations

FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
CHANNELS = 10
DRAIN = 10.0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def server_cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime


def serve(url: str, port: int) -> None:
    import uvicorn

    from masthead.api.app import create_app

    ctx = Context.create(Settings(database_url=url), hasher=FAST_HASHER)
    uvicorn.run(create_app(ctx), host="127.0.0.1", port=port, log_level="warning")


@dataclass
class Pair:
    tokens: tuple[str, str]
    devices: tuple[int, int]
    conversation: int


@dataclass
class World:
    pairs: list[Pair] = field(default_factory=list)
    owners: list[tuple[str, str]] = field(default_factory=list)  # (token, channel handle)


async def build(url: str, devices: int) -> World:
    ctx = Context.create(Settings(database_url=url), hasher=FAST_HASHER)
    world = World()
    for p in range(devices // 2):
        tokens, accounts, ids = [], [], []
        for side in "ab":
            _, token = await do_sign_up(ctx, handle=f"dm{side}{p}", password="benchmark pw", display_name="b")
            account = await access_account_by_token(ctx, token)
            keys = {"P-256": b64encode(b"\x04" + os.urandom(64)), "X25519": b64encode(os.urandom(32))}
            ids.append((await do_register_device(ctx, account, keys)).id)
            tokens.append(token)
            accounts.append(account)
        conversation = await do_start_conversation(ctx, accounts[0], [accounts[1].handle])
        await do_accept(ctx, accounts[1], conversation)
        world.pairs.append(Pair((tokens[0], tokens[1]), (ids[0], ids[1]), conversation))
    for c in range(CHANNELS):
        _, token = await do_sign_up(ctx, handle=f"owner{c}", password="benchmark pw", display_name="o")
        owner = await access_account_by_token(ctx, token)
        await do_create_channel(ctx, owner, handle=f"bench{c}", name=f"Bench {c}", description="")
        world.owners.append((token, f"bench{c}"))
    await ctx.db.dispose()
    return world


async def sse(port: int, path: str, token: str | None, on_data: callable, ready: asyncio.Event,
              opened: list[int], total: int) -> None:
    """A minimal Server-Sent Events reader on a raw socket, light enough to hold a thousand of them."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=1 << 20)
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}Accept: text/event-stream\r\n\r\n".encode())
    await writer.drain()
    counted = False
    try:
        while line := await reader.readline():
            if not counted and line.startswith(b"retry:"):
                counted = True
                opened[0] += 1
                if opened[0] == total:
                    ready.set()
            if line.startswith(b"data: "):
                on_data(json.loads(line[6:]))
    finally:
        writer.close()


def percentiles(latencies: list[float]) -> tuple[float, float, float]:
    if not latencies:
        return (float("nan"),) * 3
    ordered = sorted(latencies)
    return (statistics.median(ordered) * 1000, ordered[int(len(ordered) * 0.99) - 1 if len(ordered) > 1 else 0] * 1000,
            ordered[-1] * 1000)


async def run_phase(name: str, port: int, pid: int, streams: list[tuple[str, str | None]], send: callable,
                    seconds: float, concurrency: int, expected_per_send: int) -> dict[str, float]:
    sent_at: dict[str, float] = {}
    latencies: list[float] = []
    deliveries = [0]

    def on_data(data: dict[str, object]) -> None:
        key = str(data.get("client_id") or data.get("title"))
        deliveries[0] += 1
        start = sent_at.get(key)
        if start is not None:
            latencies.append(time.perf_counter() - start)

    ready = asyncio.Event()
    opened = [0]
    readers = [asyncio.create_task(sse(port, path, token, on_data, ready, opened, len(streams)))
               for path, token in streams]
    await asyncio.wait_for(ready.wait(), 120)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30,
                                 limits=httpx.Limits(max_connections=concurrency)) as http:
        cpu_before = server_cpu_seconds(pid)
        started = time.perf_counter()
        count = [0]

        async def sender(worker: int) -> None:
            rng = random.Random(worker)
            while time.perf_counter() - started < seconds:
                key = f"b{worker}x{count[0]}"
                count[0] += 1
                sent_at[key] = time.perf_counter()
                await send(http, rng, key)

        await asyncio.gather(*(sender(w) for w in range(concurrency)))
        sent = count[0]
        deadline = time.perf_counter() + DRAIN
        while deliveries[0] < sent * expected_per_send and time.perf_counter() < deadline:
            await asyncio.sleep(0.05)
        elapsed = time.perf_counter() - started
        cpu = server_cpu_seconds(pid) - cpu_before
    for task in readers:
        task.cancel()
    await asyncio.gather(*readers, return_exceptions=True)
    p50, p99, worst = percentiles(latencies)
    return {"phase": name, "sent": sent, "deliveries": deliveries[0], "expected": sent * expected_per_send,
            "elapsed": elapsed, "cpu": cpu, "per_core_second": sent / cpu if cpu else float("nan"),
            "deliveries_per_core_second": deliveries[0] / cpu if cpu else float("nan"),
            "p50": p50, "p99": p99, "max": worst}


async def main_async(args: argparse.Namespace, url: str, port: int, pid: int, world: World) -> list[dict[str, float]]:
    envelope = b64encode(os.urandom(12 + 60 + 16))  # the size of a short message's ciphertext; unread by the server

    async def send_private(http: httpx.AsyncClient, rng: random.Random, key: str) -> None:
        pair = rng.choice(world.pairs)
        response = await http.post(
            f"/api/v1/messages/conversations/{pair.conversation}/messages",
            headers={"Authorization": f"Bearer {pair.tokens[0]}"},
            json={"device_id": str(pair.devices[0]), "client_id": key,
                  "envelopes": [{"device_id": str(d), "ciphertext": envelope} for d in pair.devices]})
        assert response.status_code == 201, response.text

    async def publish(http: httpx.AsyncClient, rng: random.Random, key: str) -> None:
        token, channel = rng.choice(world.owners)
        response = await http.post(f"/api/v1/channels/{channel}/posts", headers={"Authorization": f"Bearer {token}"},
                                   json={"title": key, "body": "A short public post about the weather and gardens."})
        assert response.status_code == 202, response.text

    private_streams = [(f"/api/v1/stream?device={pair.devices[side]}", pair.tokens[side])
                       for pair in world.pairs for side in (0, 1)]
    per_channel = args.devices // CHANNELS
    public_streams = [(f"/api/v1/stream?channels={channel}", None)
                      for _, channel in world.owners for _ in range(per_channel)]
    return [
        await run_phase("private messages", port, pid, private_streams, send_private, args.seconds,
                        args.concurrency, 2),
        await run_phase("public posts", port, pid, public_streams, publish, args.seconds, args.concurrency,
                        per_channel),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--devices", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--serve", nargs=2, metavar=("URL", "PORT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve[0], int(args.serve[1]))
        return
    directory = Path(tempfile.mkdtemp(prefix="masthead-messages-bench-"))
    url = f"sqlite+aiosqlite:///{directory / 'bench.db'}"
    run_migrations(url)
    built = time.perf_counter()
    world = asyncio.run(build(url, args.devices))
    print(f"set up {len(world.pairs)} conversations, {2 * len(world.pairs)} devices in "
          f"{time.perf_counter() - built:.1f} s", flush=True)
    port = 18000 + os.getpid() % 1000
    server = subprocess.Popen([sys.executable, __file__, "--serve", url, str(port)])
    try:
        for _ in range(200):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        results = asyncio.run(main_async(args, url, port, server.pid, world))
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"\n{args.devices} online streams, {args.concurrency} concurrent senders, {args.seconds:.0f} s per phase, "
          "SQLite, loopback")
    print("| path | sent | delivered / expected | server CPU s | sent per core-s | deliveries per core-s | "
          "latency p50 / p99 / max ms |")
    print("|---|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['phase']} | {r['sent']:,} | {r['deliveries']:,} / {r['expected']:,} | {r['cpu']:.1f} | "
              f"{r['per_core_second']:,.0f} | {r['deliveries_per_core_second']:,.0f} | "
              f"{r['p50']:.1f} / {r['p99']:.1f} / {r['max']:.1f} |")


if __name__ == "__main__":
    main()
