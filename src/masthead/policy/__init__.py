"""Policy as code: TOML policy files with CEL conditions, compiled and checked on load, deciding posts with a
trace and a DSA statement of reasons. See README.md in this folder for the file format and the facts."""
from __future__ import annotations

from masthead.policy.backtest import BacktestReport, backtest
from masthead.policy.cases import run_cases
from masthead.policy.compiler import load_policy, load_policy_text
from masthead.policy.evaluate import ActionsToday, Policy, Verdict
from masthead.policy.holder import PolicyHolder, ReloadResult
from masthead.policy.model import Campaign, PolicyError, Problem, Rule
from masthead.policy.packs import DEFAULT_PACK, PACK_NAMES, load_pack, pack_text, resolve_policy
from masthead.policy.schema import DEFAULT_SCHEMA, Fact, FactError, FactKind, FactSchema

__all__ = [
    "DEFAULT_PACK", "DEFAULT_SCHEMA", "PACK_NAMES", "ActionsToday", "BacktestReport", "Campaign", "Fact", "FactError",
    "FactKind", "FactSchema", "Policy", "PolicyError", "PolicyHolder", "Problem", "ReloadResult", "Rule", "Verdict",
    "backtest", "load_pack", "load_policy", "load_policy_text", "pack_text", "resolve_policy", "run_cases",
]
