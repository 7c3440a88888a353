"""The few statements that differ between SQLite and PostgreSQL."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection


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


_ONE_OF: dict[tuple[str, int, str], tuple[sa.ColumnElement[Any], sa.ColumnElement[bool]]] = {}


def one_of(connection: AsyncConnection, column: sa.ColumnElement[Any], name: str = "ids") -> sa.ColumnElement[bool]:
    """`column` is one of the integer list bound as `name` (its value from `integer_list`). Unlike an expanding
    IN, the statement's text does not depend on the list's length, so it is compiled once and then cached."""
    # Keyed by the column's identity (columns overload ==); the entry keeps its column, so no other column
    # can come to reuse that identity.
    key = (connection.dialect.name, id(column), name)
    cached = _ONE_OF.get(key)
    if cached is not None and cached[0] is column:
        return cached[1]
    if connection.dialect.name == "postgresql":
        condition = column == sa.any_(sa.bindparam(name, type_=postgresql.ARRAY(sa.BigInteger)))
    else:
        listed = sa.func.json_each(sa.bindparam(name, type_=sa.String)).table_valued("value")
        condition = column.in_(sa.select(listed.c.value))
    _ONE_OF[key] = (column, condition)
    return condition


def integer_list(connection: AsyncConnection, values: Sequence[int]) -> Any:
    """The bound value for `one_of`: an array on PostgreSQL, JSON text for SQLite's json_each."""
    if connection.dialect.name == "postgresql":
        return [int(value) for value in values]
    return "[" + ",".join(str(int(value)) for value in values) + "]"
