"""The one engine interface: SQLite (WAL, a single writer path) or PostgreSQL, chosen by URL."""
from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, closing
from typing import Any, TypeVar

import orjson
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import AsyncAdaptedQueuePool, ConnectionPoolEntry, NullPool

SQLITE_BUSY_TIMEOUT_MS = 30_000
CONNECT_TIMEOUT_SECONDS = 5.0
T = TypeVar("T")


class DatabaseUnavailable(Exception):
    """The configured database cannot be reached or opened; the message is one line a person can act on."""


def shown_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def database_failure(url: str, exc: BaseException) -> DatabaseUnavailable:
    """One line naming the database (without its password) and the driver's own reason."""
    reason = exc.orig if isinstance(exc, sa.exc.DBAPIError) and exc.orig is not None else exc
    text = " ".join(str(reason).split()) or type(reason).__name__
    if "no such table" in text or ("relation" in text and "does not exist" in text):
        text += " (run `masthead migrate` first)"
    return DatabaseUnavailable(f"the database at {shown_url(url)} is unusable: {text}")


# What a missing server, a refused login, an unopenable file or a missing table raise, through SQLAlchemy or not.
DATABASE_ERRORS: tuple[type[BaseException], ...] = (sa.exc.DBAPIError, OSError, asyncio.TimeoutError, sqlite3.Error)
# What a statement raises when the driver reports an error, the database's connection broken under it included.
DriverError = sa.exc.DBAPIError


def connection_lost(exc: BaseException) -> bool:
    """The connection broke under a statement (a restarted or failed-over server, a terminated backend): the
    database is at fault, not the request, and the same request may well succeed in a moment. The pool has
    dropped the connection; the next checkout opens (or pings) a fresh one."""
    return isinstance(exc, sa.exc.DBAPIError) and exc.connection_invalidated


async def check_database(url: str) -> None:
    """Open the database once and run `SELECT 1`, or raise DatabaseUnavailable, within CONNECT_TIMEOUT_SECONDS.
    SQLite is opened with the standard library: aiosqlite's thread outlives a failed connection and reports
    on a closed event loop."""
    if url.startswith("sqlite"):
        try:
            with closing(sqlite3.connect(make_url(url).database or ":memory:")) as connection:
                connection.execute("SELECT 1")
        except sqlite3.Error as exc:
            raise database_failure(url, exc) from None
        return
    engine = create_async_engine(url, poolclass=NullPool, connect_args={"timeout": CONNECT_TIMEOUT_SECONDS})
    try:
        async with asyncio.timeout(CONNECT_TIMEOUT_SECONDS * 2):
            async with engine.connect() as connection:
                await connection.execute(sa.text("SELECT 1"))
    except DATABASE_ERRORS as exc:
        raise database_failure(url, exc) from None
    finally:
        await engine.dispose()


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
