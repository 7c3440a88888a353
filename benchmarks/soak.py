"""Soak: `masthead serve` (and, on PostgreSQL, `masthead worker` processes) publishing at a steady rate to
thousands of live subscribers for minutes, bounded in time and size.

    .venv/bin/python benchmarks/soak.py [--minutes 10] [--subscribers 2000] [--rate 5] [--postgres [--workers 1]]

The servers are the real commands, started as subprocesses on a fresh database: SQLite in a temporary
directory, or with --postgres a fresh PostgreSQL database and the local Redis (other programs using the same
Redis may ring its one pub/sub channel too). The subscribers are fanout.py's raw asyncio connections in this
process, on SSE (they do not answer the pings `masthead serve` sends WebSocket clients). Posts (distinct 2 KB
bodies) are published through the API on a fixed schedule, each on its own connection, whatever the previous
one's fate. Every WINDOW seconds one table row: posts accepted, deliveries, publish-to-delivery p50/p99 of the
deliveries in that window, and the resident memory and CPU share of every process it started and of itself.
At the end: totals (every subscriber must have every post exactly once), overall latency percentiles, and per
process whether memory grows: the least-squares slope of RSS over the second half of the run (the first half
is warm-up: caches and the allocator's arenas fill), as the growth it implies across that half relative to the
mean RSS there.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from fanout import (
    SRC,
    Tally,
    connect_all,
    cpu_seconds,
    free_port,
    http_json,
    raise_file_limit,
    rss_bytes,
    sse_request,
)
from sample_posts import two_kilobyte_body

WINDOW = 10.0
DRAIN_SECONDS = 30.0
MAX_GROWTH = 0.03
MILLISECONDS_KEPT = 120_000  # latencies are counted per millisecond up to two minutes (longer ones: the last bin)
POSTGRES_DATABASE = "masthead_soak"


@dataclass(frozen=True)
class Trend:
    slope: float  # bytes per second, least squares
    growth: float  # slope × span of the samples, relative to their mean

    def grows(self, limit: float) -> bool:
        return self.growth > limit


def memory_trend(samples: Sequence[tuple[float, float]]) -> Trend:
    """The trend of (seconds, bytes) samples over their second half: the least-squares slope, and the growth
    that slope implies across the half relative to the half's mean. Fewer than two samples: no trend."""
    half = samples[len(samples) // 2:]
    if len(half) < 2:
        return Trend(0.0, 0.0)
    times = np.array([t for t, _ in half], dtype=float)
    values = np.array([v for _, v in half], dtype=float)
    centred = times - times.mean()
    denominator = float(centred @ centred)
    if denominator == 0.0:
        return Trend(0.0, 0.0)
    slope = float(centred @ (values - values.mean())) / denominator
    return Trend(slope, slope * float(times[-1] - times[0]) / float(values.mean()))


def histogram_percentile(counts: np.ndarray, q: float) -> float:
    """The q-quantile (0..1) of values counted per unit bin (bin i holds values in [i, i+1)), as the bin's
    upper edge; NaN when nothing was counted."""
    total = int(counts.sum())
    if total == 0:
        return float("nan")
    rank = max(1, int(np.ceil(q * total)))
    return float(np.searchsorted(np.cumsum(counts), rank) + 1)


class Deliveries(Tally):
    """Counts deliveries per post and latencies per millisecond, in constant memory per window, so that this
    process's own memory stays flat over a long run."""

    def __init__(self) -> None:
        super().__init__()
        self.sent_at: dict[int, float] = {}
        self.received: dict[int, int] = {}
        self.window = np.zeros(MILLISECONDS_KEPT, dtype=np.int64)
        self.overall = np.zeros(MILLISECONDS_KEPT, dtype=np.int64)

    def arrived(self, k: int, now: float) -> None:
        self.received[k] = self.received.get(k, 0) + 1
        sent = self.sent_at.get(k)
        if sent is not None:
            self.window[min(MILLISECONDS_KEPT - 1, int((now - sent) * 1000))] += 1

    def close_window(self) -> np.ndarray:
        counts = self.window
        self.overall += counts
        self.window = np.zeros(MILLISECONDS_KEPT, dtype=np.int64)
        return counts


@dataclass
class Process:
    name: str
    pid: int
    rss: list[tuple[float, float]]
    cpu_mark: float

    def sample(self, now: float) -> tuple[float, float]:
        """(RSS MiB, CPU share of one core since the last sample)."""
        rss = rss_bytes(self.pid)
        cpu = cpu_seconds(self.pid)
        share = (cpu - self.cpu_mark) / WINDOW
        self.cpu_mark = cpu
        self.rss.append((now, rss))
        return rss / 2**20, share


def start_command(name: str, arguments: list[str], environment: dict[str, str], log_dir: Path) -> subprocess.Popen[bytes]:
    log = (log_dir / f"{name}.log").open("wb")
    return subprocess.Popen([sys.executable, "-m", "masthead.cli", *arguments], env=environment,
                            stdout=log, stderr=subprocess.STDOUT)


async def wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited: {log.read_text()[-2000:]}")
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return
        except OSError:
            await asyncio.sleep(0.2)
    raise RuntimeError("the server did not start within two minutes")


async def drop_postgres(create_again: bool) -> str:
    """Drop the soak's own database (never a shared one), and create it empty when asked; its URL."""
    import asyncpg

    connection = await asyncpg.connect("postgresql://postgres@127.0.0.1:5432/test", timeout=3)
    try:
        await connection.execute(f"DROP DATABASE IF EXISTS {POSTGRES_DATABASE} WITH (FORCE)")
        if create_again:
            await connection.execute(f"CREATE DATABASE {POSTGRES_DATABASE}")
    finally:
        await connection.close()
    return f"postgresql://postgres@127.0.0.1:5432/{POSTGRES_DATABASE}"


async def soak(args: argparse.Namespace) -> int:
    workdir = Path(tempfile.mkdtemp(prefix="soak-"))
    port = free_port()
    environment = {
        **os.environ,
        "PYTHONPATH": f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
        "MASTHEAD_DATA_DIR": str(workdir / "data"),
        # The schedule is one account's posts from one address; the write limits are for people, not for it.
        "MASTHEAD_WRITE_LIMIT_PER_ACCOUNT": str(max(3000, int(args.rate * 120))),
        "MASTHEAD_WRITE_LIMIT_PER_ADDRESS": str(max(6000, int(args.rate * 240))),
    }
    if args.postgres:
        environment["MASTHEAD_DATABASE_URL"] = await drop_postgres(create_again=True)
        environment["MASTHEAD_REDIS_URL"] = "redis://127.0.0.1:6379/0"
    else:
        environment["MASTHEAD_DATABASE_URL"] = f"sqlite:///{workdir / 'masthead.db'}"
    children: list[tuple[str, subprocess.Popen[bytes]]] = []
    try:
        server = start_command("serve", ["serve", "--port", str(port)], environment, workdir)
        children.append(("serve", server))
        await wait_for_port(port, server, workdir / "serve.log")
        for number in range(args.workers if args.postgres else 0):
            children.append((f"worker {number + 1}", start_command(f"worker-{number + 1}", ["worker"], environment,
                                                                   workdir)))
        signed = await http_json(port, "POST", "/api/v1/accounts",
                                 {"handle": "soak", "password": "soak benchmark pw", "display_name": "Soak"})
        token = str(signed["token"])
        await http_json(port, "POST", "/api/v1/channels", {"handle": "soak", "name": "Soak"}, token)

        deliveries = Deliveries()
        deliveries.expected = args.subscribers
        connected_at = time.monotonic()
        subscribers = await connect_all(port, [sse_request("/api/v1/stream?channels=soak")] * args.subscribers,
                                        deliveries)
        print(f"{len(subscribers):,} SSE subscribers connected in {time.monotonic() - connected_at:.1f} s; "
              f"{'PostgreSQL + Redis' if args.postgres else 'SQLite'}; {args.rate} posts/s for {args.minutes} min; "
              f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; logs in {workdir}", flush=True)
        processes = [Process(name, child.pid, [], cpu_seconds(child.pid)) for name, child in children]
        processes.append(Process("soak client", os.getpid(), [], cpu_seconds(os.getpid())))
        refused: list[str] = []
        accepted = 0
        in_flight: set[asyncio.Task[None]] = set()

        async def publish(k: int) -> None:
            nonlocal accepted
            deliveries.sent_at[k] = time.monotonic()
            try:
                answer = await http_json(port, "POST", "/api/v1/channels/soak/posts",
                                         {"title": f"bench-{k}", "body": two_kilobyte_body(k)}, token)
            except (OSError, ValueError) as exc:
                answer = {"error": str(exc)}
            if "id" in answer:
                accepted += 1
            else:
                deliveries.sent_at.pop(k, None)
                refused.append(str(answer)[:200])

        header = ("| window | s | posts accepted | deliveries | deliveries/s | p50 ms | p99 ms | "
                  + " | ".join(f"{p.name} MiB / CPU" for p in processes) + " | load |")
        print(header)
        print("|" + "---|" * (header.count("|") - 1), flush=True)
        started = time.monotonic()
        end = started + args.minutes * 60
        next_window = started + WINDOW
        window_number = 0
        accepted_mark = 0
        delivered_mark = 0
        k = 0
        while True:
            now = time.monotonic()
            if now >= next_window:
                window_number += 1
                counts = deliveries.close_window()
                delivered = int(deliveries.overall.sum())
                samples = [p.sample(now - started) for p in processes]
                print(f"| {window_number} | {now - started:.0f} | {accepted - accepted_mark} | "
                      f"{delivered - delivered_mark:,} | {(delivered - delivered_mark) / WINDOW:,.0f} | "
                      f"{histogram_percentile(counts, 0.5):.0f} | {histogram_percentile(counts, 0.99):.0f} | "
                      + " | ".join(f"{rss:.0f} / {share:.0%}" for rss, share in samples)
                      + f" | {os.getloadavg()[0]:.1f} |", flush=True)
                accepted_mark, delivered_mark = accepted, delivered
                next_window += WINDOW
                continue
            if now >= end:
                break
            due = started + k / args.rate
            if now >= due:
                task = asyncio.create_task(publish(k))
                in_flight.add(task)
                task.add_done_callback(in_flight.discard)
                k += 1
                continue
            await asyncio.sleep(min(due, next_window, end) - now)

        publishing_seconds = time.monotonic() - started
        if in_flight:
            await asyncio.wait(in_flight)
        drain_deadline = time.monotonic() + DRAIN_SECONDS
        while time.monotonic() < drain_deadline and any(
                deliveries.received.get(post, 0) < args.subscribers for post in deliveries.sent_at):
            await asyncio.sleep(0.5)
        deliveries.close_window()
        for subscriber in subscribers:
            if subscriber.transport is not None:
                subscriber.transport.abort()
        return report(args, deliveries, processes, k, accepted, refused, publishing_seconds)
    finally:
        for _, child in children:
            child.terminate()
        for _, child in children:
            try:
                child.wait(10)
            except subprocess.TimeoutExpired:
                child.kill()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
            if args.postgres:
                await drop_postgres(create_again=False)


def report(args: argparse.Namespace, deliveries: Deliveries, processes: list[Process], scheduled: int,
           accepted: int, refused: list[str], seconds: float) -> int:
    expected = accepted * args.subscribers
    counts = [deliveries.received.get(post, 0) for post in deliveries.sent_at]
    missing = sum(max(0, args.subscribers - count) for count in counts)
    extra = sum(max(0, count - args.subscribers) for count in counts)
    delivered = sum(counts)
    print()
    print(f"posts: {scheduled:,} scheduled, {accepted:,} accepted ({accepted / seconds:.2f}/s), {len(refused)} refused"
          + (f" (first: {refused[0]})" if refused else ""))
    print(f"deliveries: {delivered:,} of {expected:,} ({delivered / seconds:,.0f}/s); missing {missing:,}, "
          f"duplicated {extra:,}")
    print(f"publish-to-delivery: p50 {histogram_percentile(deliveries.overall, 0.5):.0f} ms, "
          f"p99 {histogram_percentile(deliveries.overall, 0.99):.0f} ms, "
          f"p99.9 {histogram_percentile(deliveries.overall, 0.999):.0f} ms")
    print(f"memory trend over the second half (least-squares slope of RSS; growth across the half relative to its "
          f"mean; limit {args.max_growth:.0%}):")
    growing = []
    for process in processes:
        trend = memory_trend(process.rss)
        verdict = "GROWS" if trend.grows(args.max_growth) else "no growth trend"
        mean = np.mean([rss for _, rss in process.rss[len(process.rss) // 2:]]) / 2**20 if process.rss else 0.0
        print(f"  {process.name}: mean {mean:.0f} MiB, slope {trend.slope * 60 / 2**20:+.2f} MiB/min, "
              f"{trend.growth:+.1%} across the half: {verdict}")
        if trend.grows(args.max_growth):
            growing.append(process.name)
    ok = not growing and missing == 0 and extra == 0 and not refused
    print(f"verdict: {'PASS' if ok else 'FAIL'}" + (f" (memory grows: {', '.join(growing)})" if growing else ""))
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--subscribers", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=5.0, help="posts published per second")
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL and Redis instead of SQLite")
    parser.add_argument("--workers", type=int, default=1, help="`masthead worker` processes (with --postgres)")
    parser.add_argument("--max-growth", type=float, default=MAX_GROWTH,
                        help=f"largest RSS growth across the second half, relative to its mean (default {MAX_GROWTH})")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (database, logs)")
    args = parser.parse_args()
    raise_file_limit(args.subscribers)
    return asyncio.run(soak(args))


if __name__ == "__main__":
    sys.exit(main())
