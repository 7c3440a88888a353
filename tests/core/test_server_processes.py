"""`masthead serve --processes N`, the parts that need no running server: when it is refused, which process runs
the pipeline worker, and the listening sockets the processes share."""
from __future__ import annotations

import socket
from pathlib import Path

import pytest

from masthead.cli import main
from masthead.server_processes import (
    check_processes,
    listening_sockets,
    runs_pipeline_worker,
)
from masthead.settings import Settings, SettingsError

SQLITE = Settings(database_url="sqlite:///unused.db")
POSTGRES = Settings(database_url="postgresql://postgres@127.0.0.1:5432/unused")
CONNECTIONS = 64


def test_several_processes_need_redis() -> None:
    check_processes(SQLITE, 1)
    check_processes(Settings(database_url="sqlite:///unused.db", redis_url="redis://127.0.0.1:6379/0"), 3)
    with pytest.raises(SettingsError, match="--processes 2 needs MASTHEAD_REDIS_URL"):
        check_processes(SQLITE, 2)


def test_serve_refuses_several_processes_without_redis_in_one_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("MASTHEAD_DATABASE_URL", f"sqlite:///{tmp_path}/m.db")
    monkeypatch.delenv("MASTHEAD_REDIS_URL", raising=False)
    assert main(["serve", "--processes", "2"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("masthead serve: --processes 2 needs MASTHEAD_REDIS_URL") and err.count("\n") == 1, err
    assert not (tmp_path / "m.db").exists() or (tmp_path / "m.db").stat().st_size == 0  # refused before migrating


@pytest.mark.parametrize("value", ["0", "-1", "two"])
def test_processes_must_be_a_positive_number(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--processes", value]) == 2
    assert "argument --processes" in capsys.readouterr().err


@pytest.mark.parametrize(("settings", "node_runs_worker", "expected"), [
    (SQLITE, True, [True, False, False]),  # one pipeline worker per SQLite database
    (POSTGRES, True, [True, True, True]),  # workers share the outbox with SKIP LOCKED
    (SQLITE, False, [False, False, False]),  # --no-worker
    (POSTGRES, False, [False, False, False]),
])
def test_which_processes_run_the_pipeline_worker(settings: Settings, node_runs_worker: bool,
                                                 expected: list[bool]) -> None:
    assert [runs_pipeline_worker(settings, index, node_runs_worker=node_runs_worker) for index in range(3)] == expected


def test_a_port_something_else_listens_on_is_refused() -> None:
    with socket.socket() as other:
        other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        other.bind(("127.0.0.1", 0))
        other.listen()
        with pytest.raises(OSError):
            listening_sockets("127.0.0.1", other.getsockname()[1], 2)


def test_another_node_cannot_join_the_processes_port() -> None:
    sockets = listening_sockets("127.0.0.1", 0, 2)
    try:
        for sock in sockets:
            sock.listen()  # as each server process does once it starts
        with pytest.raises(OSError):
            listening_sockets("127.0.0.1", sockets[0].getsockname()[1], 2)
    finally:
        for sock in sockets:
            sock.close()


def test_connections_are_spread_over_every_process_socket() -> None:
    sockets = listening_sockets("127.0.0.1", 0, 2)
    clients: list[socket.socket] = []
    try:
        port = sockets[0].getsockname()[1]
        assert sockets[1].getsockname()[1] == port  # port 0: one free port for all
        for sock in sockets:
            sock.listen(CONNECTIONS)
            sock.setblocking(False)
        clients = [socket.create_connection(("127.0.0.1", port)) for _ in range(CONNECTIONS)]
        accepted = [_accept_all(sock) for sock in sockets]
        assert sum(accepted) == CONNECTIONS
        assert min(accepted) >= CONNECTIONS // 8, accepted  # by address hash: about half each
    finally:
        for sock in [*sockets, *clients]:
            sock.close()


def _accept_all(sock: socket.socket) -> int:
    count = 0
    while True:
        try:
            connection, _ = sock.accept()
        except BlockingIOError:
            return count
        connection.close()
        count += 1
