"""Every command answers bad input (settings, database, files, JSON Lines, flags) with one line on stderr and a
non-zero exit status, never a traceback."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from masthead.cli import main
from masthead.settings import Settings, SettingsError, async_database_url
from tests.live_server import free_port

SRC = Path(__file__).resolve().parents[2] / "src"


@pytest.mark.parametrize(("given", "expected"), [
    ("sqlite:///./x.db", "sqlite+aiosqlite:///./x.db"),
    ("sqlite:////var/lib/masthead.db", "sqlite+aiosqlite:////var/lib/masthead.db"),
    ("sqlite+aiosqlite:///m.db", "sqlite+aiosqlite:///m.db"),
    ("postgresql://user@host/db", "postgresql+asyncpg://user@host/db"),
    ("postgres://user:p%40ss@host:5433/db", "postgresql+asyncpg://user:p%40ss@host:5433/db"),
    ("postgresql+psycopg2://user@host/db", "postgresql+asyncpg://user@host/db"),
    ("postgresql+asyncpg://user@host/db", "postgresql+asyncpg://user@host/db"),
])
def test_standard_database_urls_map_to_the_async_drivers(given: str, expected: str) -> None:
    assert async_database_url(given) == expected
    assert Settings(database_url=given).database_url == expected


@pytest.mark.parametrize("url", ["not a url", "mysql://user@host/db", "postgresql://host", ""])
def test_unusable_database_urls_are_refused(url: str) -> None:
    with pytest.raises(SettingsError, match="MASTHEAD_DATABASE_URL"):
        async_database_url(url)


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    status = main(argv)
    err = capsys.readouterr().err
    return status, err


def _assert_one_line(err: str, *expected: str) -> None:
    assert "Traceback" not in err
    assert err.count("\n") == 1 and err.endswith("\n"), err
    for text in expected:
        assert text in err, err


@pytest.mark.parametrize("argv", [["migrate"], ["worker"], ["serve"], ["audit", "verify"],
                                  ["user", "create", "--handle", "someone"], ["transparency", "export"],
                                  ["policy", "backtest", "label-only"], ["reprint", "rebuild"]])
@pytest.mark.parametrize(("url", "expected"), [
    ("sqlite:///{tmp}/no/such/dir/m.db", "unable to open database file"),
    ("postgresql://postgres@127.0.0.1:{port}/masthead", "Connect call failed"),
    ("mysql://someone@somewhere/db", "does not support"),
])
def test_every_database_command_reports_an_unusable_database_in_one_line(
    argv: list[str], url: str, expected: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("MASTHEAD_DATABASE_URL", url.format(tmp=tmp_path, port=free_port()))
    status, err = _run(argv, capsys)
    assert status == 2
    _assert_one_line(err, f"masthead {' '.join(argv[:2]) if argv[0] != 'user' else 'user create'}:", expected)


def test_a_database_without_tables_says_to_migrate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MASTHEAD_DATABASE_URL", f"sqlite:///{tmp_path}/empty.db")
    status, err = _run(["audit", "verify"], capsys)
    assert status == 2
    _assert_one_line(err, "no such table", "masthead migrate")


def test_a_bad_setting_is_one_line(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("MASTHEAD_PIPELINE_BATCH_SIZE", "many")
    status, err = _run(["migrate"], capsys)
    assert status == 2
    _assert_one_line(err, "MASTHEAD_PIPELINE_BATCH_SIZE='many'")


def test_migrate_and_serve_accept_a_plain_sqlite_url(tmp_path: Path) -> None:
    """`MASTHEAD_DATABASE_URL=sqlite:///./x.db masthead migrate` as a person types it, in a real process."""
    env = {**os.environ, "MASTHEAD_DATABASE_URL": "sqlite:///./x.db", "PYTHONPATH": str(SRC)}
    done = subprocess.run([sys.executable, "-m", "masthead.cli", "migrate"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "x.db").stat().st_size > 0


def _lines(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("argv", "expected"), [
    (["classify", "--input", "{tmp}/missing.jsonl"], "cannot use {tmp}/missing.jsonl: No such file or directory"),
    (["classify", "--input", "{tmp}"], "Is a directory"),
    (["classify", "--input", "{tmp}/bad.jsonl", "--output", "{tmp}/out.jsonl"],
     "{tmp}/bad.jsonl:3: not valid JSON"),
    (["classify", "--input", "{tmp}/no_text.jsonl", "--output", "{tmp}/out.jsonl"],
     "{tmp}/no_text.jsonl:2: every line must be a JSON object with a string `text`"),
    (["classify", "--input", "{tmp}/good.jsonl", "--output", "{tmp}/no/such/dir/out.jsonl"],
     "cannot use {tmp}/no/such/dir/out.jsonl"),
    (["reprint", "match", "--corpus", "{tmp}/missing.jsonl", "--queries", "{tmp}/good.jsonl"],
     "cannot use {tmp}/missing.jsonl"),
    (["reprint", "match", "--corpus", "{tmp}/good.jsonl", "--queries", "{tmp}/bad.jsonl"],
     "{tmp}/bad.jsonl:3: not valid JSON"),
    (["reprint", "match", "--corpus", "{tmp}/good.jsonl", "--queries", "{tmp}/good.jsonl", "--threshold", "2"],
     "--threshold must be in (0, 1]"),
    (["reprint", "match", "--corpus", "{tmp}/good.jsonl"], "the following arguments are required: --queries"),
    (["classify", "--frobnicate"], "unrecognized arguments: --frobnicate"),
    (["serve", "--port", "eighty"], "argument --port: invalid int value: 'eighty'"),
    (["policy", "backtest", "label-only", "--since", "yesterday"], "argument --since"),
    (["transparency", "export", "--format", "xml"], "invalid choice: 'xml'"),
    (["no-such-command"], "invalid choice: 'no-such-command'"),
    (["policy", "check", "{tmp}/missing.toml"], "cannot read the policy file"),
    (["train", "--data", "{tmp}/missing"], "data directory {tmp}/missing not found"),
])
def test_bad_input_is_one_line_and_a_failing_status(
    argv: list[str], expected: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    _lines(tmp_path / "good.jsonl", '{"id": 1, "text": "hello there"}\n')
    _lines(tmp_path / "bad.jsonl", '{"id": 1, "text": "fine"}\n\n{"id": 2, "text": \n')
    _lines(tmp_path / "no_text.jsonl", '{"id": 1, "text": "fine"}\n{"id": 2, "body": "no text"}\n')
    status = main([part.format(tmp=tmp_path) for part in argv])
    captured = capsys.readouterr()
    assert status != 0
    err = captured.err + captured.out if argv[:2] == ["policy", "check"] else captured.err
    _assert_one_line(err, expected.format(tmp=tmp_path))
