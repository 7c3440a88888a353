"""A setting, command or route that the README does not mention does not exist for a newcomer."""
from __future__ import annotations

import argparse
import re
from dataclasses import fields
from pathlib import Path

import pytest

from masthead.api.app import create_app
from masthead.cli import build_parser
from masthead.context import Context
from masthead.settings import Settings, env_name

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def _normalised(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


README_PATHS = {_normalised(match) for match in re.findall(r"(/[\w/{}.\-]+)", README)}


def test_readme_starts_with_the_two_commands() -> None:
    first_block = README.split("```")[1]
    assert "make run" in first_block and "make test" in first_block


@pytest.mark.parametrize("field", [f.name for f in fields(Settings)])
def test_every_setting_is_documented(field: str) -> None:
    assert f"`{env_name(field)}`" in README


def _commands(parser: argparse.ArgumentParser, prefix: str = "masthead") -> list[str]:
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, subparser in action.choices.items():
                nested = _commands(subparser, f"{prefix} {name}")
                found.extend(nested or [f"{prefix} {name}"])
    return found


@pytest.mark.parametrize("command", _commands(build_parser()))
def test_every_command_is_documented(command: str) -> None:
    assert f"`{command}" in README


async def test_every_route_is_documented() -> None:
    app = create_app(Context.create(Settings(database_url="sqlite+aiosqlite:///:unused:")), run_worker=False)
    routes = list(app.openapi()["paths"])
    assert routes
    missing = [path for path in routes if _normalised(path) not in README_PATHS]
    assert not missing, f"routes missing from README.md: {missing}"
