"""The audit log's hash chain: intact after real work; altering, removing or reordering an entry is caught and
named by `masthead audit verify`."""
from __future__ import annotations

import asyncio

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from masthead.cli import main
from masthead.clock import FakeClock
from masthead.context import Context
from masthead.services.accounts import do_sign_up
from masthead.services.channels import do_create_channel
from masthead.services.posts import do_publish
from masthead.settings import Settings
from tests.conftest import FAST_HASHER


def _make_history(database_url: str) -> None:
    async def run() -> None:
        ctx = Context.create(Settings(database_url=database_url), clock=FakeClock(), hasher=FAST_HASHER)
        try:
            account, _ = await do_sign_up(ctx, handle="alice", password="long enough pw", display_name="A")
            await do_create_channel(ctx, account, handle="alice_news", name="A", description="")
            for i in range(3):
                await do_publish(ctx, account, "alice_news", title=f"Post {i}", body="Body.")
        finally:
            await ctx.db.dispose()
    asyncio.run(run())


def _execute(database_url: str, *statements: str) -> None:
    async def run() -> None:
        engine = create_async_engine(database_url)
        try:
            async with engine.begin() as connection:
                for statement in statements:
                    await connection.execute(sa.text(statement))
        finally:
            await engine.dispose()
    asyncio.run(run())


@pytest.fixture
def history(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    _make_history(database_url)
    monkeypatch.setenv("MASTHEAD_DATABASE_URL", database_url)
    return database_url


def test_an_untouched_log_verifies(history: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "verify"]) == 0
    assert "audit log intact: 5 entries" in capsys.readouterr().out


@pytest.mark.parametrize(("tampering", "named"), [
    (["UPDATE audit_log SET payload = '{\"channel\": \"someone_else\"}' WHERE seq = 4"],
     "entry 4 (post.accept post:2 by account:alice) was altered"),
    (["DELETE FROM audit_log WHERE seq = 3"], "entry 3 is missing"),
    (["DELETE FROM audit_log WHERE seq = 5"], "entries 5 to 5 are missing"),
    (["UPDATE audit_log SET seq = 100 WHERE seq = 2", "UPDATE audit_log SET seq = 2 WHERE seq = 3",
      "UPDATE audit_log SET seq = 3 WHERE seq = 100"], "entry 2 does not follow entry 1"),
], ids=["altered", "removed", "truncated", "reordered"])
def test_tampering_is_caught_and_named(history: str, tampering: list[str], named: str,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    _execute(history, *tampering)
    assert main(["audit", "verify"]) == 1
    assert named in capsys.readouterr().out
