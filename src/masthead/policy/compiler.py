"""Policy files: TOML in, a checked Policy out, or PolicyError naming every problem with its file and line."""
from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Mapping
from dataclasses import fields
from datetime import UTC, date, datetime, time
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from masthead.domain.posts import Outcome
from masthead.policy.dsa import CATEGORIES, KEYWORDS, Ground
from masthead.policy.evaluate import Policy
from masthead.policy.expressions import Conditions
from masthead.policy.model import Campaign, Mode, PolicyCase, PolicyError, Problem, Rule, StrikeRules
from masthead.policy.schema import DEFAULT_SCHEMA, FactSchema
from masthead.policy.source import SourceMap, toml_error_line
from masthead.policy.template import parse_template

T = TypeVar("T")

_TOP_KEYS = ("id", "version", "description", "strikes", "rule", "campaign", "test")
_STRIKE_KEYS = tuple(field.name for field in fields(StrikeRules))
_RULE_KEYS = ("id", "when", "outcome", "labels", "mode", "campaign", "category", "keyword", "ground",
              "ground_reference", "explanation", "severity")
_CAMPAIGN_KEYS = ("id", "starts", "ends", "owner", "daily_cap", "description")
_TEST_KEYS = ("name", "facts", "expect", "expect_labels", "at", "actions_today")
_IDENTIFIER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_OUTCOMES = ", ".join(outcome.value for outcome in Outcome)


@lru_cache(maxsize=4)
def _conditions(schema: FactSchema) -> Conditions:
    return Conditions(schema)


def load_policy(path: str | Path, schema: FactSchema = DEFAULT_SCHEMA) -> Policy:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError([Problem(str(path), 1, f"cannot read the policy file: {exc}")]) from None
    return load_policy_text(text, str(path), schema)


def load_policy_text(text: str, source_name: str, schema: FactSchema = DEFAULT_SCHEMA) -> Policy:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        raise PolicyError([Problem(source_name, toml_error_line(str(exc)), f"not valid TOML: {message}")]) from None
    return _Compiler(text, source_name, schema).build(data)


