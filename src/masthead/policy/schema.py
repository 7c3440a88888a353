"""The facts a policy may read: names, types and meanings, and the one place that turns a caller's nested fact
dictionary into the flat, typed values the rules are evaluated against."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class FactKind(StrEnum):
    BOOL = "bool"
    INT = "int"
    DOUBLE = "double"
    STRING = "string"
    STRING_LIST = "list(string)"


_EXACT_TYPES: dict[FactKind, type] = {
    FactKind.BOOL: bool, FactKind.INT: int, FactKind.DOUBLE: float, FactKind.STRING: str, FactKind.STRING_LIST: list,
}
DEFAULTS: dict[FactKind, Any] = {
    FactKind.BOOL: False, FactKind.INT: 0, FactKind.DOUBLE: 0.0, FactKind.STRING: "", FactKind.STRING_LIST: (),
}


class FactError(TypeError):
    """A fact value of the wrong type, named by its dotted fact name."""


@dataclass(frozen=True)
class Fact:
    name: str
    kind: FactKind
    meaning: str
    path: tuple[str, ...] = field(init=False)
    exact_type: type = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", tuple(self.name.split(".")))
        if not 2 <= len(self.path) <= 3:
            raise ValueError(f"fact {self.name}: a fact name is group.name or group.table.name")
        object.__setattr__(self, "exact_type", _EXACT_TYPES[self.kind])

    @property
    def default(self) -> Any:
        value = DEFAULTS[self.kind]
        return list(value) if self.kind is FactKind.STRING_LIST else value

    def check(self, value: Any) -> Any:
        """The value as the rules see it; FactError if it is not of this fact's type."""
        if type(value) is self.exact_type and self.kind is not FactKind.STRING_LIST:
            return value
        kind = self.kind
        if kind is FactKind.DOUBLE:
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                return float(value)
        elif kind is FactKind.INT:
            if isinstance(value, int) and not isinstance(value, bool):
                return value
        elif kind is FactKind.BOOL:
            if isinstance(value, bool):
                return value
        elif kind is FactKind.STRING:
            if isinstance(value, str):
                return value
        elif isinstance(value, (list, tuple)) and all(isinstance(item, str) for item in value):
            return list(value)
        raise FactError(f"fact {self.name} must be a {kind.value}, not {_describe(value)}")


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"the bool {value!r}".replace("True", "true").replace("False", "false")
    if isinstance(value, (int, float, str)):
        return f"the {'string' if isinstance(value, str) else type(value).__name__} {value!r}"
    return f"a {type(value).__name__}"


SCORE_NAMES: tuple[str, ...] = ("political_news", "social_news", "terrorism", "sexual", "violence", "hate", "rumor")

# Computed by the engine from the policy's own campaigns at the decision's time; a caller's value is ignored.
DERIVED_FACTS: frozenset[str] = frozenset({"campaigns.active"})

CONTRACT_FACTS: tuple[Fact, ...] = (
    Fact("post.lang", FactKind.STRING, "ISO 639-1 code of the body"),
    Fact("post.length", FactKind.INT, "characters in the body"),
    Fact("post.is_reprint", FactKind.BOOL, "declared or detected copy of another post"),
    Fact("post.declared_original", FactKind.BOOL, "the author declared it original"),
    *(Fact(f"scores.{name}", FactKind.DOUBLE, f"classifier probability that the post is {name.replace('_', ' ')}")
      for name in SCORE_NAMES),
    Fact("author.credentials", FactKind.STRING_LIST, "scopes valid for the channel at the post's time"),
    Fact("author.account_age_days", FactKind.INT, "age of the posting account in days"),
    Fact("author.strikes", FactKind.INT, "unexpired strikes of the channel"),
    Fact("channel.subscribers", FactKind.INT, "subscriber count at the post's time"),
    Fact("reprint.similarity", FactKind.DOUBLE, "estimated Jaccard similarity to the original (0 when none)"),
    *(Fact(f"reprint.original_scores.{name}", FactKind.DOUBLE, f"the original's {name} score")
      for name in SCORE_NAMES),
    Fact("reprint.original_credentials", FactKind.STRING_LIST, "the original channel's valid scopes"),
    Fact("reprint.rights", FactKind.STRING, "the original's rights: allow, attribute, deny, verified_only"),
    Fact("reprint.whitelisted", FactKind.BOOL, "the reprinting channel is on the original's whitelist"),
    Fact("hashes.matches", FactKind.STRING_LIST, "names of hash banks the post matched"),
    Fact("campaigns.active", FactKind.STRING_LIST, "ids of the policy's campaigns active at the decision's time"),
)


class FactSchema:
    """An ordered set of facts. Extend it with new facts; never rename the contract's."""

    def __init__(self, facts: Iterable[Fact]) -> None:
        self.facts: tuple[Fact, ...] = tuple(facts)
        self.by_name: dict[str, Fact] = {fact.name: fact for fact in self.facts}
        if len(self.by_name) != len(self.facts):
            raise ValueError("a fact schema names each fact once")
        groups: dict[str, list[Fact]] = {}
        for fact in self.facts:
            if fact.name not in DERIVED_FACTS:
                groups.setdefault(fact.path[0], []).append(fact)
        # Facts by their first name part, in order of first appearance; the caller supplies these.
        self.groups: tuple[tuple[str, tuple[Fact, ...]], ...] = tuple(
            (name, tuple(members)) for name, members in groups.items())

    def extend(self, *facts: Fact) -> FactSchema:
        return FactSchema((*self.facts, *facts))

    def __contains__(self, name: object) -> bool:
        return name in self.by_name

    def flatten(self, facts: Mapping[str, Any]) -> dict[str, Any]:
        """Dotted name → typed value for every supplied fact; absent facts take their type's zero value."""
        flat: dict[str, Any] = {}
        for group_name, members in self.groups:
            group = facts.get(group_name)
            if not isinstance(group, Mapping):
                group = {}
            for fact in members:
                value = group.get(fact.path[1])
                if len(fact.path) > 2:
                    value = value.get(fact.path[2]) if isinstance(value, Mapping) else None
                flat[fact.name] = fact.default if value is None else fact.check(value)
        return flat

    def problems_in(self, facts: Mapping[str, Any]) -> list[str]:
        """Plain messages for unknown fact names and ill-typed values in a nested fact dictionary."""
        problems: list[str] = []
        self._walk(facts, "", problems)
        return problems

    def _walk(self, node: Mapping[str, Any], prefix: str, problems: list[str]) -> None:
        for key, value in node.items():
            name = f"{prefix}{key}"
            fact = self.by_name.get(name)
            if fact is not None:
                if name in DERIVED_FACTS:
                    problems.append(f"fact {name} is computed from the policy's campaigns; set the test's `at` instead")
                    continue
                try:
                    fact.check(value)
                except FactError as exc:
                    problems.append(str(exc))
            elif isinstance(value, Mapping) and any(f.startswith(name + ".") for f in self.by_name):
                self._walk(value, name + ".", problems)
            else:
                problems.append(f"unknown fact {name}")


DEFAULT_SCHEMA = FactSchema(CONTRACT_FACTS)
