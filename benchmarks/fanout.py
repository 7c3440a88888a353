"""Live fan-out on loopback: one post to N connected subscribers, Masthead (SSE and WebSocket, the whole path:
publish through the API, the pipeline decides, the hub delivers) against `websockets.broadcast` and a naive
Starlette loop (`await ws.send_text(...)` per connection), in the same run.

    .venv/bin/python benchmarks/fanout.py [--connections 1000,10000] [--rounds 10] [--systems ...]
        [--server-processes N] [--client-processes M]

Each system runs in its own process (Masthead with `--server-processes N`: N server processes on one port, as
`masthead serve --processes N` runs them, joined by a private redis-server; the peers always run one). The
subscribers are raw asyncio sockets in client processes of at most 19,000 connections each (the open-file limit
here is 20,000 per process), with no HTTP or WebSocket library: each finds every event's marker in the bytes it
receives. Each round
sends one event and waits until every connection has it (or ROUND_TIMEOUT passes), so every system writes one
event per connection per round. Reported per system and connection count:
- deliveries per server-core-second: deliveries / the server processes' own CPU time (utime + stime from /proc,
  summed over every server process) over the rounds — for Masthead this includes accepting the post over HTTP and the pipeline deciding it;
- publish-to-delivery p50 / p99 / max, from the moment the trigger is sent (clocks: CLOCK_MONOTONIC, shared
  by all processes);
- server memory per idle connection: RSS growth (summed over the server processes) after connecting, divided by
  the connections.
The client processes share the machine's two cores with the server's, so latencies include the clients' own time.
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

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from scripts.cluster import PrivateRedis

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"
MARK = b'"title":"bench-'
ROUND_TIMEOUT = 10.0
CONNECT_CONCURRENCY = 200
IP_BIND_ADDRESS_NO_PORT = 24  # Linux; not in Python's socket module
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


def process_tree(pid: int) -> list[int]:
    """`pid` and every process below it (a server's processes under `--server-processes`)."""
    found = [pid]
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            found.extend(process_tree(int(child)))
    return found


def tree_cpu_seconds(pid: int) -> float:
    return sum(cpu_seconds(each) for each in process_tree(pid))


def tree_rss_bytes(pid: int) -> int:
    return sum(rss_bytes(each) for each in process_tree(pid))


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
options = dict(log_level="warning", loop="asyncio", http="h11", ws="websockets-sansio", ws_per_message_deflate=False,
               ws_ping_interval=None, backlog=4096, timeout_keep_alive=60)
processes = int(sys.argv[3])
if processes > 1:  # what `masthead serve --processes N` runs; each process reads the same settings from MASTHEAD_*
    from masthead.server_processes import serve_processes
    from masthead.settings import load_settings
    sys.exit(serve_processes(load_settings(), host="127.0.0.1", port=int(sys.argv[1]), processes=processes,
                             run_worker=True, uvicorn_options=options))
app = create_app(Context.create(settings, hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)))
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), **options)
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


async def connect_all(port: int, requests: list[bytes], tally: Tally, source: str | None = None) -> list[Subscriber]:
    """Connect from `source` (an address of the loopback network, 127.0.0.0/8): each address has its own ~28,000
    ephemeral ports, so client processes on different addresses can hold more connections to one port together."""
    loop = asyncio.get_running_loop()
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)
    subscribers: list[Subscriber] = []

    async def one(request: bytes) -> None:
        async with gate:
            ready: asyncio.Future[None] = loop.create_future()
            sock = socket.socket()
            try:
                sock.setblocking(False)
                if source and source != "127.0.0.1":
                    # The port is then chosen at connect time, by the whole address pair, as without bind().
                    sock.setsockopt(socket.SOL_IP, IP_BIND_ADDRESS_NO_PORT, 1)
                    sock.bind((source, 0))
                await loop.sock_connect(sock, ("127.0.0.1", port))
            except OSError:
                sock.close()
                raise
            _, protocol = await loop.create_connection(lambda: Subscriber(tally, request, ready), sock=sock)
            await asyncio.wait_for(ready, 30)
            subscribers.append(protocol)
    await asyncio.gather(*(one(request) for request in requests))
    return subscribers


