"""Finding the rules whose conditions hold for a post's facts, fast.

For each policy one Python function is generated that reads and type-checks every fact (as
`FactSchema.flatten` does, with the same errors) and evaluates every condition translated by `translate.py`;
the remaining conditions run through CEL. Values CEL itself would refuse (ints beyond 64 bits, strings that are
not valid Unicode) send the whole decision through CEL, as do policies compiled with `translate=False`: that
path is the reference the fast one is tested against. The generated source holds only `repr()` literals, fact
slots named v0, v1, … and rule numbers, never text from the policy file as code."""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from masthead.policy.checked import CheckedCondition
from masthead.policy.schema import Fact, FactKind, FactSchema
from masthead.policy.translate import CelFallback, Untranslatable, checked_int, python_expression

Hits = list[tuple[int, bool | str]]
# The generated function: the facts' values, the rules that matched and those left to CEL after an int
# overflow, or None when no rule needs a second look (none matched, none left to CEL).
Reader = Callable[[Mapping[str, Any], tuple[str, ...]], tuple[tuple[Any, ...], list[int], list[int]] | None]

_ACTIVE = "campaigns.active"
_INT64_MAX = (1 << 63) - 1
# The test that lets a value through without calling its fact's reader, by kind ({v}: the slot).
_FAST_TEST = {
    FactKind.BOOL: "{v} is not True and {v} is not False",
    FactKind.INT: f"{{v}}.__class__ is not int or {{v}} > {_INT64_MAX} or {{v}} < {-_INT64_MAX - 1}",
    FactKind.DOUBLE: "{v}.__class__ is not float",
    FactKind.STRING: "{v}.__class__ is not str or not {v}.isascii()",
    FactKind.STRING_LIST: "{v}.__class__ is not list or {v}",
}


@dataclass(frozen=True)
class BatchCondition:
    """Conditions as one CEL list expression (one call per decision), with each one's own program kept to find
    the failing one when the list as a whole errs."""

    batch: Any
    single: tuple[Any, ...]

    def evaluate(self, flat: dict[str, Any]) -> list[bool | str]:
        """For each condition, its bool result or, when it fails at run time, the error message."""
        values = self.batch.eval(data=flat).plain_value()
        if isinstance(values, list):
            return values
        return [self.evaluate_one(index, flat) for index in range(len(self.single))]

    def evaluate_one(self, index: int, flat: dict[str, Any]) -> bool | str:
        value = self.single[index].eval(data=flat).plain_value()
        return value if isinstance(value, bool) else str(value)


class CelOnly(Exception):
    """A fact value CEL must see itself (it refuses it in its own way)."""


@dataclass(frozen=True)
class Matcher:
    schema: FactSchema
    everything: BatchCondition            # every rule through CEL
    read: Reader | None                   # the generated function; None when translation is off
    flatten: Callable[[tuple[Any, ...]], dict[str, Any]] | None  # generated: `read`'s values by dotted name
    by_cel: tuple[int, ...]               # rules `read` leaves to CEL
    by_cel_batch: BatchCondition | None

    def match(self, facts: Mapping[str, Any], active: tuple[str, ...]) -> tuple[Hits, dict[str, Any] | None]:
        """(rule number, True or the run-time error) for each rule that matched, in rule order, and the flat
        facts by dotted name (None when no rule matched)."""
        if self.read is None or self.flatten is None:
            return self._match_by_cel(facts, active)
        try:
            found = self.read(facts, active)
        except CelOnly:
            return self._match_by_cel(facts, active)
        if found is None:
            return [], None
        values, sure, unsure = found
        flat = self.flatten(values)
        hits: Hits = [(index, True) for index in sure]
        if self.by_cel_batch is not None:
            results = self.by_cel_batch.evaluate(flat)
            hits += [(index, result) for index, result in zip(self.by_cel, results, strict=True) if result is not False]
        for index in unsure:
            result = self.everything.evaluate_one(index, flat)
            if result is not False:
                hits.append((index, result))
        if self.by_cel_batch is not None or unsure:
            hits.sort(key=lambda hit: hit[0])
        return hits, flat

    def _match_by_cel(self, facts: Mapping[str, Any], active: tuple[str, ...]) -> tuple[Hits, dict[str, Any]]:
        flat = self.schema.flatten(facts)
        flat[_ACTIVE] = list(active)
        results = self.everything.evaluate(flat)
        return [(index, result) for index, result in enumerate(results) if result is not False], flat


