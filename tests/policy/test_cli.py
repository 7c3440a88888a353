"""`masthead policy check` and `masthead policy test`: exit 0 when good, 1 with FILE:LINE: message lines."""
from __future__ import annotations

from pathlib import Path

import pytest

from masthead.cli import main
from tests.policy.helpers import HEADER, rule


def test_check_accepts_a_good_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "good.toml"
    path.write_text(HEADER + rule("r", "scores.hate > 0.5"))
    assert main(["policy", "check", str(path)]) == 0
    assert "ok: t v1, 1 rules" in capsys.readouterr().out


def test_check_refuses_a_bad_file_with_file_and_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(HEADER + rule("r", "scores.hat > 0.5"))
    assert main(["policy", "check", str(path)]) == 1
    assert capsys.readouterr().out.splitlines()[0].startswith(f"{path}:6: rule r: unknown fact or function scores.hat")


def test_test_runs_the_cases_in_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "cases.toml"
    passing = HEADER + rule("r", "scores.hate > 0.5") + '\n[[test]]\nfacts = { scores = { hate = 0.6 } }\nexpect = "hold"\n'
    path.write_text(passing)
    assert main(["policy", "test", str(path)]) == 0
    assert "all 1 test cases pass" in capsys.readouterr().out
    path.write_text(passing.replace('expect = "hold"', 'expect = "reject"'))
    assert main(["policy", "test", str(path)]) == 1
    out = capsys.readouterr().out
    assert f"{path}:13: test 1: expected reject, got hold (rules matched: r)" in out


def test_test_refuses_a_file_that_does_not_compile(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "broken.toml"
    path.write_text("id = \n")
    assert main(["policy", "test", str(path)]) == 1
    assert capsys.readouterr().out.startswith(f"{path}:1: not valid TOML")


@pytest.mark.parametrize("command", ["check", "test"])
def test_shipped_packs_can_be_named_directly(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["policy", command, "news-credential"]) == 0
    assert "news-credential" in capsys.readouterr().out