# Subscribers live in client processes of CLIENT_SOCKETS connections at most (this machine's hard limit of open
# files is 20,000 per process); each reports when all of its connections have an event, and every arrival time
# at the end (CLOCK_MONOTONIC is the same clock in every process).
CLIENT_SOCKETS = 19_000
PIPE_LIMIT = 1 << 27


async def client_main() -> None:
    """A client process: `connect PORT sse|ws PATH COUNT SOURCE` and `report` on stdin, until stdin closes; `have K` on
    stdout when every connection of this process has event K."""
    raise_file_limit(CLIENT_SOCKETS)
    loop = asyncio.get_running_loop()
    commands = asyncio.StreamReader(limit=PIPE_LIMIT)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(commands), sys.stdin)

    def say(line: str) -> None:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()

    class Counting(Tally):
        def arrived(self, k: int, now: float) -> None:
            times = self.arrivals.setdefault(k, [])
            times.append(now)
            if len(times) == self.expected:
                say(f"have {k}")

    tally = Counting()
    subscribers: list[Subscriber] = []
    while line := await commands.readline():
        command, *words = line.decode().split()
        if command == "connect":
            port, kind, path, count, source = int(words[0]), words[1], words[2], int(words[3]), words[4]
            tally.expected = count
            make = sse_request if kind == "sse" else ws_request
            subscribers = await connect_all(port, [make(path) for _ in range(count)], tally, source)
            say("connected")
        elif command == "report":
            say(json.dumps(tally.arrivals))
    del subscribers  # stdin closed: the process ends, and its connections with it