class _Compiler:
    def __init__(self, text: str, source_name: str, schema: FactSchema) -> None:
        self.text = text
        self.source_name = source_name
        self.schema = schema
        self.conditions = _conditions(schema)
        self.lines = SourceMap(text)
        self.problems: list[Problem] = []

    def fail(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.source_name, line, message))

    def build(self, data: dict[str, Any]) -> Policy:
        for key in data:
            if key not in _TOP_KEYS:
                self.fail(self.lines.top_key(key), f"unknown key {key!r} (a policy has {', '.join(_TOP_KEYS)})")
        policy_id = data.get("id")
        if not isinstance(policy_id, str) or not _IDENTIFIER.match(policy_id):
            self.fail(self.lines.top_key("id"), "id must be a name of letters, digits, '-', '_' or '.'")
        version = data.get("version")
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            self.fail(self.lines.top_key("version"), "version must be a whole number of at least 1")
            version = 0
        description = data.get("description", "")
        if not isinstance(description, str):
            self.fail(self.lines.top_key("description"), "description must be a string")
        strikes = self._strikes(data.get("strikes", {}))
        campaigns = self._campaigns(self._tables(data, "campaign"))
        rules = self._rules(self._tables(data, "rule"), {campaign.id for campaign in campaigns})
        cases = self._cases(self._tables(data, "test"), {campaign.id for campaign in campaigns})
        if self.problems:
            raise PolicyError(sorted(self.problems, key=lambda problem: problem.line))
        return Policy(
            id=str(policy_id), version=version, sha256=hashlib.sha256(self.text.encode()).hexdigest(),
            description=str(description), source_name=self.source_name, rules=tuple(rules),
            campaigns=tuple(campaigns), cases=tuple(cases), schema=self.schema, strikes=strikes,
            conditions=self.conditions.compile_all([rule.when for rule in rules]),
        )

    def _strikes(self, table: Any) -> StrikeRules:
        if not isinstance(table, dict):
            self.fail(self.lines.top_key("strikes"), "strikes must be written as a [strikes] table")
            return StrikeRules()
        values: dict[str, int] = {}
        for key, value in table.items():
            line = self.lines.table_key("strikes", key)
            if key not in _STRIKE_KEYS:
                self.fail(line, f"unknown key {key!r} in [strikes] (known: {', '.join(_STRIKE_KEYS)})")
            elif not isinstance(value, int) or isinstance(value, bool) or value < 1:
                self.fail(line, f"strikes: {key} must be a whole number of at least 1, not {value!r}")
            else:
                values[key] = value
        return StrikeRules(**values)

    def _tables(self, data: dict[str, Any], name: str) -> list[dict[str, Any]]:
        tables = data.get(name, [])
        if not isinstance(tables, list) or not all(isinstance(table, dict) for table in tables):
            self.fail(self.lines.top_key(name), f"{name} must be written as [[{name}]] tables")
            return []
        return tables

    def _unknown_keys(self, array: str, index: int, table: dict[str, Any], known: tuple[str, ...]) -> None:
        for key in table:
            if key not in known:
                self.fail(self.lines.key(array, index, key),
                          f"unknown key {key!r} in [[{array}]] (known: {', '.join(known)})")

    def _campaigns(self, tables: list[dict[str, Any]]) -> list[Campaign]:
        campaigns: list[Campaign] = []
        seen: dict[str, int] = {}
        for index, table in enumerate(tables):
            line = self.lines.table("campaign", index)
            self._unknown_keys("campaign", index, table, _CAMPAIGN_KEYS)
            campaign_id = self._identifier("campaign", index, table, seen)
            starts = self._moment("campaign", index, table, "starts", required=True)
            ends = self._moment("campaign", index, table, "ends", required=True)
            if starts is not None and ends is not None and ends <= starts:
                self.fail(self.lines.key("campaign", index, "ends"),
                          f"campaign {campaign_id}: ends must be after starts")
            owner = table.get("owner")
            if not isinstance(owner, str) or not owner.strip():
                self.fail(self.lines.key("campaign", index, "owner"),
                          f"campaign {campaign_id}: owner must name who answers for the campaign")
            cap = table.get("daily_cap")
            if cap is not None and (not isinstance(cap, int) or isinstance(cap, bool) or cap < 1):
                self.fail(self.lines.key("campaign", index, "daily_cap"),
                          f"campaign {campaign_id}: daily_cap must be a whole number of at least 1")
            description = table.get("description", "")
            if campaign_id and starts and ends:
                campaigns.append(Campaign(campaign_id, starts, ends, str(owner), cap, str(description), line))
        return campaigns

    def _rules(self, tables: list[dict[str, Any]], campaign_ids: set[str]) -> list[Rule]:
        rules: list[Rule] = []
        seen: dict[str, int] = {}
        for index, table in enumerate(tables):
            self._unknown_keys("rule", index, table, _RULE_KEYS)
            rule = self._rule(index, table, seen, campaign_ids)
            if rule is not None:
                rules.append(rule)
        return rules

    def _rule(self, index: int, table: dict[str, Any], seen: dict[str, int], campaign_ids: set[str]) -> Rule | None:
        at = self.lines.key
        before = len(self.problems)
        rule_id = self._identifier("rule", index, table, seen)
        name = f"rule {rule_id or index + 1}"
        when = table.get("when")
        facts: tuple[str, ...] = ()
        if not isinstance(when, str) or not when.strip():
            self.fail(at("rule", index, "when"), f"{name}: when must be a CEL condition in a string")
        else:
            for problem in self.conditions.check(when):
                self.fail(self.lines.value_line("rule", index, "when", problem.line), f"{name}: {problem.message}")
            facts = self.conditions.referenced_facts(when)
        outcome = self._choice("rule", index, table, "outcome", {o.value: o for o in Outcome}, None, name)
        labels = self._strings("rule", index, table, "labels", name)
        if outcome is Outcome.LABEL and not labels:
            self.fail(at("rule", index, "labels"), f"{name}: outcome label needs at least one label")
        mode = self._choice("rule", index, table, "mode", {m.value: m for m in Mode}, Mode.LIVE, name)
        campaign = table.get("campaign", "")
        if not isinstance(campaign, str) or (campaign and campaign not in campaign_ids):
            known = ", ".join(sorted(campaign_ids)) or "none"
            self.fail(at("rule", index, "campaign"), f"{name}: unknown campaign {campaign!r} (campaigns: {known})")
        restricts = outcome is not Outcome.PUBLISH or bool(labels)
        category = table.get("category", "")
        if category != "" or restricts:
            if category not in CATEGORIES:
                self.fail(at("rule", index, "category"),
                          f"{name}: category must be a DSA STATEMENT_CATEGORY_* value, not {category!r}")
        keywords = self._strings("rule", index, table, "keyword", name, single=True)
        for keyword in keywords:
            if keyword not in KEYWORDS:
                self.fail(at("rule", index, "keyword"),
                          f"{name}: keyword must be a DSA KEYWORD_* value, not {keyword!r}")
        ground = self._choice("rule", index, table, "ground", {g.value: g for g in Ground},
                              None if restricts else Ground.INCOMPATIBLE, name)
        reference = self._text("rule", index, table, "ground_reference", name, required=restricts)
        explanation_text = self._text("rule", index, table, "explanation", name, required=restricts)
        explanation, template_problems = parse_template(explanation_text, self.schema)
        for message in template_problems:
            self.fail(at("rule", index, "explanation"), f"{name}: {message}")
        severity = table.get("severity", 1)
        if not isinstance(severity, int) or isinstance(severity, bool) or severity < 0:
            self.fail(at("rule", index, "severity"), f"{name}: severity must be a whole number of at least 0")
        if len(self.problems) > before or outcome is None or mode is None or ground is None:
            return None
        return Rule(id=rule_id, when=str(when), outcome=outcome, labels=labels, mode=mode,
                    campaign=campaign or None, category=str(category), keywords=keywords, ground=ground,
                    ground_reference=reference, explanation=explanation, severity=severity, facts=facts,
                    line=self.lines.table("rule", index))

    def _cases(self, tables: list[dict[str, Any]], campaign_ids: set[str]) -> list[PolicyCase]:
        cases: list[PolicyCase] = []
        for index, table in enumerate(tables):
            at = self.lines.key
            before = len(self.problems)
            self._unknown_keys("test", index, table, _TEST_KEYS)
            name = str(table.get("name", f"test {index + 1}"))
            facts = table.get("facts", {})
            if not isinstance(facts, dict):
                self.fail(at("test", index, "facts"), f"{name}: facts must be a table")
                facts = {}
            for message in self.schema.problems_in(facts):
                self.fail(at("test", index, "facts"), f"{name}: {message}")
            expect = self._choice("test", index, table, "expect", {o.value: o for o in Outcome}, None, name)
            expect_labels = self._strings("test", index, table, "expect_labels", name) \
                if "expect_labels" in table else None
            moment = self._moment("test", index, table, "at", required=False)
            actions = table.get("actions_today", {})
            if not isinstance(actions, dict) or not all(
                    isinstance(count, int) and not isinstance(count, bool) for count in actions.values()):
                self.fail(at("test", index, "actions_today"), f"{name}: actions_today maps campaign ids to counts")
                actions = {}
            for campaign_id in actions:
                if campaign_id not in campaign_ids:
                    self.fail(at("test", index, "actions_today"), f"{name}: unknown campaign {campaign_id!r}")
            if len(self.problems) == before and expect is not None:
                cases.append(PolicyCase(index, name, facts, expect, expect_labels, moment, actions,
                                        self.lines.table("test", index)))
        return cases

    def _identifier(self, array: str, index: int, table: dict[str, Any], seen: dict[str, int]) -> str:
        value = table.get("id")
        line = self.lines.key(array, index, "id")
        if not isinstance(value, str) or not _IDENTIFIER.match(value):
            self.fail(line, f"{array} {index + 1}: id must be a name of letters, digits, '-', '_' or '.'")
            return ""
        if value in seen:
            self.fail(line, f"duplicate {array} id {value!r} (first at line {seen[value]})")
        seen.setdefault(value, line)
        return value

    def _choice(self, array: str, index: int, table: dict[str, Any], key: str, choices: Mapping[str, T],
                   default: T | None, name: str) -> T | None:
        value = table.get(key)
        if value is None and default is not None:
            return default
        if not isinstance(value, str) or value not in choices:
            self.fail(self.lines.key(array, index, key),
                      f"{name}: {key} must be one of {', '.join(choices)}, not {value!r}")
            return None
        return choices[value]

    def _strings(self, array: str, index: int, table: dict[str, Any], key: str, name: str,
                 single: bool = False) -> tuple[str, ...]:
        value = table.get(key, [])
        if single and isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
            self.fail(self.lines.key(array, index, key), f"{name}: {key} must be a list of strings")
            return ()
        return tuple(dict.fromkeys(value))

    def _text(self, array: str, index: int, table: dict[str, Any], key: str, name: str, required: bool) -> str:
        value = table.get(key, "")
        if not isinstance(value, str) or (required and not value.strip()):
            self.fail(self.lines.key(array, index, key), f"{name}: {key} must be a non-empty string")
            return ""
        return value

    def _moment(self, array: str, index: int, table: dict[str, Any], key: str, required: bool) -> datetime | None:
        value = table.get(key)
        line = self.lines.key(array, index, key)
        if value is None:
            if required:
                self.fail(line, f"{array} {index + 1}: {key} is required "
                                "(a date-time with offset, e.g. 2026-05-01T00:00:00Z)")
            return None
        if isinstance(value, datetime):
            if value.tzinfo is None:
                self.fail(line, f"{array} {index + 1}: {key} needs a UTC offset, e.g. {value.isoformat()}Z")
                return None
            return value
        if isinstance(value, date):
            return datetime.combine(value, time(), tzinfo=UTC)
        self.fail(line, f"{array} {index + 1}: {key} must be a date or a date-time with offset")
        return None

