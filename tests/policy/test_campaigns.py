"""Campaigns switch their rules on and off by themselves, end dates reach the statement, daily caps stop them."""
from __future__ import annotations

from datetime import UTC, datetime

from masthead.clock import FakeClock
from masthead.domain.posts import Outcome
from tests.policy.helpers import policy, rule

CAMPAIGN = """
[[campaign]]
id = "election-2026"
starts = 2026-05-01T00:00:00Z
ends = 2026-05-20T00:00:00Z
owner = "trust-and-safety"
daily_cap = 2
"""
ELECTION = policy(
    CAMPAIGN,
    rule("election-rumours", "scores.rumor >= 0.6", outcome="limit", campaign='"election-2026"'),
    rule("campaign-aware", "'election-2026' in campaigns.active && scores.political_news > 0.5", outcome="label",
         labels='["election period"]'),
)
RUMOUR = {"scores": {"rumor": 0.7}}


def test_a_campaign_switches_on_at_its_start_and_off_at_its_end() -> None:
    clock = FakeClock(datetime(2026, 4, 30, 23, 59, tzinfo=UTC))
    assert ELECTION.decide(RUMOUR, clock.now()).outcome is Outcome.PUBLISH
    clock.set(datetime(2026, 5, 1, tzinfo=UTC))
    assert ELECTION.decide(RUMOUR, clock.now()).outcome is Outcome.LIMIT
    clock.set(datetime(2026, 5, 19, 23, 59, 59, tzinfo=UTC))
    assert ELECTION.decide(RUMOUR, clock.now()).outcome is Outcome.LIMIT
    clock.advance(seconds=1)
    verdict = ELECTION.decide(RUMOUR, clock.now())
    assert verdict.outcome is Outcome.PUBLISH and verdict.trace == []


def test_campaigns_active_is_derived_from_the_moment() -> None:
    facts = {"scores": {"political_news": 0.8}, "campaigns": {"active": ["election-2026"]}}
    assert ELECTION.decide(facts, datetime(2026, 4, 1, tzinfo=UTC)).outcome is Outcome.PUBLISH
    during = ELECTION.decide(facts, datetime(2026, 5, 2, tzinfo=UTC))
    assert during.outcome is Outcome.LABEL and during.trace[0]["facts"]["campaigns.active"] == ["election-2026"]


def test_a_campaign_restriction_carries_its_end_date() -> None:
    verdict = ELECTION.decide(RUMOUR, datetime(2026, 5, 2, tzinfo=UTC), puid="p")
    assert verdict.restriction_ends_at == datetime(2026, 5, 20, tzinfo=UTC)
    assert verdict.statement is not None
    assert verdict.statement["end_date_visibility_restriction"] == "2026-05-20"
    assert verdict.trace[0]["campaign"] == "election-2026"
    assert verdict.campaign_actions == ["election-2026"]


def test_a_restriction_also_imposed_outside_a_campaign_has_no_end_date() -> None:
    mixed = policy(CAMPAIGN, rule("in-campaign", "scores.rumor >= 0.6", outcome="limit", campaign='"election-2026"'),
                   rule("always", "scores.rumor >= 0.6", outcome="limit"))
    verdict = mixed.decide(RUMOUR, datetime(2026, 5, 2, tzinfo=UTC))
    assert verdict.restriction_ends_at is None and verdict.statement is not None
    assert verdict.statement["end_date_visibility_restriction"] is None


def test_the_daily_cap_stops_enforcement_and_the_trace_says_so() -> None:
    at = datetime(2026, 5, 2, tzinfo=UTC)
    assert ELECTION.decide(RUMOUR, at, actions_today={"election-2026": 1}).outcome is Outcome.LIMIT
    asked: list[str] = []

    def counted(campaign_id: str) -> int:
        asked.append(campaign_id)
        return 2

    verdict = ELECTION.decide(RUMOUR, at, actions_today=counted)
    assert verdict.outcome is Outcome.PUBLISH and verdict.campaign_actions == []
    assert verdict.trace[0]["enforced"] is False and "daily cap of 2" in verdict.trace[0]["note"]
    assert asked == ["election-2026"]
    ELECTION.decide({"scores": {"rumor": 0.1}}, at, actions_today=counted)
    assert asked == ["election-2026"]


def test_test_cases_can_set_the_moment_and_todays_actions() -> None:
    from masthead.policy import run_cases
    cases = policy(CAMPAIGN, rule("r", "scores.rumor >= 0.6", outcome="limit", campaign='"election-2026"'), """
[[test]]
facts = { scores = { rumor = 0.7 } }
at = 2026-05-02T10:00:00Z
expect = "limit"

[[test]]
facts = { scores = { rumor = 0.7 } }
at = 2026-05-02T10:00:00Z
actions_today = { election-2026 = 2 }
expect = "publish"

[[test]]
facts = { scores = { rumor = 0.7 } }
expect = "publish"
""")
    assert run_cases(cases) == []
