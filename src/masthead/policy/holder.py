"""The policy in force for a running process: swapped atomically, and never replaced by a file that fails."""
from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from masthead.policy.cases import run_cases
from masthead.policy.compiler import load_policy, load_policy_text
from masthead.policy.evaluate import Policy, Verdict
from masthead.policy.model import PolicyError, Problem


@dataclass(frozen=True)
class ReloadResult:
    ok: bool
    policy: Policy
    previous: Policy
    problems: list[Problem]

    def __str__(self) -> str:
        if self.ok:
            return (f"now deciding with {self.policy.id} v{self.policy.version} ({self.policy.sha256[:12]}), "
                    f"replacing {self.previous.id} v{self.previous.version}")
        kept = f"kept {self.policy.id} v{self.policy.version}"
        return "\n".join([*(str(problem) for problem in self.problems), kept])


class PolicyHolder:
    """Readers take `current` once per decision, so each decision sees exactly one version."""

    def __init__(self, policy: Policy) -> None:
        self._policy = policy
        self._lock = threading.Lock()

    @property
    def current(self) -> Policy:
        return self._policy

    def decide(self, facts: Any, at: datetime, **options: Any) -> Verdict:
        return self._policy.decide(facts, at, **options)

    def reload(self, path: str | Path) -> ReloadResult:
        return self._replace(lambda: load_policy(path))

    def reload_text(self, text: str, source_name: str) -> ReloadResult:
        return self._replace(lambda: load_policy_text(text, source_name))

    def _replace(self, load: Callable[[], Policy]) -> ReloadResult:
        """Compile, run the file's own test cases, then swap; any problem keeps the working policy."""
        with self._lock:
            previous = self._policy
            try:
                candidate = load()
            except PolicyError as exc:
                return ReloadResult(False, previous, previous, exc.problems)
            failures = run_cases(candidate)
            if failures:
                return ReloadResult(False, previous, previous, failures)
            self._policy = candidate
            return ReloadResult(True, candidate, previous, [])
