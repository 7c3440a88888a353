"""Reads that run on every page view or live connection go along an index, not a scan of every post."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection

from masthead.context import Context
from masthead.domain.paging import Cursor
from masthead.store.posts import head_cursor, posts_after

Read = Callable[[AsyncConnection], Awaitable[Any]]


async def _plan(ctx: Context, read: Read) -> str:
    """The plan of the one statement `read` runs, as the database would execute it with a large table (on
    PostgreSQL sequential scans are switched off, so a plan without an index means no index could serve it)."""
    statements: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        if statement != "BEGIN":  # aiosqlite's own, for the read transaction
            statements.append((statement, parameters))

    async with ctx.db.read() as connection:
        sync_engine = connection.sync_engine
        event.listen(sync_engine, "before_cursor_execute", capture)
        try:
            await read(connection)
        finally:
            event.remove(sync_engine, "before_cursor_execute", capture)
        assert len(statements) == 1, statements
        statement, parameters = statements[0]
        raw = await connection.get_raw_connection()
        driver = raw.driver_connection
        if ctx.db.is_sqlite:
            rows = await driver.execute_fetchall(f"EXPLAIN QUERY PLAN {statement}", parameters)
            return "\n".join(str(row[-1]) for row in rows)
        await driver.execute("SET enable_seqscan = off")
        try:
            rows = await driver.fetch(f"EXPLAIN {statement}", *parameters)
        finally:
            await driver.execute("RESET enable_seqscan")
        return "\n".join(row[0] for row in rows)


@pytest.mark.parametrize("read", [
    pytest.param(head_cursor, id="head of the publication order"),
    pytest.param(lambda connection: posts_after(connection, Cursor(0, 0), 100), id="every channel after a cursor"),
])
async def test_the_publication_order_is_read_along_its_index(ctx: Context, read: Read) -> None:
    plan = await _plan(ctx, read)
    assert "ix_posts_publication" in plan, plan
    assert "TEMP B-TREE" not in plan and "Sort" not in plan, plan
