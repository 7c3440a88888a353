"""Combining, shadow rules, the trace, the statement of reasons and replay."""
from __future__ import annotations

import json
from datetime import date, datetime

import pytest

from masthead.domain.posts import Outcome
from masthead.policy import FactError
from tests.policy.helpers import AT, policy, rule

LADDER_PARTS = (
    rule("labels", "scores.hate >= 0.3", outcome="label", labels='["sensitive"]', severity="1"),
    rule("limits", "scores.hate >= 0.5", outcome="limit", labels='["reduced reach"]'),
    rule("holds", "scores.hate >= 0.7", outcome="hold", severity="3",
         category='"STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH"', keyword='"KEYWORD_HATE_SPEECH"',
         explanation='"Possible hate speech (score {scores.hate}, lang {post.lang})."'),
    rule("rejects", "scores.hate >= 0.9 && 'hate' in hashes.matches", outcome="reject", ground='"illegal"',
         ground_reference='"Criminal Code 130"'),
    rule("publishes", "scores.hate < 0.1", outcome="publish"),
)
LADDER = policy(*LADDER_PARTS)


@pytest.mark.parametrize(("hate", "expected"), [
    (0.05, Outcome.PUBLISH), (0.35, Outcome.LABEL), (0.55, Outcome.LIMIT), (0.75, Outcome.HOLD), (0.95, Outcome.HOLD),
])
def test_the_most_restrictive_outcome_wins(hate: float, expected: Outcome) -> None:
    assert LADDER.decide({"scores": {"hate": hate}}, AT).outcome is expected


def test_reject_beats_everything_and_labels_accumulate() -> None:
    verdict = LADDER.decide({"scores": {"hate": 0.95}, "hashes": {"matches": ["hate"]}}, AT)
    assert verdict.outcome is Outcome.REJECT
    assert verdict.labels == ["sensitive", "reduced reach"]
    assert verdict.rules == ["rejects"]
    assert [entry["rule"] for entry in verdict.trace] == ["labels", "limits", "holds", "rejects"]


def test_the_trace_keeps_each_matched_rule_with_the_facts_it_read() -> None:
    verdict = LADDER.decide({"scores": {"hate": 0.75}, "post": {"lang": "de"}}, AT)
    holds = next(entry for entry in verdict.trace if entry["rule"] == "holds")
    assert holds == {"rule": "holds", "mode": "live", "outcome": "hold", "labels": [], "severity": 3,
                     "facts": {"scores.hate": 0.75}, "enforced": True}
    rejects = [entry for entry in verdict.trace if entry["rule"] == "rejects"]
    assert not rejects
    json.dumps(verdict.to_dict())


def test_the_statement_of_reasons_follows_the_dsa_schema() -> None:
    verdict = LADDER.decide({"scores": {"hate": 0.75}, "post": {"lang": "de"}}, AT, puid="post-42")
    assert verdict.explanation == "Possible hate speech (score 0.75, lang de)."
    assert verdict.statement == {
        "decision_visibility": ["DECISION_VISIBILITY_CONTENT_DISABLED"],
        "end_date_visibility_restriction": None,
        "decision_ground": "DECISION_GROUND_INCOMPATIBLE_CONTENT",
        "category": "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH",
        "category_specification": ["KEYWORD_HATE_SPEECH"],
        "content_type": ["CONTENT_TYPE_TEXT"],
        "content_language": "DE",
        "automated_detection": "Yes",
        "automated_decision": "AUTOMATED_DECISION_PARTIALLY",
        "source_type": "SOURCE_VOLUNTARY",
        "application_date": "2026-05-10",
        "decision_facts": "Possible hate speech (score 0.75, lang de).",
        "puid": "post-42",
        "incompatible_content_ground": "Terms 1",
        "incompatible_content_explanation": "Possible hate speech (score 0.75, lang de).",
        "incompatible_content_illegal": "No",
    }


