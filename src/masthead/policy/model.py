"""The parts of a compiled policy: rules, campaigns and test cases, and the problems that refuse a file."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import cached_property
from typing import Any, NamedTuple

from masthead.domain.posts import Outcome
from masthead.policy.dsa import Ground
from masthead.policy.template import Template

# Most restrictive last: the combined outcome is the maximum rank among enforced rules.
OUTCOME_RANK: dict[Outcome, int] = {
    Outcome.PUBLISH: 0, Outcome.LABEL: 1, Outcome.LIMIT: 2, Outcome.HOLD: 3, Outcome.REJECT: 4,
}


class Mode(StrEnum):
    LIVE = "live"
    SHADOW = "shadow"


class Problem(NamedTuple):
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class PolicyError(ValueError):
    """A policy file that cannot be used; `problems` lists each reason as (file, line, message)."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


@dataclass(frozen=True)
class StrikeRules:
    """A policy's [strikes] table: how long a strike counts, and how many within a window suspend publishing."""

    expire_after_days: int = 90
    threshold: int = 3
    within_days: int = 90
    suspend_days: int = 7

    def describe(self) -> str:
        return (f"{self.threshold} strikes within {self.within_days} days suspend publishing for "
                f"{self.suspend_days} days; a strike counts for {self.expire_after_days} days")


@dataclass(frozen=True)
class Campaign:
    id: str
    starts: datetime
    ends: datetime
    owner: str
    daily_cap: int | None
    description: str
    line: int

    def active_at(self, at: datetime) -> bool:
        return self.starts <= at < self.ends


@dataclass(frozen=True)
class Rule:
    id: str
    when: str
    outcome: Outcome
    labels: tuple[str, ...]
    mode: Mode
    campaign: str | None
    category: str
    keywords: tuple[str, ...]
    ground: Ground
    ground_reference: str
    explanation: Template
    severity: int
    facts: tuple[str, ...]
    line: int

    @cached_property
    def rank(self) -> int:
        return OUTCOME_RANK[self.outcome]

    @cached_property
    def trace_head(self) -> tuple[str, str, str]:
        """The id, mode and outcome that open each trace entry of this rule."""
        return self.id, self.mode.value, self.outcome.value


@dataclass(frozen=True)
class PolicyCase:
    """One [[test]] of a policy file: facts in, the expected outcome (and labels) out."""

    index: int
    name: str
    facts: Mapping[str, Any]
    expect: Outcome
    expect_labels: tuple[str, ...] | None
    at: datetime | None
    actions_today: Mapping[str, int]
    line: int
