"""Live fan-out on loopback: one post to N connected subscribers, Masthead (SSE and WebSocket, the whole path:
publish through the API, the pipeline decides, the hub delivers) against `websockets.broadcast` and a naive
Starlette loop (`await ws.send_text(...)` per connection), in the same run.

    .venv/bin/python benchmarks/fanout.py [--connections 1000,10000] [--rounds 10] [--systems ...]

Each system runs in its own process; the subscribers are raw asyncio sockets in this process (no HTTP or
WebSocket library on the client side: it only finds each event's marker in the bytes it receives). Each round
sends one event and waits until every connection has it (or ROUND_TIMEOUT passes), so every system writes one
event per connection per round. Reported per system and connection count:
- deliveries per server-core-second: deliveries / the server process's own CPU time (utime + stime from /proc)
  over the rounds — for Masthead this includes accepting the post over HTTP and the pipeline deciding it;
- publish-to-delivery p50 / p99 / max, from the moment the trigger is sent (clocks: CLOCK_MONOTONIC, shared
  by all processes);
- server memory per idle connection: RSS growth after connecting, divided by the connections.
The client load shares the machine's two cores with the server, so latencies include the client's own time.
"""
from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"
MARK = b'"title":"bench-'
ROUND_TIMEOUT = 10.0
CONNECT_CONCURRENCY = 200
TICKS = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")
# About the size of a live `post` event's data for a short post (the peers send a payload of this shape).
SAMPLE_BODY = "The harbour ferry timetable changes on Monday; evening sailings move half an hour later. " * 3


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def rss_bytes(pid: int) -> int:
    return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE


# -- servers ---------------------------------------------------------------------------------------------------

MASTHEAD_SERVER = """
import sys, uvicorn
from masthead.api.app import create_app
from masthead.context import Context
from masthead.settings import Settings
from masthead.store.migrate import run_migrations
from argon2 import PasswordHasher
url = "sqlite+aiosqlite:///" + sys.argv[2] + "/masthead.db"
run_migrations(url)
settings = Settings(database_url=url, data_dir=sys.argv[2], live_buffer_bytes=1 << 20, live_heartbeat_seconds=60.0)
app = create_app(Context.create(settings, hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)))
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", loop="asyncio", http="h11",
            ws="websockets-sansio", ws_per_message_deflate=False, ws_ping_interval=None, backlog=4096, timeout_keep_alive=60)
"""

# Peers read one round number a line on stdin and send that event to every connection.
WEBSOCKETS_SERVER = """
import asyncio, sys
from websockets.asyncio.server import broadcast, serve
PAYLOAD = sys.argv[2]
async def main():
    connections = set()
    async def handler(ws):
        connections.add(ws)
        try:
            await ws.wait_closed()
        finally:
            connections.discard(ws)
    async with serve(handler, "127.0.0.1", int(sys.argv[1]), compression=None, ping_interval=None, backlog=4096):
        print("ready", flush=True)
        reader = asyncio.StreamReader()
        await asyncio.get_running_loop().connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        while line := await reader.readline():
            for k in line.split():
                broadcast(connections, PAYLOAD.replace("{k}", k.decode()))
asyncio.run(main())
"""

STARLETTE_SERVER = """
import asyncio, contextlib, sys, uvicorn
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
PAYLOAD = sys.argv[2]
connections = set()
async def endpoint(ws):
    await ws.accept()
    connections.add(ws)
    try:
        while (await ws.receive())["type"] != "websocket.disconnect":
            pass
    finally:
        connections.discard(ws)
async def control():
    reader = asyncio.StreamReader()
    await asyncio.get_running_loop().connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while line := await reader.readline():
        for k in line.split():
            message = PAYLOAD.replace("{k}", k.decode())
            for ws in list(connections):
                await ws.send_text(message)
@contextlib.asynccontextmanager
async def lifespan(app):
    task = asyncio.create_task(control())
    yield
    task.cancel()
app = Starlette(routes=[WebSocketRoute("/ws", endpoint)], lifespan=lifespan)
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", loop="asyncio", http="h11",
            ws="websockets-sansio", ws_per_message_deflate=False, ws_ping_interval=None, backlog=4096)
"""


