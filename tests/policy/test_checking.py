"""Every way a policy file is refused names the file, the line of the offending key, and the reason."""
from __future__ import annotations

import pytest

from masthead.policy import PolicyError, Problem, load_policy_text
from tests.policy.helpers import HEADER, rule


def problems(text: str) -> list[Problem]:
    with pytest.raises(PolicyError) as raised:
        load_policy_text(text, "p.toml")
    return raised.value.problems


def only(text: str) -> Problem:
    found = problems(text)
    assert len(found) == 1, found
    return found[0]


def line_of(text: str, fragment: str) -> int:
    return next(number for number, line in enumerate(text.splitlines(), 1) if fragment in line)


def test_unknown_fact_is_refused_with_a_suggestion() -> None:
    text = HEADER + rule("r", "scores.politcal_news >= 0.8")
    problem = only(text)
    assert problem.file == "p.toml" and problem.line == line_of(text, "when =")
    assert "unknown fact or function scores.politcal_news" in problem.message
    assert "did you mean scores.political_news" in problem.message


def test_comparing_a_string_fact_to_a_number_is_refused() -> None:
    problem = only(HEADER + rule("r", "post.lang > 3"))
    assert "wrong types" in problem.message and "(string, int)" in problem.message


def test_comparing_a_double_with_an_int_literal_says_how_to_fix_it() -> None:
    problem = only(HEADER + rule("r", "scores.sexual >= 1"))
    assert "e.g. 1.0" in problem.message


def test_a_condition_that_is_not_a_bool_is_refused() -> None:
    problem = only(HEADER + rule("r", "scores.sexual"))
    assert "must be true or false" in problem.message and "double" in problem.message


def test_bad_cel_syntax_is_refused() -> None:
    text = HEADER + rule("r", "scores.sexual >")
    problem = only(text)
    assert problem.line == line_of(text, "when =") and problem.message.startswith("rule r: bad CEL syntax")


def test_errors_inside_a_multiline_condition_point_at_their_own_line() -> None:
    text = HEADER + '[[rule]]\nid = "r"\nwhen = """\nscores.sexual > 0.5 &&\n  post.lenght > 3\n"""\noutcome = "publish"\n'
    problem = only(text)
    assert problem.line == line_of(text, "post.lenght") and "post.lenght" in problem.message


def test_duplicate_rule_ids_are_refused() -> None:
    text = HEADER + rule("same", "scores.sexual > 0.5") + rule("same", "scores.hate > 0.5")
    problem = only(text)
    assert problem.line == [n for n, line in enumerate(text.splitlines(), 1) if 'id = "same"' in line][1]
    assert "duplicate rule id 'same'" in problem.message


def test_unknown_campaign_is_refused() -> None:
    text = HEADER + rule("r", "scores.sexual > 0.5", campaign='"election"')
    problem = only(text)
    assert problem.line == line_of(text, "campaign =") and "unknown campaign 'election'" in problem.message


@pytest.mark.parametrize(("key", "value", "message"), [
    ("category", '"STATEMENT_CATEGORY_GOSSIP"', "category must be a DSA STATEMENT_CATEGORY_* value"),
    ("ground", '"rude"', "ground must be one of incompatible, illegal"),
    ("keyword", '"KEYWORD_GOSSIP"', "keyword must be a DSA KEYWORD_* value"),
    ("outcome", '"ban"', "outcome must be one of publish, label, limit, hold, reject"),
    ("mode", '"maybe"', "mode must be one of live, shadow"),
    ("severity", "-1", "severity must be a whole number"),
])
def test_invalid_values_are_refused_at_their_key(key: str, value: str, message: str) -> None:
    text = HEADER + rule("r", "scores.sexual > 0.5", **{key: value})
    problem = only(text)
    assert problem.line == line_of(text, f"{key} =") and message in problem.message


