"""Migrations keep data: 0002 reshapes reprint_bands (no foreign key; WITHOUT ROWID on SQLite) without losing
rows, and downgrades back. SQLite always; PostgreSQL in a database of its own."""
from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]
import pytest
from alembic import command
from sqlalchemy.ext.asyncio import create_async_engine

from masthead.store.migrate import alembic_config
from masthead.store.posts import insert_posts_txn
from tests.conftest import POSTGRES_ADMIN_DSN, postgres_admin, service_unavailable

MIGRATION_DB = f"masthead_migrate_{os.getpid()}"


@pytest.fixture(params=["sqlite", "postgres"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'migrate.db'}"
        return
    try:
        asyncio.run(postgres_admin(f"DROP DATABASE IF EXISTS {MIGRATION_DB} WITH (FORCE)"))
        asyncio.run(postgres_admin(f"CREATE DATABASE {MIGRATION_DB}"))
    except (OSError, asyncpg.PostgresError, asyncio.TimeoutError) as exc:
        service_unavailable(f"PostgreSQL is not reachable at {POSTGRES_ADMIN_DSN}: {exc}")
    yield f"postgresql+asyncpg://postgres@127.0.0.1:5432/{MIGRATION_DB}"
    asyncio.run(postgres_admin(f"DROP DATABASE IF EXISTS {MIGRATION_DB} WITH (FORCE)"))


async def _run(url: str, *statements: str) -> list[tuple[object, ...]]:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            rows: list[tuple[object, ...]] = []
            for statement in statements:
                result = await connection.exec_driver_sql(statement)
                rows = [tuple(row) for row in result.all()] if result.returns_rows else []
            return rows
    finally:
        await engine.dispose()


async def _has_band_foreign_key(url: str) -> bool:
    if url.startswith("sqlite"):
        return bool(await _run(url, "SELECT * FROM pragma_foreign_key_list('reprint_bands')"))
    return bool(await _run(url, "SELECT 1 FROM pg_constraint WHERE conname = 'fk_reprint_bands_post_id_posts'"))


def test_0002_reshapes_reprint_bands_and_keeps_every_row(empty_database: str) -> None:
    url = empty_database
    config = alembic_config(url)
    command.upgrade(config, "0001")
    asyncio.run(_run(
        url,
        "INSERT INTO accounts (id, handle, display_name, password_hash, created_at) "
        "VALUES (1, 'ann', 'Ann', 'x', '2026-01-01 00:00:00')",
        "INSERT INTO channels (id, handle, name, description, created_at, updated_at) "
        "VALUES (1, 'ann_news', 'Ann', '', '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
    ))
    asyncio.run(_insert_post_and_bands(url))
    assert asyncio.run(_has_band_foreign_key(url))

    command.upgrade(config, "head")
    assert not asyncio.run(_has_band_foreign_key(url))
    assert asyncio.run(_run(url, "SELECT band_key, post_id FROM reprint_bands ORDER BY band_key")) == [
        (-5, 1), (7, 1)]
    if url.startswith("sqlite"):
        [(sql,)] = asyncio.run(_run(url, "SELECT sql FROM sqlite_master WHERE name = 'reprint_bands'"))
        assert "WITHOUT ROWID" in str(sql)

    command.downgrade(config, "0001")
    assert asyncio.run(_has_band_foreign_key(url))
    assert len(asyncio.run(_run(url, "SELECT * FROM reprint_bands"))) == 2


async def _insert_post_and_bands(url: str) -> None:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            await insert_posts_txn(connection, [{
                "channel_id": 1, "author_id": 1, "title": "t", "body": "b", "body_html": "<p>b</p>",
                "reprint_of": None, "source_url": None, "original": False}], datetime(2026, 1, 1, tzinfo=UTC))
            await connection.exec_driver_sql("INSERT INTO reprint_bands (band_key, post_id) VALUES (7, 1), (-5, 1)")
    finally:
        await engine.dispose()
