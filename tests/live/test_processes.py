"""`masthead serve --processes 2` as a real command on SQLite and a private redis-server: live streams land on
both server processes, and a post published through either reaches every stream (the live poll is set longer
than the test, so only the Redis ping can tell the process without the pipeline worker). Ctrl-C stops the node
cleanly, ending the live streams (whose clients reconnect); a server process that dies stops the node instead of
leaving it half up."""
from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from masthead.context import Context
from masthead.live.hub import Hub
from masthead.live.outlet import SHUTTING_DOWN
from masthead.live.stream import resolve_scope
from scripts.cluster import Member, PrivateRedis, free_base_port
from tests.conftest import Api, service_unavailable
from tests.live.hub_client import HubClient
from tests.live.test_transport import _publish, _sign_up
from tests.live_server import free_port

ROOT = Path(__file__).resolve().parents[2]
PROCESSES = 2
MAX_STREAMS = 64
DELIVERY_SECONDS = 15.0
TCP_ESTABLISHED = "01"


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    if not PrivateRedis.available():
        service_unavailable("no redis-server binary to start a private Redis")
    redis = PrivateRedis(free_base_port(1), tmp_path / "redis.log")
    redis.start()
    try:
        yield redis.url
    finally:
        redis.stop()


@contextmanager
def node(tmp_path: Path, redis_url: str, name: str) -> Iterator[Member]:
    port = free_port()
    env = {**os.environ, "MASTHEAD_DATABASE_URL": f"sqlite:///{tmp_path / name}.db", "MASTHEAD_REDIS_URL": redis_url,
           "MASTHEAD_DATA_DIR": str(tmp_path / f"{name}-data"), "MASTHEAD_PIPELINE_POLL_SECONDS": "0.05",
           "MASTHEAD_LIVE_POLL_SECONDS": "600", "MASTHEAD_LIVE_HEARTBEAT_SECONDS": "600",
           "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]),
           "PYTHONUNBUFFERED": "1"}
    member = Member(name, [sys.executable, "-m", "masthead.cli", "serve", "--processes", str(PROCESSES),
                           "--port", str(port)], env, tmp_path / f"{name}.log", port=port)
    member.launch()
    try:
        member.wait_ready(60)
        yield member
    finally:
        member.kill()


def _server_processes(parent: int) -> list[int]:
    """The node's children that hold sockets (the multiprocessing resource tracker holds none)."""
    children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
    return [int(pid) for pid in children if _socket_inodes(int(pid))]


def _socket_inodes(pid: int) -> set[int]:
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except FileNotFoundError:
            continue
        if target.startswith("socket:["):
            inodes.add(int(target[len("socket:["):-1]))
    return inodes


