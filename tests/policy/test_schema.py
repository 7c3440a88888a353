"""The fact schema: extendable in one place, and the facts a rule reads are found in its condition."""
from __future__ import annotations

import pytest

from masthead.domain.posts import Outcome
from masthead.policy import DEFAULT_SCHEMA, Fact, FactKind, PolicyError, load_policy_text
from masthead.policy.expressions import Conditions
from tests.policy.helpers import AT, HEADER, rule


def test_an_extended_schema_admits_new_facts() -> None:
    schema = DEFAULT_SCHEMA.extend(Fact("post.links", FactKind.INT, "links in the body"))
    text = HEADER + rule("many-links", "post.links > 20", outcome="limit")
    with pytest.raises(PolicyError, match="unknown fact or function post.links"):
        load_policy_text(text, "p.toml")
    policy = load_policy_text(text, "p.toml", schema)
    assert policy.decide({"post": {"links": 30}}, AT).outcome is Outcome.LIMIT


def test_fact_names_are_unique_and_dotted() -> None:
    with pytest.raises(ValueError):
        DEFAULT_SCHEMA.extend(Fact("post.lang", FactKind.STRING, "again"))
    with pytest.raises(ValueError):
        Fact("flat", FactKind.INT, "no group")


def test_referenced_facts_skip_string_literals_and_comprehension_variables() -> None:
    conditions = Conditions(DEFAULT_SCHEMA)
    source = "'scores.hate' != post.lang && author.credentials.exists(c, c.startsWith('news.')) && scores.hate > 0.1"
    assert conditions.referenced_facts(source) == ("post.lang", "author.credentials", "scores.hate")


def test_test_cases_may_not_set_computed_facts() -> None:
    text = HEADER + '[[test]]\nfacts = { campaigns = { active = ["x"] } }\nexpect = "publish"\n'
    with pytest.raises(PolicyError, match="computed from the policy's campaigns"):
        load_policy_text(text, "p.toml")


def test_duplicate_campaign_ids_and_unmatched_braces_are_refused() -> None:
    campaign = '\n[[campaign]]\nid = "c"\nstarts = 2026-05-01\nends = 2026-06-01\nowner = "o"\n'
    text = HEADER + campaign + campaign + rule("r", "scores.hate > 0.5", explanation='"a { b"')
    with pytest.raises(PolicyError) as raised:
        load_policy_text(text, "p.toml")
    messages = [problem.message for problem in raised.value.problems]
    assert "duplicate campaign id 'c' (first at line 5)" in messages
    assert any("unmatched '{'" in message for message in messages)


def test_explanations_quote_fact_values_and_keep_escaped_braces() -> None:
    text = HEADER + rule("r", "scores.hate > 0.5",
                         explanation='"{{score}} {scores.hate}, banks {hashes.matches}, reprint {post.is_reprint}"')
    verdict = load_policy_text(text, "p.toml").decide({"scores": {"hate": 0.666}}, AT)
    assert verdict.explanation == "{score} 0.67, banks none, reprint false"