class ClientPool:
    """Client processes holding `connections` subscribers between them; `waiting[k]` is set once every
    process has reported event k at all of its connections."""

    def __init__(self, connections: int, processes: int) -> None:
        self.processes = max(processes, -(-connections // CLIENT_SOCKETS), 1)
        self.shares = [connections // self.processes + (i < connections % self.processes)
                       for i in range(self.processes)]
        self.children: list[asyncio.subprocess.Process] = []
        self.replies: list[asyncio.Queue[str]] = []
        self.have: dict[int, int] = {}
        self.waiting: dict[int, asyncio.Event] = {}
        self.readers: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        for _ in self.shares:
            child = await asyncio.create_subprocess_exec(sys.executable, __file__, "--client", stdin=subprocess.PIPE,
                                                         stdout=subprocess.PIPE, limit=PIPE_LIMIT)
            replies: asyncio.Queue[str] = asyncio.Queue()
            self.children.append(child)
            self.replies.append(replies)
            self.readers.append(asyncio.create_task(self._read(child, replies)))

    async def _read(self, child: asyncio.subprocess.Process, replies: asyncio.Queue[str]) -> None:
        assert child.stdout is not None
        while line := await child.stdout.readline():
            text = line.decode().rstrip("\n")
            if text.startswith("have "):
                k = int(text.split()[1])
                self.have[k] = self.have.get(k, 0) + 1
                if self.have[k] == self.processes and k in self.waiting:
                    self.waiting[k].set()
            else:
                await replies.put(text)
        await replies.put(f"client process {child.pid} ended with status {await child.wait()}")

    async def _ask(self, lines: list[str]) -> list[str]:
        for child, line in zip(self.children, lines, strict=True):
            assert child.stdin is not None
            child.stdin.write(line.encode() + b"\n")
            await child.stdin.drain()
        return [await replies.get() for replies in self.replies]

    async def connect(self, port: int, kind: str, path: str) -> None:
        answers = await self._ask([f"connect {port} {kind} {path} {share} 127.0.0.{index + 1}"
                                   for index, share in enumerate(self.shares)])
        assert all(answer == "connected" for answer in answers), answers

    def expect(self, k: int) -> asyncio.Event:
        self.waiting[k] = event = asyncio.Event()
        if self.have.get(k, 0) == self.processes:
            event.set()
        return event

    async def arrivals(self) -> dict[int, list[float]]:
        merged: dict[int, list[float]] = {}
        for report in await self._ask(["report"] * self.processes):
            assert report.startswith("{"), report
            for k, times in json.loads(report).items():
                merged.setdefault(int(k), []).extend(times)
        return merged

    async def stop(self) -> None:
        for child in self.children:
            if child.stdin is not None:
                child.stdin.close()
        for child in self.children:
            await child.wait()
        for reader in self.readers:
            reader.cancel()


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
    server_processes: int
    client_processes: int

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
    def __init__(self, code: str, args: list[str], settings: dict[str, str] | None = None) -> None:
        self.port = free_port()
        env = {**os.environ, **(settings or {}), "PYTHONPATH": f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
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

    def cpu_seconds(self) -> float:
        return tree_cpu_seconds(self.process.pid)

    def rss_bytes(self) -> int:
        return tree_rss_bytes(self.process.pid)

    def stop(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.terminate()  # several server processes: their parent stops them
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
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


async def measure(system: str, connections: int, rounds: int, burst: int, server_processes: int,
                  client_processes: int, redis_url: str) -> Result:
    workdir = tempfile.mkdtemp(prefix="fanout-")
    code = {"websockets.broadcast": WEBSOCKETS_SERVER, "starlette-loop": STARLETTE_SERVER,
            "socket.send floor": SOCKET_SEND_FLOOR}.get(system, MASTHEAD_SERVER)
    processes = server_processes if code is MASTHEAD_SERVER else 1
    settings = {"MASTHEAD_DATABASE_URL": f"sqlite:///{workdir}/masthead.db", "MASTHEAD_DATA_DIR": workdir,
                "MASTHEAD_REDIS_URL": redis_url, "MASTHEAD_LIVE_BUFFER_BYTES": str(1 << 20),
                "MASTHEAD_LIVE_HEARTBEAT_SECONDS": "60"} if processes > 1 else {}
    server = Server(code, [workdir, str(processes)] if code is MASTHEAD_SERVER else [peer_payload()], settings)
    clients = ClientPool(connections, client_processes)
    try:
        await clients.start()
        await server.started()
        token = ""
        if system.startswith("masthead"):
            signed = await http_json(server.port, "POST", "/api/v1/accounts",
                                     {"handle": "bench", "password": "benchmark pw", "display_name": "Bench"})
            token = str(signed["token"])
            await http_json(server.port, "POST", "/api/v1/channels", {"handle": "bench", "name": "Bench"}, token)
        path = {"masthead-sse": "/api/v1/stream?channels=bench", "masthead-ws": "/api/v1/ws?channels=bench"}.get(
            system, "/ws")
        kind = "sse" if system == "masthead-sse" else "ws"
        connected = False
        sent_at: dict[int, float] = {}
        next_k = 0

        async def send_round() -> list[int]:
            """Send `burst` events and wait until every connection has all of them (or the round times out)."""
            nonlocal next_k
            ks = list(range(next_k, next_k + burst))
            next_k += burst
            waiting = {k: clients.expect(k) for k in ks}
            if system.startswith("masthead"):
                for k in ks:
                    sent_at[k] = time.monotonic()
                    await http_json(server.port, "POST", "/api/v1/channels/bench/posts",
                                    {"title": f"bench-{k}", "body": SAMPLE_BODY}, token)
            else:
                sent_at.update((k, time.monotonic()) for k in ks)
                server.trigger(ks)
            if connected:
                deadline = time.monotonic() + ROUND_TIMEOUT
                for k in ks:
                    try:
                        await asyncio.wait_for(waiting[k].wait(), max(0.0, deadline - time.monotonic()))
                    except TimeoutError:
                        break
            else:
                await asyncio.sleep(0.3)  # nobody to wait for: give the pipeline and the hub time to finish
            return ks

        # The same rounds with nobody connected: what the trigger itself costs the server (for Masthead,
        # accepting the posts over HTTP, the pipeline deciding them and the hub reading them).
        await send_round()
        idle_before = server.cpu_seconds()
        for _ in range(rounds):
            await send_round()
        idle_cpu = server.cpu_seconds() - idle_before

        rss_before = server.rss_bytes()
        await clients.connect(server.port, kind, path)
        connected = True
        await asyncio.sleep(1.0)  # let every connection join before the first event
        rss_after = server.rss_bytes()
        await send_round()  # warm-up, not counted
        cpu_before = server.cpu_seconds()
        counted: list[int] = []
        for _ in range(rounds):
            counted.extend(await send_round())
        cpu = server.cpu_seconds() - cpu_before
        arrivals = await clients.arrivals()
        latencies: list[float] = []
        delivered = 0
        for k in counted:
            times = arrivals.get(k, [])
            delivered += len(times)
            latencies.extend(t - sent_at[k] for t in times)
            latencies.extend([float("inf")] * (connections - len(times)))
        fanout_cpu = max(0, round((cpu - idle_cpu) * TICKS)) / TICKS  # whole clock ticks: no float residue
        return Result(system, connections, rounds * burst, delivered, cpu, fanout_cpu, latencies,
                      (rss_after - rss_before) / connections, processes, clients.processes)
    finally:
        await clients.stop()
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
    print("| system | server processes | connections | delivered | server CPU s (whole / fan-out) "
          "| deliveries per core-s (whole) | per core-s (fan-out) | fan-out vs websockets.broadcast | p50 ms | p99 ms "
          "| max ms | RSS per idle connection |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        ref = reference.get(r.connections)
        ratio = r.fanout_rate / ref.fanout_rate if ref is not None else float("nan")
        print(f"| {r.system} | {r.server_processes} | {r.connections:,} | {r.delivered:,}/{r.events * r.connections:,} | "
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
    processes = (f"; at least {-(-target // CLIENT_SOCKETS)} server processes of at most {CLIENT_SOCKETS:,} "
                 "connections each (the open-file limit)") if system.startswith("masthead") else ""
    return (f"{system}: {slope * 1e6:.2f} µs of server CPU per extra connection per event (from {n1:,} to "
            f"{n2:,}); one event to {target:,} connections ≈ {per_event:.2f} s of one core; "
            f"{m2 * target / 2**20:,.0f} MiB for {target:,} idle connections{processes}")



async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--connections", default="1000,10000")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--burst", type=int, default=1, help="events per round (Masthead: posts published at once)")
    parser.add_argument("--systems",
                        default="masthead-sse,masthead-ws,websockets.broadcast,starlette-loop,socket.send floor")
    parser.add_argument("--server-processes", type=int, default=1,
                        help="Masthead's server processes (`masthead serve --processes N`, with a private "
                             "redis-server between them); the peers always run one")
    parser.add_argument("--client-processes", type=int, default=1,
                        help=f"subscriber processes (at least one per {CLIENT_SOCKETS:,} connections)")
    parser.add_argument("--client", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client:
        await client_main()
        return
    sizes = [int(n) for n in args.connections.split(",")]
    systems = args.systems.split(",")
    redis: PrivateRedis | None = None
    if args.server_processes > 1 and any(system.startswith("masthead") for system in systems):
        redis = PrivateRedis(free_port(), Path(tempfile.mkdtemp(prefix="fanout-redis-")) / "redis.log")
        redis.start()
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores", flush=True)
    results = []
    try:
        for size in sizes:
            for system in systems:
                result = await measure(system, size, args.rounds, args.burst, args.server_processes,
                                       args.client_processes, redis.url if redis is not None else "")
                print(f"{system} x {size:,} ({result.server_processes} server, {result.client_processes} client "
                      f"processes): {result.delivered:,} delivered, {result.rate:,.0f}/core-s, "
                      f"p50 {result.percentile(0.5) * 1000:.0f} ms, p99 {result.percentile(0.99) * 1000:.0f} ms, "
                      f"load average {os.getloadavg()[0]:.2f}", flush=True)
                results.append(result)
    finally:
        if redis is not None:
            redis.stop()
    print_table(results, args.burst)
    print()
    for system in dict.fromkeys(r.system for r in results):
        print(projection(results, system, 100_000))
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    asyncio.run(main())
