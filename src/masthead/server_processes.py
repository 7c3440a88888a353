"""`masthead serve --processes N`: one node as N server processes accepting on one host:port, each with its own
application and live hub, started and watched by the process that ran the command. A process that ends on its
own is not restarted: the node stops and says which one ended and how."""
from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass
from multiprocessing.connection import wait
from multiprocessing.process import BaseProcess
from types import FrameType
from typing import Any

from masthead.settings import Settings, SettingsError, env_name

log = logging.getLogger("masthead")

# After SIGTERM a process has this long to end its connections and finish its pipeline batch before SIGKILL.
STOP_SECONDS = 10.0
# How long a stopping process waits for its requests to finish (its live streams are ended at once).
GRACEFUL_SHUTDOWN_SECONDS = 5.0
CHILD_FAILED = 1
_CLEAN_ENDINGS = (0, -signal.SIGTERM, -signal.SIGINT)


def check_processes(settings: Settings, processes: int) -> None:
    """Several processes need Redis: each has its own hub, and only the Redis ping tells it what the others
    committed (posts their pipeline worker decided, private messages sent through them)."""
    if processes > 1 and not settings.redis_url:
        raise SettingsError(f"--processes {processes} needs {env_name('redis_url')}: each server process has its own "
                            "live hub, which learns of the other processes' posts and messages only through Redis; "
                            "set it, or serve with one process")


def runs_pipeline_worker(settings: Settings, index: int, *, node_runs_worker: bool) -> bool:
    """On SQLite only the first process decides posts (one pipeline worker per SQLite database); on PostgreSQL
    every process does (workers claim posts with SKIP LOCKED)."""
    return node_runs_worker and (index == 0 or not settings.is_sqlite)


def listening_sockets(host: str, port: int, count: int) -> list[socket.socket]:
    """`count` sockets bound to host:port with SO_REUSEPORT, not yet listening: the kernel spreads new connections
    evenly over the processes accepting on them, where one shared socket hands each to whichever process wakes
    first (and one process could reach its open-file limit while another idles). The address is bound once
    without SO_REUSEPORT first, so a port that anything else holds (another Masthead node too) is refused rather
    than silently shared. Port 0 picks one free port for all."""
    family, kind, protocol, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                                            flags=socket.AI_PASSIVE)[0]
    with socket.socket(family, kind, protocol) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(address)
        address = probe.getsockname()
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket(family, kind, protocol)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            sock.bind(address)
    except OSError:
        for sock in sockets:
            sock.close()
        raise
    return sockets


@dataclass(frozen=True)
class ServerProcess:
    """What one child needs, sent to it by pickling (the `spawn` start method: a fresh interpreter, none of the
    parent's threads or database connections)."""

    index: int
    count: int
    sock: socket.socket
    run_worker: bool
    uvicorn_options: Mapping[str, Any]


def _configure_logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def run_server_process(spec: ServerProcess) -> None:
    """The child: its own settings, database pools, application, hub and Redis subscription, on its socket."""
    # Ctrl-C reaches every process of the terminal's group: before uvicorn handles it (while importing and
    # building the app) the parent's SIGTERM stops this process, and afterwards uvicorn's handler does.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    import uvicorn

    from masthead.api.app import create_app
    from masthead.context import Context
    from masthead.live.hub import Hub
    from masthead.live.outlet import SHUTTING_DOWN
    from masthead.settings import load_settings

    class StreamEndingServer(uvicorn.Server):
        """uvicorn, but stopping ends the live streams (which never end by themselves) once no new connection
        can arrive, so that they do not hold the shutdown until its timeout."""

        async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
            for server in self.servers:
                server.close()
            hub.end_all(SHUTTING_DOWN)
            await super().shutdown(sockets)

    _configure_logging()
    ctx = Context.create(load_settings())
    log.info("server process %d of %d (pid %d)%s", spec.index + 1, spec.count, os.getpid(),
             ", with the pipeline worker" if spec.run_worker else "")
    app = create_app(ctx, run_worker=spec.run_worker)
    hub: Hub = app.state.hub
    config = uvicorn.Config(app, **{"timeout_graceful_shutdown": GRACEFUL_SHUTDOWN_SECONDS, **spec.uvicorn_options})
    StreamEndingServer(config).run(sockets=[spec.sock])


class _Wakeup:
    """SIGINT and SIGTERM as a readable pipe, so the parent waits on its children and on signals at once."""

    def __init__(self) -> None:
        self.reader, self._writer = os.pipe()
        os.set_blocking(self._writer, False)
        self.signals: list[int] = []
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, self._on_signal)

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self.signals.append(signum)
        try:
            os.write(self._writer, b"\0")
        except BlockingIOError:
            pass

    def close(self) -> None:
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, signal.SIG_DFL)
        os.close(self.reader)
        os.close(self._writer)


def serve_processes(settings: Settings, *, host: str, port: int, processes: int, run_worker: bool,
                    uvicorn_options: Mapping[str, Any]) -> int:
    """Start `processes` server processes on host:port and wait until a signal (SIGINT, SIGTERM) or until one of
    them ends; then stop the others (SIGTERM, SIGKILL after STOP_SECONDS). 0 after a signal, CHILD_FAILED when a
    process ended on its own."""
    check_processes(settings, processes)
    sockets = listening_sockets(host, port, processes)
    bound_port = sockets[0].getsockname()[1]
    wakeup = _Wakeup()
    spawn = multiprocessing.get_context("spawn")
    children: list[BaseProcess] = []
    failed = False
    try:
        for index, sock in enumerate(sockets):
            spec = ServerProcess(index, processes, sock, runs_pipeline_worker(settings, index,
                                                                              node_runs_worker=run_worker),
                                 dict(uvicorn_options))
            process = spawn.Process(target=run_server_process, args=(spec,), name=f"masthead-server-{index + 1}")
            process.start()
            sock.close()  # the child holds it now; a copy here would keep queueing connections nobody accepts
            children.append(process)
        log.info("%d server processes on port %d (pids %s)", processes, bound_port,
                 ", ".join(str(child.pid) for child in children))
        while not wakeup.signals:
            wait([wakeup.reader, *(child.sentinel for child in children)])
            ended = [(index, child) for index, child in enumerate(children) if child.exitcode is not None]
            if ended and not wakeup.signals:
                for index, child in ended:
                    log.error("server process %d (pid %d) ended on its own with %s; stopping the others",
                              index + 1, child.pid, _describe(child.exitcode))
                failed = True
                break
    finally:
        _stop(children)
        for sock in sockets:
            sock.close()
        wakeup.close()
    if not failed:
        unclean = [(index, child) for index, child in enumerate(children) if child.exitcode not in _CLEAN_ENDINGS]
        for index, child in unclean:
            log.warning("server process %d (pid %d) ended with %s", index + 1, child.pid, _describe(child.exitcode))
    return CHILD_FAILED if failed else 0


def _stop(children: list[BaseProcess]) -> None:
    running = [child for child in children if child.exitcode is None]
    for child in running:
        child.terminate()  # SIGTERM: uvicorn closes its connections, the app's lifespan ends (worker batch, hub)
    deadline = time.monotonic() + STOP_SECONDS
    for child in running:
        child.join(max(0.0, deadline - time.monotonic()))
        if child.exitcode is None:
            log.warning("server process (pid %d) did not stop within %.0f s; killing it", child.pid, STOP_SECONDS)
            child.kill()
            child.join()


def _describe(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        return f"signal {signal.Signals(-exitcode).name}"
    return f"exit status {exitcode}"
