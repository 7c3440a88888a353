"""A running process swaps policy versions atomically and keeps the working one when a new file fails."""
from __future__ import annotations

from pathlib import Path

from masthead.domain.posts import Outcome
from masthead.policy import PolicyHolder, load_pack
from tests.policy.helpers import AT, HEADER, rule

STRICT = HEADER.replace("version = 1", "version = 2") + rule("strict", "scores.hate > 0.5", outcome="reject")


def test_reload_swaps_to_the_new_version(tmp_path: Path) -> None:
    holder = PolicyHolder(load_pack("harm-only"))
    path = tmp_path / "strict.toml"
    path.write_text(STRICT)
    result = holder.reload(path)
    assert result.ok and result.previous.id == "harm-only"
    assert holder.current is result.policy and holder.current.version == 2
    assert holder.decide({"scores": {"hate": 0.6}}, AT).outcome is Outcome.REJECT
    assert "now deciding with t v2" in str(result)


def test_a_broken_file_keeps_the_working_policy(tmp_path: Path) -> None:
    working = load_pack("harm-only")
    holder = PolicyHolder(working)
    path = tmp_path / "broken.toml"
    path.write_text(STRICT.replace("scores.hate", "scores.hat"))
    result = holder.reload(path)
    assert not result.ok and holder.current is working and result.policy is working
    assert result.problems[0].file == str(path) and "scores.hat" in result.problems[0].message
    assert str(result).endswith("kept harm-only v1")


def test_a_file_whose_own_cases_fail_keeps_the_working_policy() -> None:
    working = load_pack("news-credential")
    holder = PolicyHolder(working)
    failing = STRICT + '\n[[test]]\nfacts = { scores = { hate = 0.6 } }\nexpect = "publish"\n'
    result = holder.reload_text(failing, "failing.toml")
    assert not result.ok and holder.current is working
    assert "expected publish, got reject" in result.problems[0].message


def test_a_missing_file_keeps_the_working_policy(tmp_path: Path) -> None:
    working = load_pack("label-only")
    holder = PolicyHolder(working)
    result = holder.reload(tmp_path / "absent.toml")
    assert not result.ok and holder.current is working and "cannot read" in result.problems[0].message