# The floor: the same frame written with socket.send to every connection from a plain Python loop, no asyncio
# transport, no framing per connection — what the kernel's loopback send costs on this machine.
SOCKET_SEND_FLOOR = """
import asyncio, os, struct, sys
PAYLOAD = sys.argv[2]
def frame(payload):
    size = len(payload)
    return struct.pack("!BBH", 0x81, 126, size) + payload if size < 65536 else struct.pack("!BBQ", 0x81, 127, size) + payload
async def main():
    descriptors = []
    async def handler(reader, writer):
        try:
            await reader.readuntil(b"\\r\\n\\r\\n")
            writer.write(b"HTTP/1.1 101 Switching Protocols\\r\\nUpgrade: websocket\\r\\nConnection: Upgrade\\r\\n\\r\\n")
            await writer.drain()
            descriptors.append(writer.get_extra_info("socket").fileno())
            await reader.read()
        except (OSError, asyncio.IncompleteReadError):
            pass
    server = await asyncio.start_server(handler, "127.0.0.1", int(sys.argv[1]), backlog=4096)
    reader = asyncio.StreamReader()
    await asyncio.get_running_loop().connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while line := await reader.readline():
        for k in line.split():
            data = frame(PAYLOAD.replace("{k}", k.decode()).encode())
            for fd in descriptors:
                try:
                    os.write(fd, data)
                except OSError:
                    pass
asyncio.run(main())
"""


def peer_payload() -> str:
    """A message shaped like a live post event, with the round number where {k} stands."""
    data = {"id": "{k}", "channel": "bench", "title": "bench-{k}", "body_html": f"<p>{SAMPLE_BODY}</p>",
            "state": "published", "lang": "en", "labels": [], "badges": [], "reprint_of": None, "source_url": None,
            "original": False, "provenance": [], "created_at": "2026-12-04T16:00:00+00:00",
            "published_at": "2026-12-04T16:00:00+00:00", "decision": None}
    return json.dumps({"event": "post", "id": "MTIuMzQuMA", "data": data}, separators=(",", ":"))


# -- clients ---------------------------------------------------------------------------------------------------

@dataclass
class Tally:
    """Arrival times of each round's event, across all connections."""

    arrivals: dict[int, list[float]] = field(default_factory=dict)
    waiting: dict[int, asyncio.Event] = field(default_factory=dict)
    expected: int = 0

    def arrived(self, k: int, now: float) -> None:
        times = self.arrivals.setdefault(k, [])
        times.append(now)
        if len(times) == self.expected and k in self.waiting:
            self.waiting[k].set()


class Subscriber(asyncio.Protocol):
    """Counts the events it receives; knows nothing of HTTP or WebSocket framing beyond the handshake."""

    def __init__(self, tally: Tally, request: bytes, ready: asyncio.Future[None]) -> None:
        self.tally = tally
        self.request = request
        self.ready = ready
        self.tail = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        now = time.monotonic()
        if not self.ready.done():
            if b" 101 " in data[:20] or b" 200 " in data[:20]:
                self.ready.set_result(None)
            else:
                self.ready.set_exception(RuntimeError(data[:200].decode(errors="replace")))
        data = self.tail + data
        start = data.find(MARK)
        while start != -1:
            end = data.find(b'"', start + len(MARK))
            if end == -1:
                break
            self.tally.arrived(int(data[start + len(MARK):end]), now)
            start = data.find(MARK, end)
        self.tail = data[-40:]

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.ready.done():
            self.ready.set_exception(ConnectionError("closed before the handshake"))


