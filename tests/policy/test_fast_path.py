"""The fast path (generated fact reading and conditions translated to Python) decides exactly as CEL does:
random facts give equal verdicts, or the same error, through both for every shipped pack, the 50-rule
benchmark policy and a policy written to reach every translated construct and every fallback."""
from __future__ import annotations

import importlib.util
import json
import random
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest

from masthead.policy import PACK_NAMES, Policy, load_pack, load_policy_text
from masthead.policy.expressions import Conditions
from tests.policy.helpers import HEADER, rule

_BENCHMARK = Path(__file__).parents[2] / "benchmarks" / "policy.py"

CONSTRUCTS = load_policy_text(HEADER + """
[[campaign]]
id = "election"
starts = 2026-05-01T00:00:00Z
ends = 2026-05-20T00:00:00Z
owner = "trust-and-safety"
daily_cap = 3
""" + "".join((
    rule("arith", "author.strikes * 3 + post.length - 1 > 40 && -author.strikes < 0", outcome="limit"),
    rule("overflow", "channel.subscribers * channel.subscribers > 100", outcome="label", labels='["big"]'),
    rule("absorbs", "scores.hate > 0.5 && author.credentials[0] == 'x' || scores.hate > 0.9", outcome="reject"),
    rule("ternary", "(post.is_reprint ? reprint.similarity : scores.rumor) >= 0.5 == !post.declared_original"),
    rule("lists", "post.lang in ['zh', 'en'] && size(hashes.matches) >= 1 && author.strikes in [1, 3]",
         outcome="limit"),
    rule("strings", "post.lang + reprint.rights == 'zhdeny' || reprint.rights < 'b' || size(post.lang) > 2",
         outcome="label", labels='["odd \\"quote\\" label"]'),
    rule("quoted", "post.lang == '\\\\'\\\\n\\\\\\\\\\\"' || 'it\\\\'s' in hashes.matches", outcome="hold"),
    rule("doubles", "scores.sexual * 2.0 - scores.hate + 0.5 >= 0.7 && -scores.violence < -0.2", outcome="hold"),
    rule("comprehension", "author.credentials.exists(c, c.startsWith('news.'))", outcome="publish",
         labels='["newsroom"]'),
    rule("campaign", "'election' in campaigns.active && scores.rumor >= 0.3", outcome="limit",
         campaign='"election"'),
    rule("shadow", "scores.terrorism > 0.2 || post.length % 7 == 0", outcome="reject", mode='"shadow"'),
)), "constructs.toml")


def _benchmark_policy() -> Policy:
    spec = importlib.util.spec_from_file_location("policy_benchmark", _BENCHMARK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # The benchmark imports its sibling scripts, as it does when run from benchmarks/.
    sys.path.insert(0, str(_BENCHMARK.parent))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(_BENCHMARK.parent))
    return load_policy_text(module.fifty_rule_policy(), "bench-50")


def _by_cel(policy: Policy) -> Policy:
    conditions = Conditions(policy.schema).compile_all([rule.when for rule in policy.rules], translate=False)
    return replace(policy, conditions=conditions)


POLICIES = {name: load_pack(name) for name in PACK_NAMES} | {"bench-50": _benchmark_policy(),
                                                             "constructs": CONSTRUCTS}

_THRESHOLDS = (0.0, 0.1, 0.2, 0.3, 0.5, 0.6, 0.7, 0.8, 0.9, 0.99, 1.0)
_WORDS = ("", "zh", "en", "de", "deny", "allow", "a", "news.publish", "news.reprint", "terrorism", "x", "it's",
          "'\n\\\"", "日本", "é")


def _value(rng: random.Random, kind: str) -> Any:
    odd = rng.random() < 0.03
    if kind == "double":
        if odd:
            return rng.choice(["0.5", True, None, 1, -3, float("inf"), float("nan"), 2 ** 70])
        return rng.choice(_THRESHOLDS) if rng.random() < 0.5 else rng.random()
    if kind == "int":
        if odd:
            return rng.choice([1.5, False, "3", None, 2 ** 63, -(2 ** 63) - 1, 2 ** 63 - 1])
        return rng.choice([0, 1, 2, 3, 6, 7, 14, 21, 40, 100, 10_000, -5, 5_000_000_000]) + rng.choice([0, 0, rng.randint(0, 10**6)])
    if kind == "bool":
        return rng.choice([0, "true", None]) if odd else rng.random() < 0.5
    if kind == "string":
        return rng.choice([3, ["zh"], None, "\ud800"]) if odd else rng.choice(_WORDS)
    if odd:
        return rng.choice(["news.publish", [1], ("news.publish",), None, ["\udfff"]])
    return rng.sample(_WORDS, rng.randint(0, 3)) if rng.random() < 0.4 else []


def _facts(rng: random.Random, policy: Policy) -> dict[str, Any]:
    facts: dict[str, Any] = {}
    for fact in policy.schema.facts:
        if fact.name == "campaigns.active" or rng.random() < 0.15:
            continue
        node = facts
        for part in fact.path[:-1]:
            node = node.setdefault(part, {})
        node[fact.path[-1]] = _value(rng, fact.kind.value)
    if rng.random() < 0.05:
        facts[rng.choice(["post", "scores", "reprint", "unknown"])] = rng.choice([None, 3, [], {"extra": 1}])
    if rng.random() < 0.05 and isinstance(facts.get("reprint"), dict):
        facts["reprint"] = MappingProxyType(facts["reprint"])
    return facts


def _decide(policy: Policy, facts: dict[str, Any], at: datetime, today: dict[str, int]) -> Any:
    try:
        verdict = policy.decide(facts, at, puid="p", actions_today=today)
    except Exception as exc:  # noqa: BLE001 - the error itself is what is compared
        return type(exc), str(exc)
    return verdict, json.dumps(verdict.to_dict(), sort_keys=True, default=str)


@pytest.mark.parametrize("name", sorted(POLICIES))
def test_random_facts_decide_identically_through_the_fast_path_and_through_cel(name: str) -> None:
    fast = POLICIES[name]
    by_cel = _by_cel(fast)
    rng = random.Random(name)
    start = datetime(2026, 4, 25, tzinfo=UTC)
    for _ in range(1500):
        facts = _facts(rng, fast)
        at = start + timedelta(days=rng.randint(0, 30))
        today = {"election": rng.randint(0, 4)}
        assert _decide(fast, facts, at, today) == _decide(by_cel, facts, at, today), facts


@pytest.mark.parametrize("name", [*PACK_NAMES, "bench-50"])
def test_the_shipped_and_benchmark_conditions_are_all_translated(name: str) -> None:
    assert POLICIES[name].conditions.by_cel == ()


def test_conditions_outside_the_translated_subset_are_left_to_cel() -> None:
    left = [CONSTRUCTS.rules[index].id for index in CONSTRUCTS.conditions.by_cel]
    assert left == ["absorbs", "comprehension", "shadow"]


def test_string_literals_reach_python_only_as_literals() -> None:
    quoted = {"post": {"lang": "'\n\\\""}}
    verdict = CONSTRUCTS.decide(quoted, datetime(2026, 6, 1, tzinfo=UTC))
    assert "quoted" in verdict.rules
    assert "quoted" not in CONSTRUCTS.decide({"post": {"lang": "'"}}, datetime(2026, 6, 1, tzinfo=UTC)).rules
