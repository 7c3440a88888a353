"""The few statements that differ between SQLite and PostgreSQL, and the per-dialect cache of built statements."""
from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

T = TypeVar("T")


def insert_ignoring_conflicts(connection: AsyncConnection, table: sa.Table) -> sa.Insert:
    """INSERT that silently skips rows violating a unique constraint (idempotent writes)."""
    if connection.dialect.name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    return sqlite.insert(table).on_conflict_do_nothing()


def upsert_add(connection: AsyncConnection, table: sa.Table, keys: Sequence[str], counter: str) -> sa.Insert:
    """INSERT a row, or add its `counter` to the existing row's when the keys exist. Atomic under concurrency
    (no read-then-write); the caller supplies .values(...) and may add RETURNING."""
    dialect_insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    statement = dialect_insert(table)
    return statement.on_conflict_do_update(
        index_elements=[table.c[key] for key in keys], set_={counter: table.c[counter] + statement.excluded[counter]})


_COMPILED: dict[tuple[str, Hashable], Any] = {}


def compiled_once(connection: AsyncConnection, key: Hashable, build: Callable[[AsyncConnection], T]) -> T:
    """`build(connection)` once per dialect and key, then the same object: building and compiling a statement
    takes about a millisecond, which the pipeline would otherwise pay for every batch."""
    cache_key = (connection.dialect.name, key)
    found: T | None = _COMPILED.get(cache_key)
    if found is None:
        found = _COMPILED[cache_key] = build(connection)
    return found


def one_of(connection: AsyncConnection, column: sa.ColumnElement[Any], name: str = "ids") -> sa.ColumnElement[bool]:
    """`column` is one of the integer list bound as `name` (its value from `integer_list`). Unlike an expanding
    IN, the statement's text does not depend on the list's length, so it is compiled once and then cached.
    `column` must be a table's column (they live as long as the process): it is known by its identity, as
    columns overload ==."""
    def build(connection: AsyncConnection) -> sa.ColumnElement[bool]:
        if connection.dialect.name == "postgresql":
            return column == sa.any_(sa.bindparam(name, type_=postgresql.ARRAY(sa.BigInteger)))
        listed = sa.func.json_each(sa.bindparam(name, type_=sa.String)).table_valued("value")
        return column.in_(sa.select(listed.c.value))
    return compiled_once(connection, ("one_of", id(column), name), build)


def integer_list(connection: AsyncConnection, values: Sequence[int]) -> Any:
    """The bound value for `one_of`: an array on PostgreSQL, JSON text for SQLite's json_each."""
    if connection.dialect.name == "postgresql":
        return [int(value) for value in values]
    return "[" + ",".join(str(int(value)) for value in values) + "]"