def test_an_illegal_ground_fills_the_legal_ground_fields() -> None:
    verdict = LADDER.decide({"scores": {"hate": 0.95}, "hashes": {"matches": ["hate"]}}, AT, language="fr",
                            application_date=date(2026, 5, 11))
    assert verdict.statement is not None
    assert verdict.statement["decision_ground"] == "DECISION_GROUND_ILLEGAL_CONTENT"
    assert verdict.statement["illegal_content_legal_ground"] == "Criminal Code 130"
    assert verdict.statement["decision_visibility"] == ["DECISION_VISIBILITY_CONTENT_REMOVED"]
    assert verdict.statement["content_language"] == "FR"
    assert verdict.statement["application_date"] == "2026-05-11"
    assert "incompatible_content_ground" not in verdict.statement


def test_a_published_post_has_no_statement() -> None:
    verdict = LADDER.decide({"scores": {"hate": 0.05}}, AT)
    assert verdict.statement is None and verdict.rules == [] and verdict.explanation == ""


def test_shadow_rules_are_recorded_but_never_enforced() -> None:
    shadowed = policy(rule("shadow-reject", "scores.sexual > 0.5", outcome="reject", mode='"shadow"',
                           labels='["would label"]'),
                      rule("live-label", "scores.sexual > 0.5", outcome="label", labels='["adult"]'))
    verdict = shadowed.decide({"scores": {"sexual": 0.8}}, AT)
    assert verdict.outcome is Outcome.LABEL and verdict.labels == ["adult"]
    shadow = verdict.trace[0]
    assert shadow["rule"] == "shadow-reject" and shadow["mode"] == "shadow" and shadow["enforced"] is False


def test_labels_on_a_publish_rule_make_a_labelled_outcome() -> None:
    labelled = policy(rule("note", "post.is_reprint", outcome="publish", labels='["reprint"]'))
    verdict = labelled.decide({"post": {"is_reprint": True}}, AT)
    assert verdict.outcome is Outcome.LABEL and verdict.labels == ["reprint"] and verdict.rules == ["note"]


def test_replaying_the_same_facts_gives_the_same_verdict() -> None:
    facts = {"scores": {"hate": 0.95}, "hashes": {"matches": ["hate"]}, "post": {"lang": "en"}}
    first = LADDER.decide(facts, AT, puid="p1")
    assert LADDER.decide(facts, AT, puid="p1") == first
    recompiled = policy(*LADDER_PARTS)
    assert recompiled.sha256 == LADDER.sha256
    again = recompiled.decide(facts, AT, puid="p1")
    assert again == first
    assert json.dumps(again.to_dict(), sort_keys=True) == json.dumps(first.to_dict(), sort_keys=True)


def test_absent_facts_read_as_zero_values_and_ints_count_as_doubles() -> None:
    absent = policy(rule("quiet", "size(author.credentials) == 0 && post.lang == '' && scores.hate == 0.0"))
    assert absent.decide({}, AT).outcome is Outcome.HOLD
    assert LADDER.decide({"scores": {"hate": 1}}, AT).outcome is Outcome.HOLD


def test_a_fact_of_the_wrong_type_is_an_error() -> None:
    with pytest.raises(FactError, match="scores.hate must be a double"):
        LADDER.decide({"scores": {"hate": "high"}}, AT)


def test_a_naive_moment_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        LADDER.decide({}, datetime(2026, 5, 10))


def test_a_rule_failing_at_run_time_applies_its_own_outcome_and_says_so() -> None:
    failing = policy(rule("first-credential", "author.credentials[0] == 'news.publish'", outcome="limit"),
                     rule("hate", "scores.hate > 0.5", outcome="label", labels='["hate?"]'))
    verdict = failing.decide({"scores": {"hate": 0.7}}, AT)
    assert verdict.outcome is Outcome.LIMIT and verdict.labels == ["hate?"]
    assert "failed at run time" in verdict.trace[0]["error"]
    assert failing.decide({"author": {"credentials": ["x"]}}, AT).outcome is Outcome.PUBLISH