def _server_side_inode(server_port: int, client_port: int) -> int | None:
    """The inode of the server's end of the loopback connection from `client_port`."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local, remote, state = fields[1], fields[2], fields[3]
            if (state == TCP_ESTABLISHED and int(local.rsplit(":", 1)[1], 16) == server_port
                    and int(remote.rsplit(":", 1)[1], 16) == client_port):
                return int(fields[9])
    return None


def _open_stream(port: int, channel: str) -> socket.socket:
    stream = socket.create_connection(("127.0.0.1", port), timeout=10)
    stream.sendall(f"GET /api/v1/stream?channels={channel} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                   "Accept: text/event-stream\r\n\r\n".encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = stream.recv(4096)
        assert chunk, "the stream closed before its headers"
        head += chunk
    assert head.startswith(b"HTTP/1.1 200"), head
    return stream


def _streams_on_every_process(member: Member, channel: str) -> tuple[list[socket.socket], dict[int, int]]:
    """Open streams until each server process holds at least one (the kernel spreads connections by their
    addresses); the streams and how many each process holds."""
    assert member.pid is not None and member.port is not None
    streams: list[socket.socket] = []
    held: dict[int, int] = {}
    while len(held) < PROCESSES:
        assert len(streams) < MAX_STREAMS, f"{len(streams)} streams all landed on processes {sorted(held)}"
        stream = _open_stream(member.port, channel)
        streams.append(stream)
        inode = _server_side_inode(member.port, stream.getsockname()[1])
        holders = [pid for pid in _server_processes(member.pid) if inode in _socket_inodes(pid)]
        assert len(holders) == 1, f"the connection's server end is held by {holders}"
        held[holders[0]] = held.get(holders[0], 0) + 1
    return streams, held


def _wait_for(stream: socket.socket, marker: bytes, deadline: float) -> bool:
    received = b""
    while marker not in received:
        stream.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            chunk = stream.recv(65536)
        except TimeoutError:
            return False
        if not chunk:
            return False
        received += chunk
    return True


def _log(member: Member) -> str:
    return member.log_path.read_text(errors="replace")


async def test_ending_every_stream_ends_those_that_arrive_later_too(api: Api, ctx: Context) -> None:
    hub: Hub = api.app.state.hub
    await hub.start()
    alice = await api.sign_up("alice")
    await api.channel(alice, "alice_news")
    scope = await resolve_scope(ctx, None, "alice_news")
    joined = await HubClient(hub, scope).joined()
    hub.end_all(SHUTTING_DOWN)
    late = HubClient(hub, scope)  # a request already on its way when the server stopped listening
    assert await asyncio.wait_for(joined.task, 5) == SHUTTING_DOWN
    assert await asyncio.wait_for(late.task, 5) == SHUTTING_DOWN
    assert hub.connections == 0 and not hub.groups


@pytest.mark.slow
def test_a_post_reaches_streams_on_every_server_process_and_ctrl_c_stops_the_node(
        tmp_path: Path, redis_url: str) -> None:
    with node(tmp_path, redis_url, "node") as member:
        token = _sign_up(member.url, "alice")
        response = httpx.post(f"{member.url}/api/v1/channels", headers={"Authorization": f"Bearer {token}"},
                              json={"handle": "news", "name": "News"})
        assert response.status_code == 201, response.text
        streams, held = _streams_on_every_process(member, "news")
        for title in ("first-across-processes", "second-across-processes"):
            _publish(member.url, token, "news", title)  # accepted by whichever process the request lands on
            deadline = time.monotonic() + DELIVERY_SECONDS
            missing = [i for i, stream in enumerate(streams) if not _wait_for(stream, title.encode(), deadline)]
            assert not missing, f"{title} missed streams {missing} of {len(streams)} (held per process: {held})"
        assert _log(member).count("with the pipeline worker") == 1  # SQLite: one pipeline worker per node
        children = _server_processes(member.pid or 0)

        assert member.pid is not None and member.process is not None
        os.killpg(member.pid, signal.SIGINT)  # what Ctrl-C in its terminal does: every process of the group
        deadline = time.monotonic() + DELIVERY_SECONDS
        ended = [_wait_for(stream, b": disconnected: shutting_down\n\n", deadline) for stream in streams]
        assert all(ended), "a stream was not told that its server process stops (its client would not reconnect)"
        assert member.process.wait(30) == 0
        for stream in streams:
            stream.close()
    assert not [pid for pid in children if Path(f"/proc/{pid}").exists()]
    assert "Traceback" not in _log(member), _log(member)


@pytest.mark.slow
def test_a_server_process_that_dies_stops_the_node(tmp_path: Path, redis_url: str) -> None:
    with node(tmp_path, redis_url, "node") as member:
        assert member.pid is not None and member.process is not None
        deadline = time.monotonic() + 30
        while len(children := _server_processes(member.pid)) < PROCESSES:
            assert time.monotonic() < deadline, "the server processes never started"
            time.sleep(0.05)
        os.kill(children[-1], signal.SIGKILL)
        assert member.process.wait(30) == 1
    assert not [pid for pid in children if Path(f"/proc/{pid}").exists()]
    assert "ended on its own with signal SIGKILL; stopping the others" in _log(member)
