"""Driver-level execution for the pipeline's per-post statements.

SQLAlchemy's per-row parameter and result processing cost more than the database work itself when a batch
moves hundreds of posts (measured: benchmarks/publish.py). Here a Core statement is compiled once per dialect
and then run with plain tuples, converting only the types the drivers disagree on (datetimes on SQLite)."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import ClauseElement

_SQLITE_DATETIME = "%Y-%m-%d %H:%M:%S.%f"  # SQLAlchemy's own storage format for SQLite DATETIME


class DriverStatement:
    """A statement compiled for one dialect, with its positional parameter names."""

    def __init__(self, connection: AsyncConnection, statement: ClauseElement) -> None:
        compiled = statement.compile(dialect=connection.dialect)
        self.sql = str(compiled)
        self.names: list[str] = list(compiled.positiontup or [])
        self.defaults: dict[str, Any] = dict(compiled.params)
        self.is_sqlite = connection.dialect.name == "sqlite"

    def parameters(self, values: dict[str, Any]) -> tuple[Any, ...]:
        return tuple(self.to_driver(values[name] if name in values else self.defaults[name]) for name in self.names)

    def to_driver(self, value: Any) -> Any:
        if isinstance(value, datetime):
            return value.astimezone(UTC).strftime(_SQLITE_DATETIME) if self.is_sqlite else value
        if isinstance(value, (dict, list)):
            return orjson.dumps(value).decode()
        return value

    def from_driver_datetime(self, value: Any) -> datetime:
        if isinstance(value, datetime):
            return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return datetime.fromisoformat(value).replace(tzinfo=UTC)

    async def executemany(self, connection: AsyncConnection, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            await connection.exec_driver_sql(self.sql, [self.parameters(row) for row in rows])

    async def fetchall(self, connection: AsyncConnection, values: dict[str, Any]) -> list[tuple[Any, ...]]:
        result = await connection.exec_driver_sql(self.sql, self.parameters(values))
        return [tuple(row) for row in result.all()]
