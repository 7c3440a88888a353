"""Running the [[test]] cases written inside a policy file."""
from __future__ import annotations

from datetime import UTC, datetime

from masthead.policy.evaluate import Policy, Verdict
from masthead.policy.model import PolicyCase, Problem

# A case without `at` runs at this moment with no campaign active, so its result never depends on the clock.
CASE_DEFAULT_AT = datetime(2000, 1, 1, tzinfo=UTC)


def run_case(policy: Policy, case: PolicyCase) -> Verdict:
    if case.at is None:
        return policy.decide_with_campaigns(case.facts, CASE_DEFAULT_AT, (), actions_today=case.actions_today)
    return policy.decide(case.facts, case.at, actions_today=case.actions_today)


def run_cases(policy: Policy) -> list[Problem]:
    """One problem for each case whose outcome or labels differ from what it expects."""
    problems: list[Problem] = []
    for case in policy.cases:
        verdict = run_case(policy, case)
        matched = ", ".join(entry["rule"] for entry in verdict.trace) or "none"
        if verdict.outcome is not case.expect:
            problems.append(Problem(policy.source_name, case.line,
                                    f"{case.name}: expected {case.expect.value}, got {verdict.outcome.value} "
                                    f"(rules matched: {matched})"))
        elif case.expect_labels is not None and sorted(verdict.labels) != sorted(case.expect_labels):
            problems.append(Problem(policy.source_name, case.line,
                                    f"{case.name}: expected labels {list(case.expect_labels)}, got {verdict.labels} "
                                    f"(rules matched: {matched})"))
    return problems
