"""Several Masthead processes on this machine, as one deployment: N `masthead serve` nodes (ports from a base
port) and M `masthead worker` processes on one PostgreSQL database, joined by one Redis. No containers.

    python scripts/cluster.py --database-url postgresql://postgres@127.0.0.1:5432/masthead \\
        --redis-url redis://127.0.0.1:6379/0 --nodes 2 --workers 2 --base-port 8100

It migrates the database once, starts every process (each one's output in its own log file), waits until every
node answers `GET /healthz` and every worker has started, prints where each runs, and stops them all on Ctrl-C
(SIGTERM, then SIGKILL for a process that does not stop within a few seconds). Without `--redis-url` it starts a
private `redis-server` on a free port for the run.

Tests use it as a library: `Cluster(...).start()`, then `kill(name)` (SIGKILL), `restart(name)`, `stop()`, or
`member(name).freeze()` / `.thaw()` (SIGSTOP / SIGCONT, to catch a process in the middle of something);
`PrivateRedis` is a throwaway redis-server that can be killed and started again on the same port."""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import httpx

ROOT = Path(__file__).resolve().parents[1]
STOP_SECONDS = 10.0
# Generous: on a loaded two-core machine a process spends seconds importing the models before it listens.
START_SECONDS = 120.0
WORKER_STARTED = "pipeline worker"


class ClusterError(RuntimeError):
    """A process of the cluster could not start or stopped on its own; the message names it and its log."""


def _port_is_free(host: str, port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def free_base_port(count: int, host: str = "127.0.0.1") -> int:
    """The first of `count` consecutive ports that are free now, picked near a port the kernel offers."""
    for _ in range(50):
        with socket.socket() as sock:
            sock.bind((host, 0))
            base: int = sock.getsockname()[1]
        if base + count < 65536 and all(_port_is_free(host, base + i) for i in range(count)):
            return base
    raise ClusterError(f"found no {count} consecutive free ports on {host}")


def _log_tail(path: Path, lines: int = 15) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:])


