"""The checked syntax tree of a CEL condition, read from the `cel.expr.CheckedExpr` protobuf message that
cel-expr-python serialises. The wire format is decoded here, so no protobuf runtime is needed; parts of the
message the fast path does not use are kept as `Other` nodes and types."""
from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

# cel.expr.Type.PrimitiveType numbers, named as the CEL checker names the types.
_PRIMITIVES = {1: "bool", 2: "int", 3: "uint", 4: "double", 5: "string", 6: "bytes"}


@dataclass(frozen=True)
class Const:
    id: int
    value: Any  # bool, int, float or str; None for a constant of any other kind


@dataclass(frozen=True)
class Ident:
    id: int
    name: str


@dataclass(frozen=True)
class Call:
    id: int
    function: str
    target: Node | None
    args: tuple[Node, ...]


@dataclass(frozen=True)
class ListLiteral:
    id: int
    elements: tuple[Node, ...]


@dataclass(frozen=True)
class Other:
    """A select, struct, comprehension or optional list: left to CEL."""

    id: int


Node = Const | Ident | Call | ListLiteral | Other


@dataclass(frozen=True)
class CheckedCondition:
    root: Node
    overloads: dict[int, tuple[str, ...]]  # node id → the overloads the checker resolved for a call
    types: dict[int, str]                  # node id → "bool", "int", "double", "string", "list(string)", …


def read_checked(serialized: bytes) -> CheckedCondition:
    """The condition inside a `google.protobuf.Any` holding a `cel.expr.CheckedExpr`."""
    message = _last(serialized, 2)
    overloads: dict[int, tuple[str, ...]] = {}
    types: dict[int, str] = {}
    root: Node = Other(0)
    for number, value in _fields(message):
        if number == 2:
            reference = _last(value, 2)
            overloads[_last(value, 1, 0)] = tuple(v.decode() for n, v in _fields(reference) if n == 3)
        elif number == 3:
            types[_last(value, 1, 0)] = _type(_last(value, 2))
        elif number == 4:
            root = _expr(value)
    return CheckedCondition(root, overloads, types)


def _expr(data: bytes) -> Node:
    node_id = _last(data, 2, 0)
    for number, value in _fields(data):
        if number == 3:
            return Const(node_id, _constant(value))
        if number == 4:
            return Ident(node_id, _last(value, 1).decode())
        if number == 6:
            target = _last(value, 1, None)
            args = tuple(_expr(v) for n, v in _fields(value) if n == 3)
            return Call(node_id, _last(value, 2).decode(), None if target is None else _expr(target), args)
        if number == 7 and not any(n == 2 for n, _ in _fields(value)):
            return ListLiteral(node_id, tuple(_expr(v) for n, v in _fields(value) if n == 1))
    return Other(node_id)


def _constant(data: bytes) -> Any:
    for number, value in _fields(data):
        if number == 2:
            return bool(value)
        if number == 3:
            return value - (1 << 64) if value >= 1 << 63 else value
        if number == 5:
            return struct.unpack("<d", value)[0]
        if number == 6:
            return value.decode()
    return None


def _type(data: bytes) -> str:
    for number, value in _fields(data):
        if number == 3:
            return _PRIMITIVES.get(value, "other")
        if number == 6:
            return f"list({_type(_last(value, 1))})"
    return "other"


def _last(data: bytes, wanted: int, default: Any = b"") -> Any:
    found = default
    for number, value in _fields(data):
        if number == wanted:
            found = value
    return found


def _fields(data: bytes) -> Iterator[tuple[int, Any]]:
    """(field number, value) pairs: an int for varints, bytes for everything else."""
    position = 0
    while position < len(data):
        key, position = _varint(data, position)
        wire = key & 7
        value: int | bytes
        if wire == 0:
            value, position = _varint(data, position)
        elif wire == 1:
            value, position = data[position:position + 8], position + 8
        elif wire == 2:
            length, position = _varint(data, position)
            value, position = data[position:position + length], position + length
        elif wire == 5:
            value, position = data[position:position + 4], position + 4
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")
        yield key >> 3, value


def _varint(data: bytes, position: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        byte = data[position]
        position += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return result, position
