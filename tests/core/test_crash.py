"""SIGKILL a worker in the middle of a batch, restart it, and count: every accepted post ends in exactly one
decision. Real processes, real databases (SQLite and PostgreSQL)."""
from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from masthead.clock import SystemClock
from masthead.context import Context
from masthead.services.accounts import do_sign_up
from masthead.services.channels import do_create_channel
from masthead.settings import Settings
from masthead.store.posts import insert_posts_txn
from tests.conftest import FAST_HASHER, count_rows

POSTS = 2000
ROOT = Path(__file__).resolve().parents[2]


def _accept_posts(database_url: str, count: int) -> None:
    async def run() -> None:
        ctx = Context.create(Settings(database_url=database_url), clock=SystemClock(), hasher=FAST_HASHER)
        try:
            account, _ = await do_sign_up(ctx, handle="crasher", password="long enough pw", display_name="C")
            channel = await do_create_channel(ctx, account, handle="crash_news", name="Crash", description="")
            body = "A sentence of a two kilobyte post. " * 58
            for start in range(0, count, 500):
                rows = [{"channel_id": channel.id, "author_id": account.id, "title": f"Post {i}", "body": body,
                         "body_html": f"<p>{body}</p>", "reprint_of": None, "source_url": None, "original": False}
                        for i in range(start, min(start + 500, count))]
                async with ctx.db.write() as connection:
                    await insert_posts_txn(connection, rows, ctx.clock.now())
        finally:
            await ctx.db.dispose()
    asyncio.run(run())


def _environment(database_url: str, batch_size: int) -> dict[str, str]:
    return {**os.environ, "MASTHEAD_DATABASE_URL": database_url, "MASTHEAD_PIPELINE_BATCH_SIZE": str(batch_size),
            "MASTHEAD_PIPELINE_LEASE_SECONDS": "1", "MASTHEAD_PIPELINE_POLL_SECONDS": "0.05",
            # This checkout's sources first: an installed (editable) masthead may be another checkout.
            "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}


# Generous: a process starting on a loaded two-core machine (imports, models) can take a minute; passing runs
# never wait for the limit.
def _wait_for(condition: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def _decisions(database_url: str) -> int:
    return count_rows(database_url, "SELECT count(*) FROM decisions")


def _assert_exactly_one_decision_each(database_url: str) -> None:
    assert count_rows(database_url, "SELECT count(*) FROM posts") == POSTS
    assert _decisions(database_url) == POSTS
    assert count_rows(database_url, "SELECT count(DISTINCT post_id) FROM decisions") == POSTS
    assert count_rows(database_url, "SELECT count(*) FROM posts WHERE state = 'published'") == POSTS
    assert count_rows(database_url, "SELECT count(*) FROM outbox") == 0


def test_sigkill_mid_batch_then_restart_loses_nothing(database_url: str, tmp_path: Path) -> None:
    _accept_posts(database_url, POSTS)
    marker = tmp_path / "stalled"
    stalling = subprocess.Popen([sys.executable, str(Path(__file__).with_name("stalling_worker.py")), str(marker)],
                                env=_environment(database_url, 50), cwd=ROOT)
    try:
        _wait_for(marker.exists, 180, "the worker to stall inside its third batch")
        stalled_ids = marker.read_text().split(",")
        assert len(stalled_ids) == 50
        # The second batch commits while the third goes through the stages: two committed, the third in flight.
        _wait_for(lambda: _decisions(database_url) == 100, 120, "the second batch to commit")
    finally:
        stalling.send_signal(signal.SIGKILL)
        stalling.wait()
    # Claimed and never decided: the stalled batch and the next one, claimed in advance.
    assert count_rows(database_url, "SELECT count(*) FROM outbox WHERE claimed_by = 'stalling'") == 100

    # A real worker, killed at an arbitrary point while it is working through the backlog.
    command = [sys.executable, "-m", "masthead.cli", "worker"]
    victim = subprocess.Popen(command, env=_environment(database_url, 20), cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for(lambda: _decisions(database_url) > 100, 180, "the restarted worker to make progress")
    finally:
        victim.send_signal(signal.SIGKILL)
        victim.wait()
    assert _decisions(database_url) < POSTS, "the worker finished before it could be killed; raise POSTS"

    survivor = subprocess.Popen(command, env=_environment(database_url, 200), cwd=ROOT,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait_for(lambda: count_rows(database_url, "SELECT count(*) FROM outbox") == 0, 300,
                  "the backlog to drain after the restart")
    finally:
        survivor.send_signal(signal.SIGTERM)
        _, stderr = survivor.communicate(timeout=30)
    assert survivor.returncode == 0, stderr.decode()
    _assert_exactly_one_decision_each(database_url)
