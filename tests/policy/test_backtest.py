"""Back-testing counts how a candidate policy would change recorded outcomes, by rule and by transition."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from masthead.policy import backtest, load_pack
from tests.policy.helpers import AT


def test_backtest_counts_changes_by_transition_and_rule() -> None:
    candidate = load_pack("news-credential")
    news = {"scores": {"political_news": 0.9}, "author": {"credentials": []}}
    records: list[tuple[str, Mapping[str, Any], datetime, str]] = [
        ("p1", news, AT, "label"),
        ("p2", news, AT, "label"),
        ("p3", {"scores": {"sexual": 0.95}}, AT, "reject"),
        ("p4", {"scores": {"political_news": 0.1}}, AT, "hold"),
        ("p5", news, AT, "hold"),
    ]
    report = backtest(candidate, records)
    assert (report.total, report.changed) == (5, 3)
    assert report.by_transition == {("label", "hold"): 2, ("hold", "publish"): 1}
    assert report.by_rule == {"political-news-needs-credential": 2, "(no rule: published)": 1}
    assert report.transition_examples[("label", "hold")] == ["p1", "p2"]
    summary = report.summary()
    assert summary.startswith("policy news-credential v1: 3 of 5 decisions would change")
    assert "label -> hold: 2 (e.g. p1, p2)" in summary
    assert "political-news-needs-credential: 2" in summary


def test_examples_are_capped() -> None:
    records = [(f"p{i}", {"scores": {"sexual": 0.95}}, AT, "publish") for i in range(10)]
    report = backtest(load_pack("harm-only"), records)
    assert report.changed == 10 and report.rule_examples["sexual-content-reject"] == ["p0", "p1", "p2"]