def _wait(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise ClusterError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(0.05)


@dataclass
class Member:
    """One process of the cluster: a server node (with a port) or a worker."""

    name: str
    command: list[str]
    env: dict[str, str]
    log_path: Path
    host: str = "127.0.0.1"
    port: int | None = None
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0
    _log_offset: int = 0

    @property
    def url(self) -> str:
        assert self.port is not None, f"{self.name} is a worker; it has no address"
        return f"http://{self.host}:{self.port}"

    @property
    def pid(self) -> int | None:
        return None if self.process is None else self.process.pid

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def launch(self) -> None:
        """Start the process (its output appended to its log) without waiting for it to be ready."""
        if self.running():
            raise ClusterError(f"{self.name} is already running (pid {self.pid})")
        self.starts += 1
        with self.log_path.open("ab") as log:
            log.write(f"---- start {self.starts}: {' '.join(self.command)}\n".encode())
            self._log_offset = log.tell()
            # A session of its own: Ctrl-C in the terminal reaches the launcher, which stops everyone in order.
            self.process = subprocess.Popen(self.command, env=self.env, cwd=ROOT, stdout=log,
                                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                            start_new_session=True)

    def ready(self) -> bool:
        """A node answers /healthz with 200; a worker has logged that it started."""
        if not self.running():
            raise ClusterError(f"{self.name} exited with status {self.process.returncode if self.process else '?'} "
                               f"before it was ready; the end of {self.log_path}:\n{_log_tail(self.log_path)}")
        if self.port is None:
            return self._logged_start()
        try:
            return httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def _logged_start(self) -> bool:
        with self.log_path.open("rb") as log:
            log.seek(self._log_offset)
            return any(WORKER_STARTED.encode() in line and line.rstrip().endswith(b"started") for line in log)

    def wait_ready(self, timeout: float = START_SECONDS) -> None:
        _wait(self.ready, timeout, f"{self.name} to be ready (log: {self.log_path})")

    def kill(self) -> None:
        """SIGKILL, as a crash would: no shutdown code runs."""
        if self.process is not None and self.running():
            self.process.send_signal(signal.SIGKILL)
        if self.process is not None:
            self.process.wait()

    def freeze(self) -> None:
        """SIGSTOP: the process holds whatever it holds (claims, connections, locks) and does nothing more."""
        assert self.process is not None and self.running(), f"{self.name} is not running"
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        """SIGCONT after `freeze`."""
        assert self.process is not None, f"{self.name} was never started"
        self.process.send_signal(signal.SIGCONT)

    def stop(self, timeout: float = STOP_SECONDS) -> int | None:
        """SIGTERM (a worker finishes its batch, a node its requests), SIGKILL if it has not ended in `timeout`;
        its exit status."""
        if self.process is None:
            return None
        if self.running():
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        return self.process.returncode


@dataclass
class Cluster:
    database_url: str
    redis_url: str
    nodes: int = 2
    workers: int = 2
    host: str = "127.0.0.1"
    base_port: int = 8100
    settings: Mapping[str, str] = field(default_factory=dict)  # more MASTHEAD_* variables for every process
    log_dir: Path | None = None
    python: str = sys.executable
    members: list[Member] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        if not self.database_url.startswith(("postgresql", "postgres:")):
            raise ClusterError("several processes share one database only on PostgreSQL; give a postgresql:// URL")
        if self.log_dir is None:
            self.log_dir = Path(tempfile.mkdtemp(prefix="masthead-cluster-"))
        self.log_dir.mkdir(parents=True, exist_ok=True)
        env = self.environment()
        masthead = [self.python, "-m", "masthead.cli"]
        for i in range(self.nodes):
            port = self.base_port + i
            self.members.append(Member(f"node-{i + 1}", [*masthead, "serve", "--no-worker", "--host", self.host,
                                                        "--port", str(port)], env,
                                       self.log_dir / f"node-{i + 1}.log", self.host, port))
        for i in range(self.workers):
            self.members.append(Member(f"worker-{i + 1}", [*masthead, "worker"], env,
                                       self.log_dir / f"worker-{i + 1}.log", self.host))

    def environment(self) -> dict[str, str]:
        # This checkout's sources first: an installed (editable) masthead may be another checkout.
        path = os.pathsep.join(p for p in [str(ROOT / "src"), os.environ.get("PYTHONPATH", "")] if p)
        return {**os.environ, **self.settings, "MASTHEAD_DATABASE_URL": self.database_url,
                "MASTHEAD_REDIS_URL": self.redis_url, "PYTHONPATH": path, "PYTHONUNBUFFERED": "1"}

    @property
    def node_members(self) -> list[Member]:
        return [member for member in self.members if member.port is not None]

    @property
    def worker_members(self) -> list[Member]:
        return [member for member in self.members if member.port is None]

    @property
    def urls(self) -> list[str]:
        return [member.url for member in self.node_members]

    def member(self, name: str) -> Member:
        for member in self.members:
            if member.name == name:
                return member
        raise KeyError(f"no process called {name!r}; there are {', '.join(m.name for m in self.members)}")

    def migrate(self) -> None:
        """Once, before any node starts: nodes migrate on start too, and several at once would race."""
        assert self.log_dir is not None
        with (self.log_dir / "migrate.log").open("ab") as log:
            status = subprocess.run([self.python, "-m", "masthead.cli", "migrate"], env=self.environment(),
                                    cwd=ROOT, stdout=log, stderr=subprocess.STDOUT).returncode
        if status != 0:
            raise ClusterError(f"`masthead migrate` failed with status {status}:\n"
                               f"{_log_tail(self.log_dir / 'migrate.log')}")

    def start(self, timeout: float = START_SECONDS) -> None:
        self.migrate()
        for member in self.members:
            if member.port is not None and not _port_is_free(self.host, member.port):
                raise ClusterError(f"port {member.port} on {self.host} is taken; choose another --base-port")
        try:
            for member in self.members:
                member.launch()
            deadline = time.monotonic() + timeout
            for member in self.members:
                member.wait_ready(max(1.0, deadline - time.monotonic()))
        except BaseException:
            self.stop()
            raise

    def kill(self, name: str) -> Member:
        member = self.member(name)
        member.kill()
        return member

    def restart(self, name: str, timeout: float = START_SECONDS) -> Member:
        """Start a stopped or killed process again (same port, same log) and wait until it is ready."""
        member = self.member(name)
        if member.running():
            member.stop()
        member.launch()
        member.wait_ready(timeout)
        return member

    def stop(self) -> dict[str, int | None]:
        """Stop every process, workers first (they finish their batch), then the nodes; their exit statuses."""
        return {member.name: member.stop() for member in [*self.worker_members, *self.node_members]}

    def exited(self) -> list[Member]:
        """Processes that were started and are no longer running."""
        return [member for member in self.members if member.process is not None and not member.running()]

    def describe(self) -> str:
        lines = [f"{'process':<10} {'pid':>7}  {'where':<32} log"]
        for member in self.members:
            where = member.url if member.port is not None else "(claims posts from the outbox)"
            lines.append(f"{member.name:<10} {member.pid or '-':>7}  {where:<32} {member.log_path}")
        lines.append(f"database   {_without_password(self.database_url)}")
        lines.append(f"redis      {self.redis_url}")
        return "\n".join(lines)

    def __enter__(self) -> Cluster:
        self.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.stop()


def _status(returncode: int | None) -> str:
    # uvicorn ends by raising the SIGTERM it handled again, so a node that stopped cleanly reports it.
    if returncode in (0, -signal.SIGTERM):
        return "stopped"
    if returncode is not None and returncode < 0:
        return f"killed by {signal.Signals(-returncode).name}"
    return f"exit status {returncode}"


def _without_password(url: str) -> str:
    scheme, _, rest = url.partition("://")
    credentials, at, place = rest.rpartition("@")
    if not at:
        return url
    return f"{scheme}://{credentials.split(':')[0]}@{place}"


class PrivateRedis:
    """A redis-server of our own on a local port, without persistence: one that can be killed and started again
    on the same port without touching anyone else's Redis."""

    def __init__(self, port: int, log_path: Path, binary: str = "redis-server", host: str = "127.0.0.1") -> None:
        self.port = port
        self.host = host
        self.log_path = log_path
        self.binary = binary
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://{self.host}:{self.port}/0"

    @staticmethod
    def available(binary: str = "redis-server") -> bool:
        return shutil.which(binary) is not None

    def start(self, timeout: float = 20.0) -> None:
        command = [self.binary, "--port", str(self.port), "--bind", self.host, "--save", "", "--appendonly", "no",
                   "--daemonize", "no"]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, start_new_session=True)
        _wait(self._answers, timeout, f"redis-server on port {self.port} (log: {self.log_path})")

    def _answers(self) -> bool:
        if self.process is None or self.process.poll() is not None:
            raise ClusterError(f"redis-server on port {self.port} exited: {_log_tail(self.log_path)}")
        try:
            with socket.create_connection((self.host, self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        if self.process is not None:
            self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(STOP_SECONDS)
            except subprocess.TimeoutExpired:
                self.kill()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("MASTHEAD_DATABASE_URL", ""),
                        help="PostgreSQL URL (default: MASTHEAD_DATABASE_URL)")
    parser.add_argument("--redis-url", default=os.environ.get("MASTHEAD_REDIS_URL", ""),
                        help="Redis URL (default: MASTHEAD_REDIS_URL; if empty, a private redis-server)")
    parser.add_argument("--nodes", type=int, default=2, help="`masthead serve` processes (default 2)")
    parser.add_argument("--workers", type=int, default=2, help="`masthead worker` processes (default 2)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--base-port", type=int, default=8100, help="node i listens on BASE_PORT + i - 1")
    parser.add_argument("--log-dir", type=Path, default=None, help="one log file per process (default: a temp dir)")
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("give --database-url or set MASTHEAD_DATABASE_URL (a postgresql:// URL)")
    if args.nodes < 1 or args.workers < 0:
        parser.error("--nodes must be at least 1 and --workers at least 0")
    redis: PrivateRedis | None = None
    stopping = False

    def on_signal(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        log_dir = args.log_dir or Path(tempfile.mkdtemp(prefix="masthead-cluster-"))
        log_dir.mkdir(parents=True, exist_ok=True)
        redis_url = args.redis_url
        if not redis_url:
            if not PrivateRedis.available():
                parser.error("no --redis-url and no redis-server on PATH to start a private one")
            redis = PrivateRedis(free_base_port(1, args.host), log_dir / "redis.log", host=args.host)
            redis.start()
            redis_url = redis.url
        cluster = Cluster(args.database_url, redis_url, nodes=args.nodes, workers=args.workers, host=args.host,
                          base_port=args.base_port, log_dir=log_dir)
        print(f"starting {args.nodes} node(s) and {args.workers} worker(s); logs in {log_dir}", flush=True)
        started = time.monotonic()
        cluster.start()
        print(f"ready in {time.monotonic() - started:.1f}s", flush=True)
        print(cluster.describe(), flush=True)
        print("running; Ctrl-C stops every process", flush=True)
        reported: set[str] = set()
        while not stopping:
            for member in cluster.exited():
                if member.name not in reported:
                    reported.add(member.name)
                    print(f"{member.name} exited with status {member.process.returncode if member.process else '?'}"
                          f"; the end of its log:\n{_log_tail(member.log_path)}", file=sys.stderr, flush=True)
            time.sleep(0.5)
        statuses = cluster.stop()
        print("stopped: " + ", ".join(f"{name} ({_status(status)})" for name, status in statuses.items()),
              flush=True)
        return 0
    except ClusterError as exc:
        print(f"cluster: {exc}", file=sys.stderr)
        return 1
    finally:
        if redis is not None:
            redis.stop()


if __name__ == "__main__":
    sys.exit(main())
