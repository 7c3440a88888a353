"""The policy inside the pipeline: file reloads that never install a broken policy, daily caps that persist,
and back-tests over stored decisions."""
from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pytest
import sqlalchemy as sa

from masthead.cli import main
from masthead.clock import FakeClock
from masthead.context import Context
from masthead.pipeline.assembly import build_stages
from masthead.pipeline.stages import PostWork
from masthead.pipeline.worker import PipelineWorker
from masthead.policy.packs import pack_text
from masthead.settings import Settings
from masthead.store.tables import campaign_actions, decisions
from tests.conftest import FAST_HASHER, Api

CAPPED = '''
id = "capped"
version = 1

[[campaign]]
id = "spring"
starts = 2025-01-01T00:00:00Z
ends = 2027-01-01T00:00:00Z
owner = "trust-and-safety"
daily_cap = 1

[[rule]]
id = "hold-rumours-in-spring"
when = "scores.rumor >= 0.5"
outcome = "hold"
campaign = "spring"
category = "STATEMENT_CATEGORY_NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS"
ground = "incompatible"
ground_reference = "Terms 5.1"
explanation = "Likely rumour (score {scores.rumor}) held during the spring campaign."
'''


class Scores:
    name = "test.scores"

    def __init__(self, **scores: float) -> None:
        self.scores = scores

    async def run(self, batch: Sequence[PostWork]) -> None:
        for work in batch:
            work.fact_group("scores").update(self.scores)


async def _worker(ctx: Context, **scores: float) -> PipelineWorker:
    stages = build_stages(ctx)
    return PipelineWorker(ctx, [*stages[:-1], Scores(**scores), stages[-1]])  # after the classifier


async def _publish_one(api: Api, token: str, title: str) -> None:
    await api.publish(token, "alice_news", title, "Body.")


def _touch(path: Path, text: str, tick: int) -> None:
    path.write_text(text)
    os.utime(path, (1_000_000 + tick, 1_000_000 + tick))


async def test_a_changed_policy_file_is_used_and_a_broken_one_is_not(api: Api, ctx: Context, tmp_path: Path) -> None:
    policy_file = tmp_path / "policy.toml"
    _touch(policy_file, pack_text("label-only"), 1)
    ctx.settings = replace(ctx.settings, policy=str(policy_file))
    worker = await _worker(ctx)
    token = await api.sign_up("alice")
    await api.channel(token, "alice_news")

    async def decided_by() -> tuple[str, int]:
        await _publish_one(api, token, "A post")
        await worker.run_until_idle()
        async with ctx.db.read() as connection:
            row = (await connection.execute(sa.select(decisions.c.policy_id, decisions.c.policy_version)
                                            .order_by(decisions.c.id.desc()).limit(1))).one()
        return row.policy_id, row.policy_version

    assert await decided_by() == ("label-only", 1)
    _touch(policy_file, 'id = "label-only"\nversion = 2\n[[rule]]\nid = "x"\nwhen = "scores.nonsense > 1.0"\n', 2)
    assert await decided_by() == ("label-only", 1)
    _touch(policy_file, pack_text("label-only").replace("version = 1", "version = 2", 1), 3)
    assert await decided_by() == ("label-only", 2)


async def test_a_daily_cap_is_counted_across_batches_and_days(api: Api, ctx: Context, clock: FakeClock,
                                                              tmp_path: Path) -> None:
    policy_file = tmp_path / "capped.toml"
    policy_file.write_text(CAPPED)
    ctx.settings = replace(ctx.settings, policy=str(policy_file))
    worker = await _worker(ctx, rumor=0.9)
    token = await api.sign_up("alice")
    await api.channel(token, "alice_news")
    for title in ("first", "second"):
        await _publish_one(api, token, title)
        await worker.run_until_idle()
    clock.advance(days=1)
    await _publish_one(api, token, "next day")
    await worker.run_until_idle()
    async with ctx.db.read() as connection:
        outcomes = list((await connection.execute(sa.select(decisions.c.outcome).order_by(decisions.c.id))).scalars())
        counts = list((await connection.execute(sa.select(campaign_actions.c.count))).scalars())
    assert outcomes == ["hold", "publish", "hold"]
    assert counts == [1, 1]
    second = (await api.client.get("/api/v1/decisions/2/replay", headers=api.auth(token))).json()
    assert second["same"] is True and second["replayed_outcome"] == "publish"


def test_backtest_reports_what_a_candidate_would_change(database_url: str, monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    async def decide_some() -> None:
        ctx = Context.create(Settings(database_url=database_url), clock=FakeClock(), hasher=FAST_HASHER)
        try:
            from masthead.services.accounts import do_sign_up
            from masthead.services.channels import do_create_channel
            from masthead.services.posts import do_publish

            account, _ = await do_sign_up(ctx, handle="alice", password="long enough pw", display_name="A")
            await do_create_channel(ctx, account, handle="alice_news", name="A", description="")
            for i in range(3):
                await do_publish(ctx, account, "alice_news", title=f"News {i}", body="Body.")
            await (await _worker(ctx, political_news=0.95)).run_until_idle()
        finally:
            await ctx.db.dispose()
    asyncio.run(decide_some())
    monkeypatch.setenv("MASTHEAD_DATABASE_URL", database_url)
    assert main(["policy", "backtest", "label-only", "--since", "2025-12-31"]) == 0
    report = capsys.readouterr().out
    assert "3 of 3 decisions would change" in report
    assert "hold -> label" in report


SHORT_CAMPAIGN = CAPPED.replace('id = "capped"', 'id = "short"').replace(
    "ends = 2027-01-01T00:00:00Z", "ends = 2026-01-02T00:00:00Z").replace("daily_cap = 1\n", "")


async def test_a_campaign_restriction_lifts_itself_when_the_campaign_ends(api: Api, ctx: Context, clock: FakeClock,
                                                                          tmp_path: Path) -> None:
    policy_file = tmp_path / "short.toml"
    policy_file.write_text(SHORT_CAMPAIGN)
    ctx.settings = replace(ctx.settings, policy=str(policy_file))
    worker = await _worker(ctx, rumor=0.9)
    token = await api.sign_up("alice")
    await api.channel(token, "alice_news")
    await _publish_one(api, token, "Rumour")
    await worker.run_until_idle()
    post = (await api.client.get("/api/v1/posts/1", headers=api.auth(token))).json()
    assert post["state"] == "held"
    decision = (await api.client.get(f"/api/v1/decisions/{post['decision']['id']}", headers=api.auth(token))).json()
    assert decision["restriction_ends_at"] == "2026-01-02T00:00:00+00:00"
    assert decision["statement_of_reasons"]["end_date_visibility_restriction"] == "2026-01-02"
    assert await worker.lift_expired_restrictions() == 0
    clock.advance(days=1, seconds=1)
    assert await worker.lift_expired_restrictions() == 1
    assert await worker.lift_expired_restrictions() == 0
    assert (await api.client.get("/api/v1/posts/1")).json()["state"] == "published"
    timeline = (await api.client.get("/api/v1/channels/alice_news/posts")).json()
    assert [item["id"] for item in timeline["items"]] == ["1"]
