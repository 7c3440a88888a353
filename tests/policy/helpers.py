"""Small policy texts for tests: a header and rules written inline, with the statement fields filled in."""
from __future__ import annotations

from datetime import UTC, datetime

from masthead.policy import Policy, load_policy_text

AT = datetime(2026, 5, 10, 12, 0, tzinfo=UTC)

HEADER = 'id = "t"\nversion = 1\n'


def rule(rule_id: str, when: str, outcome: str = "hold", **extra: str) -> str:
    fields = {
        "id": f'"{rule_id}"', "when": f'"{when}"', "outcome": outcome if outcome.startswith('"') else f'"{outcome}"',
        "category": '"STATEMENT_CATEGORY_SCOPE_OF_PLATFORM_SERVICE"', "ground": '"incompatible"',
        "ground_reference": '"Terms 1"', "explanation": f'"Rule {rule_id} matched."',
    }
    fields.update(extra)
    return "\n[[rule]]\n" + "".join(f"{key} = {value}\n" for key, value in fields.items())


def policy(*parts: str, header: str = HEADER) -> Policy:
    return load_policy_text(header + "".join(parts), "test.toml")