def test_a_restricting_rule_needs_its_statement_fields() -> None:
    text = HEADER + '[[rule]]\nid = "r"\nwhen = "scores.sexual > 0.5"\noutcome = "hold"\n'
    messages = " | ".join(problem.message for problem in problems(text))
    for needed in ("category", "ground must", "ground_reference", "explanation"):
        assert needed in messages


def test_a_label_rule_needs_a_label() -> None:
    assert "needs at least one label" in only(HEADER + rule("r", "scores.sexual > 0.5", outcome="label")).message


def test_explanations_may_only_quote_known_facts() -> None:
    text = HEADER + rule("r", "scores.sexual > 0.5", explanation='"score {scores.sexy}"')
    problem = only(text)
    assert problem.line == line_of(text, "explanation =") and "{scores.sexy}" in problem.message


def test_unknown_keys_are_refused() -> None:
    text = HEADER + rule("r", "scores.sexual > 0.5", outcom='"hold"')
    assert "unknown key 'outcom'" in only(text).message


def test_campaign_dates_are_checked() -> None:
    text = HEADER + ('[[campaign]]\nid = "c"\nstarts = 2026-05-01T00:00:00Z\nends = 2026-04-01T00:00:00Z\n'
                     'owner = "trust"\n\n[[campaign]]\nid = "d"\nstarts = 2026-05-01T00:00:00\n'
                     'ends = 2026-06-01T00:00:00Z\nowner = ""\n')
    messages = [problem.message for problem in problems(text)]
    assert any("ends must be after starts" in message for message in messages)
    assert any("needs a UTC offset" in message for message in messages)
    assert any("owner must name" in message for message in messages)


def test_test_case_facts_are_checked() -> None:
    text = HEADER + '[[test]]\nfacts = { scores = { sexual = "high" }, author = { credential = [] } }\nexpect = "hold"\n'
    messages = [problem.message for problem in problems(text)]
    assert all(problem.line == line_of(text, "facts =") for problem in problems(text))
    assert "test 1: fact scores.sexual must be a double, not the string 'high'" in messages
    assert "test 1: unknown fact author.credential" in messages


def test_bad_toml_is_refused_with_its_line() -> None:
    problem = only(HEADER + '\n[[rule]]\nid = "r\n')
    assert problem.line == 5 and problem.message.startswith("not valid TOML")


def test_header_is_checked() -> None:
    messages = [problem.message for problem in problems('id = "has space"\nversion = 0\n')]
    assert any(message.startswith("id must be") for message in messages)
    assert any(message.startswith("version must be") for message in messages)


def test_every_problem_is_reported_at_once_in_line_order() -> None:
    text = HEADER + rule("a", "scores.nope > 0.5") + rule("a", "post.lang > 1", outcome='"ban"')
    found = problems(text)
    assert len(found) == 4
    assert [problem.line for problem in found] == sorted(problem.line for problem in found)
    assert str(found[0]).startswith("p.toml:")


def test_strike_rules_are_checked_at_their_key() -> None:
    text = HEADER + "[strikes]\nthreshold = 0\nsuspend_days = 7\nwithin_day = 30\n"
    found = problems(text)
    assert [(problem.line, problem.message) for problem in found] == [
        (line_of(text, "threshold ="), "strikes: threshold must be a whole number of at least 1, not 0"),
        (line_of(text, "within_day ="), "unknown key 'within_day' in [strikes] "
                                        "(known: expire_after_days, threshold, within_days, suspend_days)"),
    ]
    assert "must be written as a [strikes] table" in only(HEADER.replace("version", "strikes = 3\nversion")).message


def test_strike_rules_default_when_a_policy_has_none() -> None:
    policy = load_policy_text(HEADER + "[strikes]\nthreshold = 2\n", "p.toml")
    assert (policy.strikes.threshold, policy.strikes.within_days, policy.strikes.suspend_days) == (2, 90, 7)
    assert load_policy_text(HEADER, "p.toml").strikes.threshold == 3
