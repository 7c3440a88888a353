"""Shared fixtures: every database test runs on SQLite and on PostgreSQL (skipped locally when PostgreSQL is
unreachable, a failure when MASTHEAD_REQUIRE_SERVICES=1 as in CI), with a fake clock and in-process HTTP."""
from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import httpx
import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from fastapi import FastAPI

from masthead.api.app import create_app
from masthead.clock import FakeClock
from masthead.context import Context
from masthead.settings import Settings
from masthead.store.migrate import run_migrations
from masthead.store.tables import metadata

REQUIRE_SERVICES = os.environ.get("MASTHEAD_REQUIRE_SERVICES") == "1"
POSTGRES_ADMIN_DSN = os.environ.get("MASTHEAD_TEST_POSTGRES_ADMIN", "postgresql://postgres@127.0.0.1:5432/test")
# One database per test process, so that two test runs on one machine never share (or drop) each other's data.
POSTGRES_TEST_DB = f"masthead_test_{os.getpid()}"
POSTGRES_URL = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{POSTGRES_TEST_DB}"
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def service_unavailable(reason: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (MASTHEAD_REQUIRE_SERVICES=1, so this is a failure, not a skip)")
    pytest.skip(reason)


async def postgres_admin(*statements: str) -> None:
    """Run statements (CREATE or DROP DATABASE) on the server's administrative database."""
    connection = await asyncpg.connect(POSTGRES_ADMIN_DSN, timeout=3)
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


async def _recreate_postgres_database() -> None:
    await postgres_admin(f"DROP DATABASE IF EXISTS {POSTGRES_TEST_DB} WITH (FORCE)", f"CREATE DATABASE {POSTGRES_TEST_DB}")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "masthead.db"
    run_migrations(f"sqlite+aiosqlite:///{path}")
    return path


async def _drop_postgres_database() -> None:
    await postgres_admin(f"DROP DATABASE IF EXISTS {POSTGRES_TEST_DB} WITH (FORCE)")


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    try:
        asyncio.run(_recreate_postgres_database())
    except (OSError, asyncpg.PostgresError, asyncio.TimeoutError) as exc:
        service_unavailable(f"PostgreSQL is not reachable at {POSTGRES_ADMIN_DSN}: {exc}")
    run_migrations(POSTGRES_URL)
    yield POSTGRES_URL
    asyncio.run(_drop_postgres_database())


async def _truncate_postgres(url: str) -> None:
    connection = await asyncpg.connect(url.replace("+asyncpg", ""))
    try:
        names = ", ".join(table.name for table in metadata.sorted_tables)
        await connection.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
    finally:
        await connection.close()


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "masthead.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite+aiosqlite:///{path}"
    url: str = request.getfixturevalue("postgres_url")
    asyncio.run(_truncate_postgres(url))
    return url


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=database_url, pipeline_lease_seconds=30.0, data_dir=str(tmp_path / "data"))


@pytest.fixture
async def ctx(settings: Settings, clock: FakeClock) -> AsyncIterator[Context]:
    context = Context.create(settings, clock=clock, hasher=FAST_HASHER)
    yield context
    await context.db.dispose()


@pytest.fixture
def app(ctx: Context) -> FastAPI:
    return create_app(ctx, run_worker=False)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://masthead.test") as http:
        yield http


class Api:
    """Short verbs for tests that speak HTTP: sign up people, make channels, publish, run the pipeline."""

    def __init__(self, client: httpx.AsyncClient, app: FastAPI) -> None:
        self.client = client
        self.app = app

    @staticmethod
    def auth(token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    async def sign_up(self, handle: str, password: str = "correct horse battery") -> str:
        response = await self.client.post("/api/v1/accounts", json={
            "handle": handle, "password": password, "display_name": handle.title()})
        assert response.status_code == 201, response.text
        token: str = response.json()["token"]
        return token

    async def channel(self, token: str, handle: str, name: str = "A channel") -> dict[str, Any]:
        response = await self.client.post("/api/v1/channels", headers=self.auth(token),
                                          json={"handle": handle, "name": name})
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body

    async def publish(self, token: str, channel: str, title: str = "A title", body: str = "Some text.",
                      **extra: Any) -> str:
        response = await self.client.post(f"/api/v1/channels/{channel}/posts", headers=self.auth(token),
                                          json={"title": title, "body": body, **extra})
        assert response.status_code == 202, response.text
        post_id: str = response.json()["id"]
        return post_id

    async def run_pipeline(self) -> int:
        processed: int = await self.app.state.worker.run_until_idle()
        return processed


@pytest.fixture
def api(client: httpx.AsyncClient, app: FastAPI) -> Api:
    return Api(client, app)


def count_rows(database_url: str, sql: str) -> int:
    async def run() -> int:
        from sqlalchemy.ext.asyncio import create_async_engine

        engine = create_async_engine(database_url)
        try:
            async with engine.connect() as connection:
                value: int = (await connection.execute(sa.text(sql))).scalar_one()
                return value
        finally:
            await engine.dispose()
    return asyncio.run(run())
