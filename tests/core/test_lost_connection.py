"""A database connection that breaks under a request (a restarted server, a terminated backend) is answered 503
`database_unavailable` with Retry-After, not a 500, and the next request gets a fresh connection. PostgreSQL
only: SQLite has no connection to lose. The fault tests (tests/cluster) meet this under load."""
from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]
import httpx

from masthead.api.app import create_app
from masthead.context import Context
from masthead.settings import Settings
from tests.conftest import FAST_HASHER, Api, _truncate_postgres


async def _backend_waiting_for_a_lock(admin: asyncpg.Connection, database: str) -> int:
    for _ in range(500):
        pid: int | None = await admin.fetchval(
            "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'", database)
        if pid is not None:
            return pid
        await asyncio.sleep(0.01)
    raise AssertionError("the publish never waited for the audit counter")


async def test_a_connection_cut_under_a_publish_is_503_and_the_next_publish_succeeds(postgres_url: str,
                                                                                     tmp_path: Path) -> None:
    await _truncate_postgres(postgres_url)
    ctx = Context.create(Settings(database_url=postgres_url, data_dir=str(tmp_path)), hasher=FAST_HASHER)
    app = create_app(ctx, run_worker=False)
    admin = await asyncpg.connect(postgres_url.replace("+asyncpg", ""))
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://masthead.test") as client:
            api = Api(client, app)
            token = await api.sign_up("alice")
            await api.channel(token, "alice_news")
            # Hold the audit counter, so that the publish waits inside its transaction; then cut its connection.
            async with admin.transaction():
                await admin.execute("SELECT value FROM sequences WHERE name = 'audit' FOR UPDATE")
                publishing = asyncio.ensure_future(client.post(
                    "/api/v1/channels/alice_news/posts", headers=api.auth(token),
                    json={"title": "Cut off", "body": "Never stored."}))
                victim = await _backend_waiting_for_a_lock(admin, postgres_url.rsplit("/", 1)[1])
                await admin.execute("SELECT pg_terminate_backend($1)", victim)
                response = await publishing
            assert response.status_code == 503, response.text
            assert response.json()["error"]["code"] == "database_unavailable"
            assert response.headers["Retry-After"] == "1"
            assert await admin.fetchval("SELECT count(*) FROM posts") == 0

            await api.publish(token, "alice_news", "After the cut")
            assert await admin.fetchval("SELECT count(*) FROM posts") == 1
    finally:
        await admin.close()
        await ctx.db.dispose()
