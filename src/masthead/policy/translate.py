"""Checked CEL conditions as Python expressions, for the subset whose Python meaning is exactly CEL's: literals,
facts, comparisons of two values of one type, `&&`, `||`, `!`, `? :`, `in` on lists, list literals, `size` and
int/double/string arithmetic. Anything else raises Untranslatable and the rule is evaluated by CEL.

Python's short-circuiting `and`/`or` match CEL's `&&`/`||` because nothing translated can fail, except int
arithmetic out of CEL's 64-bit range: there the helper raises CelFallback and the whole rule is evaluated by
CEL, which then applies its own rules for errors."""
from __future__ import annotations

import math
from collections.abc import Mapping

from masthead.policy.checked import Call, CheckedCondition, Const, Ident, ListLiteral, Node

_INT64 = (-(1 << 63), (1 << 63) - 1)
_SCALARS = frozenset({"bool", "int", "double", "string"})
# Element types for which Python's `in` (identity, then ==) equals CEL's: no NaN among them.
_IN_ELEMENTS = frozenset({"bool", "int", "string"})
_ORDERING = {
    f"{name}_{kind}": symbol
    for name, symbol in (("less", "<"), ("less_equals", "<="), ("greater", ">"), ("greater_equals", ">="))
    for kind in ("int64", "double", "string", "bool")
}
_BINARY = {
    "add_double": "+", "subtract_double": "-", "multiply_double": "*", "add_string": "+",
    "logical_and": "and", "logical_or": "or",
}
_CHECKED_INT = {"add_int64": "+", "subtract_int64": "-", "multiply_int64": "*"}


class Untranslatable(Exception):
    """A condition outside the translated subset."""


class CelFallback(Exception):
    """Raised by translated code when CEL would report an error: the rule is then evaluated by CEL."""


def checked_int(value: int) -> int:
    if _INT64[0] <= value <= _INT64[1]:
        return value
    raise CelFallback


def python_expression(condition: CheckedCondition, slots: Mapping[str, str]) -> tuple[str, bool]:
    """The condition as a Python expression over the variables `slots` names for each fact, and whether it may
    raise CelFallback (it then calls `checked_int`)."""
    translator = _Translator(condition, slots)
    return translator.node(condition.root), translator.may_fall_back


class _Translator:
    def __init__(self, condition: CheckedCondition, slots: Mapping[str, str]) -> None:
        self.overloads = condition.overloads
        self.types = condition.types
        self.slots = slots
        self.may_fall_back = False

    def node(self, node: Node) -> str:
        if isinstance(node, Const):
            return _literal(node.value)
        if isinstance(node, Ident) and node.name in self.slots:
            return self.slots[node.name]
        if isinstance(node, ListLiteral) and self.types.get(node.id, "").removeprefix("list(")[:-1] in _SCALARS:
            return "(" + "".join(self.node(element) + ", " for element in node.elements) + ")"
        if isinstance(node, Call):
            return self.call(node)
        raise Untranslatable

    def call(self, node: Call) -> str:
        overloads = self.overloads.get(node.id, ())
        if len(overloads) != 1:
            raise Untranslatable
        overload = overloads[0]
        operands = (node.target, *node.args) if node.target is not None else node.args
        if overload in ("size_list", "list_size", "size_string", "string_size") and len(operands) == 1:
            return f"len({self.node(operands[0])})"
        if overload == "logical_not":
            return f"(not {self.node(operands[0])})"
        if overload == "negate_double":
            return f"(-{self.node(operands[0])})"
        if overload == "negate_int64":
            self.may_fall_back = True
            return f"checked_int(-{self.node(operands[0])})"
        if overload == "conditional":
            condition, then, otherwise = (self.node(operand) for operand in operands)
            return f"({then} if {condition} else {otherwise})"
        if len(operands) != 2:
            raise Untranslatable
        left, right = operands
        if overload in ("equals", "not_equals"):
            kind = self.types.get(left.id)
            if kind not in _SCALARS or self.types.get(right.id) != kind:
                raise Untranslatable
            return self.binary("==" if overload == "equals" else "!=", left, right)
        if overload == "in_list":
            element = self.types.get(left.id)
            if element not in _IN_ELEMENTS or self.types.get(right.id) != f"list({element})":
                raise Untranslatable
            return self.binary("in", left, right)
        if overload in _CHECKED_INT:
            self.may_fall_back = True
            return f"checked_int({self.binary(_CHECKED_INT[overload], left, right)})"
        symbol = _ORDERING.get(overload) or _BINARY.get(overload)
        if symbol is None:
            raise Untranslatable
        return self.binary(symbol, left, right)

    def binary(self, symbol: str, left: Node, right: Node) -> str:
        return f"({self.node(left)} {symbol} {self.node(right)})"


def _literal(value: object) -> str:
    if isinstance(value, bool | str | int):
        return f"({value!r})"
    if isinstance(value, float) and math.isfinite(value):
        return f"({value!r})"
    raise Untranslatable
