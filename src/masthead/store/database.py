"""The one engine interface: SQLite (WAL, a single writer path) or PostgreSQL, chosen by URL."""
from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import orjson
from sqlalchemy import event
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import AsyncAdaptedQueuePool, ConnectionPoolEntry

SQLITE_BUSY_TIMEOUT_MS = 30_000
T = TypeVar("T")


def _json_dumps(value: object) -> str:
    # orjson: the pipeline serialises several JSON columns per decision, and the stdlib encoder showed in profiles.
    return orjson.dumps(value).decode()


class Database:
    """`write()` is the only way to change data. On SQLite every write goes through one connection that
    takes the database lock up front (BEGIN IMMEDIATE), so writers queue instead of failing mid-transaction;
    other processes wait on the busy timeout. Reads use a separate pool and never block the writer (WAL)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        if self.is_sqlite:
            self.write_engine = self._sqlite_engine(url, pool_size=1, begin="BEGIN IMMEDIATE")
            self.read_engine = self._sqlite_engine(url, pool_size=4, begin="BEGIN")
        else:
            self.write_engine = create_async_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True,
                                                    json_serializer=_json_dumps)
            self.read_engine = self.write_engine

    @staticmethod
    def _sqlite_engine(url: str, *, pool_size: int, begin: str) -> AsyncEngine:
        engine = create_async_engine(url, poolclass=AsyncAdaptedQueuePool, pool_size=pool_size, max_overflow=0,
                                     json_serializer=_json_dumps)

        @event.listens_for(engine.sync_engine, "connect")
        def on_connect(dbapi_connection: DBAPIConnection, record: ConnectionPoolEntry) -> None:
            # Let SQLAlchemy's "begin" event, not the driver, decide how transactions start.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.close()

        @event.listens_for(engine.sync_engine, "begin")
        def on_begin(connection: Any) -> None:
            connection.exec_driver_sql(begin)

        return engine

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncConnection]:
        async with self.write_engine.begin() as connection:
            yield connection

    @staticmethod
    async def hand_to_sqlite_thread(connection: AsyncConnection,
                                    work: Callable[[sqlite3.Connection], T]) -> asyncio.Future[T]:
        """SQLite only: queue `work(driver connection)` in the writer connection's own thread, inside the
        transaction `connection` holds, and return the future of its result without waiting for it. Its
        statements cost one hop between threads rather than an event-loop round trip each, and SQLite runs
        them without holding the GIL, so this thread can compute meanwhile (the pipeline decides a batch while
        the last one is written). aiosqlite has no public call for this; `_execute` is the one its own
        methods use (tested in tests/core/test_pipeline.py through every pipeline commit)."""
        raw = await connection.get_raw_connection()
        driver: Any = raw.driver_connection
        result: asyncio.Future[T] = asyncio.ensure_future(driver._execute(work, driver._conn))
        await asyncio.sleep(0)  # the task queues the work on its first step
        return result

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        async with self.read_engine.connect() as connection:
            yield connection

    async def dispose(self) -> None:
        await self.write_engine.dispose()
        if self.read_engine is not self.write_engine:
            await self.read_engine.dispose()
