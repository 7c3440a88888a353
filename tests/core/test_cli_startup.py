"""`masthead` imports only the chosen command's modules, so that a quick command starts quickly, while
`masthead --help` still lists every command and every command's --help still answers."""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import pytest

from masthead.cli import COMMANDS, build_parser, main

SRC = Path(__file__).resolve().parents[2] / "src"
HEAVY = ("fastapi", "starlette", "sqlalchemy", "alembic", "uvicorn", "sklearn", "scipy", "redis", "asyncpg")


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def test_reprint_match_imports_neither_the_web_server_nor_the_database_nor_the_classifiers(tmp_path: Path) -> None:
    texts = tmp_path / "texts.jsonl"
    texts.write_text('{"id": 1, "text": "the harbour ferry timetable changes on Monday"}\n', encoding="utf-8")
    program = ("import sys\nfrom masthead.cli import main\n"
               f"status = main(['reprint', 'match', '--corpus', {str(texts)!r}, '--queries', {str(texts)!r}])\n"
               f"print(status, sorted({{name.split('.')[0] for name in sys.modules}} & set({HEAVY!r})))")
    done = subprocess.run([sys.executable, "-c", program], env={**os.environ, "PYTHONPATH": str(SRC)},
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "0 []"


def test_help_lists_every_command_as_when_every_command_is_defined(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    listed = capsys.readouterr().out
    assert listed == build_parser().format_help()
    for name, (_, help_line) in COMMANDS.items():
        assert f"    {name}" in listed and help_line in listed


@pytest.mark.parametrize("name", list(COMMANDS))
def test_each_command_is_defined_in_full_when_chosen(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    everything = _subcommands(build_parser())[name]
    assert main([name, "--help"]) == 0
    assert capsys.readouterr().out == everything.format_help()
    for leaf, parser in _subcommands(everything).items():
        assert main([name, leaf, "--help"]) == 0
        assert capsys.readouterr().out == parser.format_help()


def test_an_unknown_command_is_refused_with_the_choices(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["reprnt", "match"]) == 2
    error = capsys.readouterr().err
    assert "invalid choice: 'reprnt'" in error and "reprint" in error
