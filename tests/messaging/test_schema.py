"""The 0005 migration creates the private-message tables exactly as store/tables.py declares them."""
from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine

from masthead.store.tables import metadata

OURS = {name for name in metadata.tables if name.startswith("dm_")} | {"message_reports"}


def _touches_ours(diff: Any) -> bool:
    items = diff if isinstance(diff, list) else [diff]
    for item in items:
        for part in item[1:] if isinstance(item, tuple) else []:
            table = getattr(part, "table", None)
            name = getattr(part, "name", None) if table is None else table.name
            if name in OURS:
                return True
            if isinstance(part, str) and part in OURS:
                return True
    return False


async def test_migrations_create_the_private_message_tables_as_declared(database_url: str) -> None:
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            diffs = await connection.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync), metadata))
            tables = await connection.run_sync(lambda sync: set(sync.dialect.get_table_names(sync)))
    finally:
        await engine.dispose()
    assert OURS <= tables
    assert [diff for diff in diffs if _touches_ours(diff)] == []