def build_matcher(schema: FactSchema, everything: BatchCondition, checked: Sequence[CheckedCondition],
                  compile_subset: Callable[[list[int]], BatchCondition], translate: bool) -> Matcher:
    """A matcher for rules with these checked conditions; `compile_subset` gives CEL programs for some of them."""
    if not translate:
        return Matcher(schema, everything, None, None, (), None)
    facts = [fact for _, members in schema.groups for fact in members]
    slots = {fact.name: f"v{index}" for index, fact in enumerate(facts)} | {_ACTIVE: "active"}
    source, namespace = _reading_source(schema, facts)
    values = "".join(slots[fact.name] + ", " for fact in facts) + "active"
    copied = {fact.name: f"list({slots[fact.name]})" if fact.kind is FactKind.STRING_LIST else slots[fact.name]
              for fact in facts} | {_ACTIVE: "list(active)"}
    source.insert(0, f"def flatten(values):\n    {values}, = values\n    return {{"
                     + ", ".join(f"{name!r}: {value}" for name, value in copied.items()) + "}")
    by_cel: list[int] = []
    for index, condition in enumerate(checked):
        try:
            expression, may_fall_back = python_expression(condition, slots)
        except Untranslatable:
            by_cel.append(index)
            continue
        if may_fall_back:
            source += [f"    try:\n        if {expression}:\n            sure.append({index})",
                       f"    except CelFallback:\n        unsure.append({index})"]
        else:
            source.append(f"    if {expression}:\n        sure.append({index})")
    if not by_cel:
        source.append("    if not sure and not unsure:\n        return None")
    source.append(f"    return ({values}), sure, unsure")
    exec(compile("\n".join(source), "<policy conditions>", "exec"), namespace)  # noqa: S102 - see module doc
    batch = compile_subset(by_cel) if by_cel else None
    return Matcher(schema, everything, namespace["read"], namespace["flatten"], tuple(by_cel), batch)


def _reading_source(schema: FactSchema, facts: list[Fact]) -> tuple[list[str], dict[str, Any]]:
    # EMPTY stands for an absent table: the generated code only reads it. An absent fact reads as the literal
    # default given to get(), which passes the fast test.
    namespace: dict[str, Any] = {"Mapping": Mapping, "EMPTY": {}, "CelFallback": CelFallback,
                                 "checked_int": checked_int}
    lines = ["def read(facts, active):", "    sure = []", "    unsure = []"]
    slot = 0
    for group_index, (group, members) in enumerate(schema.groups):
        lines += [f"    g{group_index} = facts.get({group!r}, EMPTY)",
                  f"    if g{group_index}.__class__ is not dict and not isinstance(g{group_index}, Mapping):\n"
                  f"        g{group_index} = EMPTY"]
        tables: dict[str, str] = {}
        for fact in members:
            table = f"g{group_index}"
            if len(fact.path) > 2:
                if fact.path[1] not in tables:
                    tables[fact.path[1]] = f"t{group_index}_{len(tables)}"
                    name = tables[fact.path[1]]
                    lines += [f"    {name} = {table}.get({fact.path[1]!r}, EMPTY)",
                              f"    if {name}.__class__ is not dict and not isinstance({name}, Mapping):\n"
                              f"        {name} = EMPTY"]
                table = tables[fact.path[1]]
            value = f"v{slot}"
            namespace[f"read{slot}"] = _reader(fact)
            lines += [f"    {value} = {table}.get({fact.path[-1]!r}, {fact.default!r})",
                      f"    if {_FAST_TEST[fact.kind].format(v=value)}:\n        {value} = read{slot}({value})"]
            slot += 1
    return lines, namespace


def _reader(fact: Fact) -> Callable[[Any], Any]:
    """The slow path for one fact: its default, its own type check and error, and CEL's own limits."""
    default = () if fact.kind is FactKind.STRING_LIST else fact.default

    def read(value: Any) -> Any:
        if value is None:
            return default
        checked = fact.check(value)
        if not _cel_accepts(checked):
            raise CelOnly
        return checked

    return read


def _cel_accepts(value: Any) -> bool:
    if isinstance(value, str):
        return value.isascii() or _is_unicode(value)
    if isinstance(value, list):
        return all(_cel_accepts(item) for item in value)
    if isinstance(value, int) and not isinstance(value, bool):
        return -_INT64_MAX - 1 <= value <= _INT64_MAX
    return True


def _is_unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
