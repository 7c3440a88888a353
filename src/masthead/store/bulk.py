"""Driver-level execution for the pipeline's per-post statements.

SQLAlchemy's per-row parameter and result processing cost more than the database work itself when a batch
moves hundreds of posts (measured: benchmarks/publish.py). Here a Core statement is compiled once per dialect
and then run with plain tuples, converting only the types the drivers disagree on (datetimes on SQLite)."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import ClauseElement

from masthead.store.dialect import insert_ignoring_conflicts


def json_text(value: Any) -> str:
    return orjson.dumps(value).decode()


def sqlite_datetime(value: datetime) -> str:
    """SQLAlchemy's storage format for SQLite DATETIME (`%Y-%m-%d %H:%M:%S.%f` in UTC); isoformat is several
    times faster than strftime, which the pipeline calls for every post."""
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.isoformat(sep=" ", timespec="microseconds")[:26]  # without the "+00:00"


def driver_value(value: Any, *, sqlite: bool) -> Any:
    if isinstance(value, datetime):
        return sqlite_datetime(value) if sqlite else value
    if isinstance(value, (dict, list)):
        return json_text(value)
    return value


def python_datetime(value: Any) -> datetime:
    """A datetime column read through the driver, as an aware UTC datetime."""
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    if len(value) in (19, 26):  # SQLite's stored form, with or without microseconds: UTC, no offset written
        return datetime.fromisoformat(value + "+00:00")  # several times faster than .replace(tzinfo=UTC)
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


def _sql_type(dialect: sa.Dialect, column_type: sa.types.TypeEngine[Any]) -> str:
    rendered: str = dialect.type_compiler_instance.process(column_type)
    return rendered


class DriverStatement:
    """A statement compiled for one dialect, with its positional parameter names."""

    def __init__(self, connection: AsyncConnection, statement: ClauseElement) -> None:
        compiled = statement.compile(dialect=connection.dialect)
        self.sql = str(compiled)
        self.names: list[str] = list(getattr(compiled, "positiontup", None) or [])
        self.defaults: dict[str, Any] = dict(compiled.params)
        self.sqlite = connection.dialect.name == "sqlite"

    def parameters(self, values: dict[str, Any]) -> tuple[Any, ...]:
        return tuple(driver_value(values[name] if name in values else self.defaults[name], sqlite=self.sqlite)
                     for name in self.names)

    async def fetchall(self, connection: AsyncConnection, values: dict[str, Any]) -> list[tuple[Any, ...]]:
        result = await connection.exec_driver_sql(self.sql, self.parameters(values))
        return [tuple(row) for row in result.all()]


def postgres_insert_from_json(table: sa.Table, columns: Sequence[str], *, ignore_conflicts: bool = False) -> str:
    """`INSERT … SELECT … FROM json_to_recordset($1)`: many rows as one JSON text, one object per row with the
    columns as keys. asyncpg encodes array parameters element by element in Python (an ABC isinstance check
    each), which cost more than the database work for wide rows; one orjson document does not, and JSON
    columns go in as they are rather than as text inside text."""
    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    listed = ", ".join(columns)
    typed = ", ".join(f"{name} {_sql_type(dialect, table.c[name].type)}" for name in columns)
    return (f"INSERT INTO {table.name} ({listed}) SELECT {listed} FROM json_to_recordset($1::json) AS r({typed})"
            + (" ON CONFLICT DO NOTHING" if ignore_conflicts else ""))


class BulkInsert:
    """Many rows in one go. On PostgreSQL: COPY, or `INSERT … SELECT * FROM unnest(arrays) ON CONFLICT DO
    NOTHING` when conflicts are to be skipped (one execution instead of one per row; measured on 16,000-row
    batches, COPY took a third of the time of unnest with ON CONFLICT). On SQLite: executemany (no network
    between statements there). Rows are tuples ordered as `columns`, their values passed through `value`."""

    def __init__(self, connection: AsyncConnection, table: sa.Table, columns: Sequence[str], *,
                 ignore_conflicts: bool = False) -> None:
        self.columns = list(columns)
        self.table_name = table.name
        self.copy = connection.dialect.name == "postgresql" and not ignore_conflicts
        self.sqlite = connection.dialect.name == "sqlite"
        if self.sqlite:
            base = insert_ignoring_conflicts(connection, table) if ignore_conflicts else table.insert()
            statement = DriverStatement(connection, base.values({name: sa.bindparam(name) for name in columns}))
            assert statement.names == self.columns
            self.sql = statement.sql
        else:
            dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
            arrays = ", ".join(f"${position}::{_sql_type(dialect, table.c[name].type)}[]"
                               for position, name in enumerate(self.columns, start=1))
            self.sql = (f"INSERT INTO {table.name} ({', '.join(self.columns)}) SELECT * FROM unnest({arrays})"
                        + (" ON CONFLICT DO NOTHING" if ignore_conflicts else ""))

    def value(self, value: Any) -> Any:
        return driver_value(value, sqlite=self.sqlite)

    async def run(self, connection: AsyncConnection, rows: Sequence[tuple[Any, ...]]) -> None:
        if not rows:
            return
        if self.sqlite:
            await connection.exec_driver_sql(self.sql, list(rows))
        elif self.copy:
            raw = await connection.get_raw_connection()
            await raw.driver_connection.copy_records_to_table(  # type: ignore[union-attr]
                self.table_name, records=rows, columns=self.columns)
        else:
            await connection.exec_driver_sql(self.sql, tuple(list(column) for column in zip(*rows, strict=True)))
