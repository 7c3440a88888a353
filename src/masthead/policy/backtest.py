"""Back-testing: re-decide recorded facts with a candidate policy and count how outcomes would change."""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from masthead.policy.evaluate import Policy

EXAMPLES_PER_GROUP = 3
NO_RULE = "(no rule: published)"


@dataclass
class BacktestReport:
    policy_id: str
    policy_version: int
    total: int = 0
    changed: int = 0
    by_transition: Counter[tuple[str, str]] = field(default_factory=Counter)
    by_rule: Counter[str] = field(default_factory=Counter)
    transition_examples: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    rule_examples: dict[str, list[str]] = field(default_factory=dict)

    def summary(self) -> str:
        lines = [f"policy {self.policy_id} v{self.policy_version}: {self.changed} of {self.total} decisions "
                 f"would change"]
        if self.by_transition:
            lines.append("by outcome (old -> new):")
            for (old, new), count in self.by_transition.most_common():
                examples = ", ".join(self.transition_examples[(old, new)])
                lines.append(f"  {old} -> {new}: {count} (e.g. {examples})")
        if self.by_rule:
            lines.append("by rule deciding the new outcome:")
            for rule, count in self.by_rule.most_common():
                lines.append(f"  {rule}: {count} (e.g. {', '.join(self.rule_examples[rule])})")
        return "\n".join(lines)


def backtest(candidate: Policy, records: Iterable[tuple[str, Mapping[str, Any], datetime, str]]) -> BacktestReport:
    """Each record is (id, facts, at, old outcome). Changed decisions are counted by old -> new outcome and by
    the candidate's rules that set the new outcome, each with a few example ids."""
    report = BacktestReport(candidate.id, candidate.version)
    for record_id, facts, at, old_outcome in records:
        report.total += 1
        verdict = candidate.decide(facts, at)
        new_outcome = verdict.outcome.value
        if new_outcome == str(old_outcome):
            continue
        report.changed += 1
        transition = (str(old_outcome), new_outcome)
        report.by_transition[transition] += 1
        _example(report.transition_examples, transition, record_id)
        for rule in verdict.rules or [NO_RULE]:
            report.by_rule[rule] += 1
            _example(report.rule_examples, rule, record_id)
    return report


def _example(examples: dict[Any, list[str]], key: Any, record_id: str) -> None:
    found = examples.setdefault(key, [])
    if len(found) < EXAMPLES_PER_GROUP:
        found.append(record_id)