def sse_request(path: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n".encode()


def ws_request(path: str) -> bytes:
    key = base64.b64encode(os.urandom(16)).decode()
    return (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode()


async def connect_all(port: int, requests: list[bytes], tally: Tally) -> list[Subscriber]:
    loop = asyncio.get_running_loop()
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)
    subscribers: list[Subscriber] = []

    async def one(request: bytes) -> None:
        async with gate:
            ready: asyncio.Future[None] = loop.create_future()
            _, protocol = await loop.create_connection(lambda: Subscriber(tally, request, ready), "127.0.0.1", port)
            await asyncio.wait_for(ready, 30)
            subscribers.append(protocol)
    await asyncio.gather(*(one(request) for request in requests))
    return subscribers


# -- one system at one size ------------------------------------------------------------------------------------

@dataclass
class Result:
    system: str
    connections: int
    events: int
    delivered: int
    cpu: float
    fanout_cpu: float
    latencies: list[float]
    rss_per_connection: float

    @property
    def rate(self) -> float:
        return self.delivered / self.cpu if self.cpu else float("inf")

    @property
    def fanout_rate(self) -> float:
        return self.delivered / self.fanout_cpu if self.fanout_cpu else float("inf")

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


class Server:
    def __init__(self, code: str, args: list[str]) -> None:
        self.port = free_port()
        env = {**os.environ, "PYTHONPATH": f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
        self.process = subprocess.Popen([sys.executable, "-c", textwrap.dedent(code), str(self.port), *args],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)

    async def started(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", self.port)
                writer.close()
                return
            except OSError:
                await asyncio.sleep(0.1)
        raise RuntimeError("server did not start")

    def trigger(self, ks: list[int]) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(" ".join(map(str, ks)).encode() + b"\n")
        self.process.stdin.flush()

    def stop(self) -> None:
        self.process.kill()
        self.process.wait()


async def http_json(port: int, method: str, path: str, body: dict[str, object], token: str = "") -> dict[str, object]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    payload = json.dumps(body).encode()
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    writer.write(f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n{auth}"
                 f"Content-Length: {len(payload)}\r\nConnection: close\r\n\r\n".encode() + payload)
    response = await reader.read()
    writer.close()
    head, _, rest = response.partition(b"\r\n\r\n")
    if b"chunked" in head.lower():
        size, _, rest = rest.partition(b"\r\n")
        rest = rest[:int(size, 16)]
    result: dict[str, object] = json.loads(rest)
    return result


async def measure(system: str, connections: int, rounds: int, burst: int) -> Result:
    workdir = tempfile.mkdtemp(prefix="fanout-")
    code = {"websockets.broadcast": WEBSOCKETS_SERVER, "starlette-loop": STARLETTE_SERVER,
            "socket.send floor": SOCKET_SEND_FLOOR}.get(system, MASTHEAD_SERVER)
    server = Server(code, [workdir] if code is MASTHEAD_SERVER else [peer_payload()])
    try:
        await server.started()
        token = ""
        if system.startswith("masthead"):
            signed = await http_json(server.port, "POST", "/api/v1/accounts",
                                     {"handle": "bench", "password": "benchmark pw", "display_name": "Bench"})
            token = str(signed["token"])
            await http_json(server.port, "POST", "/api/v1/channels", {"handle": "bench", "name": "Bench"}, token)
        path = {"masthead-sse": "/api/v1/stream?channels=bench", "masthead-ws": "/api/v1/ws?channels=bench"}.get(
            system, "/ws")
        make = sse_request if system == "masthead-sse" else ws_request
        tally = Tally()
        sent_at: dict[int, float] = {}
        next_k = 0

        async def send_round() -> list[int]:
            """Send `burst` events and wait until every connection has all of them (or the round times out)."""
            nonlocal next_k
            ks = list(range(next_k, next_k + burst))
            next_k += burst
            for k in ks:
                tally.waiting[k] = asyncio.Event()
            if system.startswith("masthead"):
                for k in ks:
                    sent_at[k] = time.monotonic()
                    await http_json(server.port, "POST", "/api/v1/channels/bench/posts",
                                    {"title": f"bench-{k}", "body": SAMPLE_BODY}, token)
            else:
                sent_at.update((k, time.monotonic()) for k in ks)
                server.trigger(ks)
            if tally.expected:
                deadline = time.monotonic() + ROUND_TIMEOUT
                for k in ks:
                    try:
                        await asyncio.wait_for(tally.waiting[k].wait(), max(0.0, deadline - time.monotonic()))
                    except TimeoutError:
                        break
            else:
                await asyncio.sleep(0.3)  # nobody to wait for: give the pipeline and the hub time to finish
            return ks

        # The same rounds with nobody connected: what the trigger itself costs the server (for Masthead,
        # accepting the posts over HTTP, the pipeline deciding them and the hub reading them).
        await send_round()
        idle_before = cpu_seconds(server.process.pid)
        for _ in range(rounds):
            await send_round()
        idle_cpu = cpu_seconds(server.process.pid) - idle_before

        tally.expected = connections
        rss_before = rss_bytes(server.process.pid)
        subscribers = await connect_all(server.port, [make(path) for _ in range(connections)], tally)
        await asyncio.sleep(1.0)  # let every connection join before the first event
        rss_after = rss_bytes(server.process.pid)
        await send_round()  # warm-up, not counted
        cpu_before = cpu_seconds(server.process.pid)
        latencies: list[float] = []
        delivered = 0
        for _ in range(rounds):
            for k in await send_round():
                times = tally.arrivals.get(k, [])
                delivered += len(times)
                latencies.extend(t - sent_at[k] for t in times)
                latencies.extend([float("inf")] * (connections - len(times)))
        cpu = cpu_seconds(server.process.pid) - cpu_before
        for subscriber in subscribers:
            if subscriber.transport is not None:
                subscriber.transport.abort()
        return Result(system, connections, rounds * burst, delivered, cpu, max(0.0, cpu - idle_cpu), latencies,
                      (rss_after - rss_before) / connections)
    finally:
        server.stop()



def raise_file_limit(connections: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = connections + 1000
    if soft < wanted:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (max(wanted, soft), max(wanted, hard)))
        except (ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def print_table(results: list[Result], burst: int) -> None:
    reference = {r.connections: r for r in results if r.system == "websockets.broadcast"}
    print()
    print(f"Events per round: {burst}. 'whole' = all server CPU during the rounds; 'fan-out' = minus the same rounds "
          "with no connection (for Masthead: accepting, deciding and reading the posts).")
    print()
    print("| system | connections | delivered | server CPU s (whole / fan-out) | deliveries per core-s (whole) "
          "| per core-s (fan-out) | fan-out vs websockets.broadcast | p50 ms | p99 ms | max ms | RSS per idle connection |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        ref = reference.get(r.connections)
        ratio = r.fanout_rate / ref.fanout_rate if ref is not None else float("nan")
        print(f"| {r.system} | {r.connections:,} | {r.delivered:,}/{r.events * r.connections:,} | "
              f"{r.cpu:.2f} / {r.fanout_cpu:.2f} | {r.rate:,.0f} | {r.fanout_rate:,.0f} | {ratio:.2f}x | "
              f"{r.percentile(0.5) * 1000:.0f} | {r.percentile(0.99) * 1000:.0f} | {max(r.latencies) * 1000:.0f} | "
              f"{r.rss_per_connection / 1024:.1f} KiB |")


def projection(results: list[Result], system: str, target: int) -> str:
    """Server CPU per event and memory, extrapolated linearly from the two largest measured sizes."""
    points = sorted((r.connections, r.cpu / r.events, r.rss_per_connection) for r in results if r.system == system)
    if len(points) < 2:
        return f"{system}: need two sizes to project"
    (n1, c1, _), (n2, c2, m2) = points[-2], points[-1]
    slope = (c2 - c1) / (n2 - n1)
    per_event = c2 + slope * (target - n2)
    return (f"{system}: {slope * 1e6:.2f} µs of server CPU per extra connection per event; one event to "
            f"{target:,} connections ≈ {per_event:.2f} s of one core; {m2 * target / 2**20:,.0f} MiB for "
            f"{target:,} idle connections")



async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--connections", default="1000,10000")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--burst", type=int, default=1, help="events per round (Masthead: posts published at once)")
    parser.add_argument("--systems",
                        default="masthead-sse,masthead-ws,websockets.broadcast,starlette-loop,socket.send floor")
    args = parser.parse_args()
    sizes = [int(n) for n in args.connections.split(",")]
    raise_file_limit(max(sizes))
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores", flush=True)
    results = []
    for size in sizes:
        for system in args.systems.split(","):
            result = await measure(system, size, args.rounds, args.burst)
            print(f"{system} x {size:,}: {result.delivered:,} delivered, {result.rate:,.0f}/core-s, "
                  f"p50 {result.percentile(0.5) * 1000:.0f} ms, p99 {result.percentile(0.99) * 1000:.0f} ms",
                  flush=True)
            results.append(result)
    print_table(results, args.burst)
    print()
    for system in dict.fromkeys(r.system for r in results):
        print(projection(results, system, 100_000))
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    asyncio.run(main())
