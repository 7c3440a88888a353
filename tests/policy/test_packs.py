"""The shipped packs compile, pass their own cases, and are chosen by name or path."""
from __future__ import annotations

from pathlib import Path

import pytest

from masthead.domain.posts import Outcome
from masthead.policy import DEFAULT_PACK, PACK_NAMES, PolicyError, load_pack, resolve_policy, run_cases
from masthead.settings import Settings
from tests.policy.helpers import AT


@pytest.mark.parametrize("name", PACK_NAMES)
def test_each_pack_passes_its_own_cases(name: str) -> None:
    pack = load_pack(name)
    assert pack.id == name and len(pack.cases) >= 8
    assert run_cases(pack) == []


def test_the_default_pack_is_the_configured_default() -> None:
    assert DEFAULT_PACK == Settings().policy == "news-credential"
    assert resolve_policy(Settings().policy).id == "news-credential"


def test_a_policy_file_path_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text('id = "mine"\nversion = 7\n')
    policy = resolve_policy(str(path))
    assert (policy.id, policy.version, policy.source_name) == ("mine", 7, str(path))


def test_an_unknown_pack_is_refused() -> None:
    with pytest.raises(PolicyError, match="neither a policy pack"):
        resolve_policy("no-such-pack")
    with pytest.raises(PolicyError, match="no policy pack"):
        load_pack("no-such-pack")


def test_held_news_explains_how_to_apply_for_the_credential() -> None:
    verdict = load_pack("news-credential").decide(
        {"scores": {"political_news": 0.93}, "post": {"lang": "zh"}}, AT, puid="p9")
    assert verdict.outcome is Outcome.HOLD
    assert "apply for the news.publish credential" in verdict.explanation and "0.93" in verdict.explanation
    assert verdict.statement is not None
    assert verdict.statement["category"] == "STATEMENT_CATEGORY_NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS"
    assert verdict.statement["content_language"] == "ZH"


def test_the_three_regimes_treat_the_same_news_post_differently() -> None:
    facts = {"scores": {"political_news": 0.9}, "author": {"credentials": []}}
    outcomes = {name: load_pack(name).decide(facts, AT) for name in PACK_NAMES}
    assert outcomes["news-credential"].outcome is Outcome.HOLD
    assert outcomes["label-only"].outcome is Outcome.LABEL
    assert outcomes["label-only"].labels == ["unverified source"]
    assert outcomes["harm-only"].outcome is Outcome.PUBLISH


def test_terrorism_is_never_published_automatically_by_any_pack() -> None:
    for name in PACK_NAMES:
        pack = load_pack(name)
        for score in (0.5, 0.7, 0.99):
            facts = {"scores": {"terrorism": score}, "author": {"credentials": ["news.publish"]}}
            assert pack.decide(facts, AT).outcome in (Outcome.HOLD, Outcome.REJECT), (name, score)
