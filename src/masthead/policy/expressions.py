"""Rule conditions in CEL: compiled and type-checked against the fact schema by Google's CEL implementation
(cel-expr-python), with its checker's errors turned into plain messages that point into the condition, and
compiled for evaluation by `matcher.py`."""
from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cel_expr_python import cel  # type: ignore[import-untyped]

from masthead.policy.checked import read_checked
from masthead.policy.matcher import BatchCondition, Matcher, build_matcher
from masthead.policy.schema import FactKind, FactSchema

_CEL_TYPES = {
    FactKind.BOOL: cel.Type.BOOL, FactKind.INT: cel.Type.INT, FactKind.DOUBLE: cel.Type.DOUBLE,
    FactKind.STRING: cel.Type.STRING, FactKind.STRING_LIST: cel.Type.List(cel.Type.STRING),
}

_ERROR_LINE = re.compile(r"ERROR: <input>:(\d+):(\d+): (.*)")
_UNDECLARED = re.compile(r"undeclared reference to '([^']+)'")
_NO_OVERLOAD = re.compile(r"found no matching overload for '([^']+)' applied to '\((.*)\)'")
_OPERATORS = {
    "_==_": "==", "_!=_": "!=", "_<_": "<", "_<=_": "<=", "_>_": ">", "_>=_": ">=", "_&&_": "&&", "_||_": "||",
    "!_": "!", "-_": "-", "_+_": "+", "_-_": "-", "_*_": "*", "_/_": "/", "_%_": "%", "@in": "in",
    "_?_:_": "?:", "_[_]": "[]",
}
_STRING_LITERAL = re.compile(r"""[rRbB]{0,2}("""
                             r'"""(?:\\.|[^\\])*?"""|' r"'''(?:\\.|[^\\])*?'''|"
                             r'"(?:\\.|[^"\\\n])*"|' r"'(?:\\.|[^'\\\n])*')""", re.DOTALL)
_DOTTED_NAME = re.compile(r"(?<![\w.])[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*")


@dataclass(frozen=True)
class ConditionProblem:
    """A problem at a 1-based line and column of the condition's own text."""

    line: int
    column: int
    message: str


class Conditions:
    """Compiles conditions over one fact schema and evaluates many of them against the same facts at once."""

    def __init__(self, schema: FactSchema) -> None:
        self.schema = schema
        self._env = cel.NewEnv(variables={fact.name: _CEL_TYPES[fact.kind] for fact in schema.facts})

    def check(self, source: str) -> list[ConditionProblem]:
        """Problems that keep `source` from being a condition: bad syntax, unknown facts, wrong types, not a bool."""
        try:
            compiled = self._env.compile(source)
        except RuntimeError as exc:
            return self._problems(str(exc))
        result = compiled.return_type()
        if result != cel.Type.BOOL:
            return [ConditionProblem(1, 1, f"the condition must be true or false, but it gives a {_type_name(result)}")]
        return []

    def compile_all(self, sources: Sequence[str], *, translate: bool = True) -> Matcher:
        """A matcher for these conditions; with `translate=False` every condition is evaluated by CEL."""
        single = tuple(self._env.compile(source) for source in sources)

        def batch(indices: Sequence[int]) -> BatchCondition:
            listed = "[" + ", ".join(f"({sources[index]})" for index in indices) + "]"
            return BatchCondition(self._env.compile(listed), tuple(single[index] for index in indices))

        checked = [read_checked(program.serialize()) for program in single]
        return build_matcher(self.schema, batch(range(len(sources))), checked, batch, translate)

    def referenced_facts(self, source: str) -> tuple[str, ...]:
        """Fact names a condition reads, in order of first use (the checker has already resolved them)."""
        found: list[str] = []
        for match in _DOTTED_NAME.finditer(_STRING_LITERAL.sub('""', source)):
            parts = match.group(0).split(".")
            for end in range(len(parts), 0, -1):
                name = ".".join(parts[:end])
                if name in self.schema:
                    if name not in found:
                        found.append(name)
                    break
        return tuple(found)

    def _problems(self, text: str) -> list[ConditionProblem]:
        problems = [ConditionProblem(int(line), int(column), self._plain(message.rstrip()))
                    for line, column, message in _ERROR_LINE.findall(text)]
        return problems or [ConditionProblem(1, 1, text.strip())]

    def _plain(self, message: str) -> str:
        message = re.sub(r"\s*\[INVALID_ARGUMENT\]$", "", message)
        undeclared = _UNDECLARED.search(message)
        if undeclared:
            name = undeclared.group(1)
            close = difflib.get_close_matches(name, list(self.schema.by_name), n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            return f"unknown fact or function {name}{hint}"
        overload = _NO_OVERLOAD.search(message)
        if overload:
            operator = _OPERATORS.get(overload.group(1), overload.group(1))
            types = overload.group(2)
            hint = ""
            if "double" in types and "int" in types:
                hint = "; write a number compared with a double fact with a decimal point, e.g. 1.0"
            return f"wrong types: {operator} cannot be applied to ({types}){hint}"
        if message.startswith("Syntax error:"):
            return "bad CEL syntax: " + message.removeprefix("Syntax error:").strip()
        return message


def _type_name(cel_type: Any) -> str:
    return str(cel_type.name()).lower()
