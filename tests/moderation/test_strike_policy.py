"""Strike thresholds come from the policy in force, and follow its file when an operator edits it."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from masthead.context import Context
from masthead.policy import pack_text
from masthead.settings import Settings
from tests.conftest import Api
from tests.moderation.test_workflow import notices, rejected_posts
from tests.scores import PoliticalScores

STRICT = "threshold = 2\nwithin_days = 30\nsuspend_days = 3\n"


def policy_with(strikes: str, version: int) -> str:
    text = pack_text("news-credential").replace("version = 1", f"version = {version}", 1)
    start = text.index("[strikes]")
    end = text.index("[[rule]]", start)
    return text[:start] + "[strikes]\n" + strikes + "\n" + text[end:]


@pytest.fixture
def policy_file(tmp_path: Path) -> Path:
    path = tmp_path / "policy.toml"
    path.write_text(policy_with(STRICT, 2), encoding="utf-8")
    return path


@pytest.fixture
def settings(database_url: str, policy_file: Path) -> Settings:
    return Settings(database_url=database_url, policy=str(policy_file))


async def test_the_policy_sets_how_many_strikes_suspend_and_for_how_long(api: Api, ctx: Context,
                                                                          policy_file: Path) -> None:
    api.app.state.worker.stages.insert(-1, PoliticalScores())
    author = await rejected_posts(api, ctx, "strict_news", 2)

    strikes = (await api.client.get("/api/v1/channels/strict_news/strikes", headers=api.auth(author))).json()
    assert strikes["threshold"] == {"strikes": 2, "within_days": 30, "suspends_for_days": 3,
                                    "strike_counts_for_days": 90, "policy": {"id": "news-credential", "version": 2}}
    assert strikes["suspended_until"] is not None
    [suspension] = await notices(api, author, "suspension")
    assert suspension["reason"] == ("2 strikes within 30 days; under policy news-credential v2, publishing is "
                                    "suspended for 3 days")
    ctx.clock.advance(days=2)
    assert (await api.client.post("/api/v1/channels/strict_news/posts", headers=api.auth(author),
                                  json={"title": "Garden", "body": "Basil"})).status_code == 403
    ctx.clock.advance(days=2)
    assert (await api.client.post("/api/v1/channels/strict_news/posts", headers=api.auth(author),
                                  json={"title": "Garden", "body": "Basil"})).status_code == 202

    policy_file.write_text(policy_with("threshold = 5\n", 3), encoding="utf-8")
    later = policy_file.stat().st_mtime + 5
    os.utime(policy_file, (later, later))
    strikes = (await api.client.get("/api/v1/channels/strict_news/strikes", headers=api.auth(author))).json()
    assert strikes["threshold"]["strikes"] == 5 and strikes["threshold"]["policy"]["version"] == 3

    policy_file.write_text("this is not a policy", encoding="utf-8")
    os.utime(policy_file, (later + 5, later + 5))
    strikes = (await api.client.get("/api/v1/channels/strict_news/strikes", headers=api.auth(author))).json()
    assert strikes["threshold"]["policy"]["version"] == 3, "a broken file never replaces the working policy"
