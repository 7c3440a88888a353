"""The few statements that differ between SQLite and PostgreSQL."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection


def insert_ignoring_conflicts(connection: AsyncConnection, table: sa.Table) -> sa.Insert:
    """INSERT that silently skips rows violating a unique constraint (idempotent writes)."""
    if connection.dialect.name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    return sqlite.insert(table).on_conflict_do_nothing()


def upsert_increment(connection: AsyncConnection, table: sa.Table, key: str, counter: str) -> sa.Insert:
    """INSERT (key, 1), or add 1 to `counter` when the key exists; the caller binds the key and RETURNs."""
    dialect_insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    statement = dialect_insert(table)
    return statement.on_conflict_do_update(
        index_elements=[table.c[key]], set_={counter: table.c[counter] + 1})
