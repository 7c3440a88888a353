"""Writes are limited per account and per client address in fixed windows, on the fake clock."""
from __future__ import annotations

from pathlib import Path

import pytest

from masthead.clock import FakeClock
from masthead.settings import Settings
from tests.conftest import Api


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """The shared fixtures' app, with limits small enough to reach."""
    return Settings(database_url=database_url, data_dir=str(tmp_path / "data"), write_limit_per_account=3,
                    write_limit_per_address=5, write_limit_window_seconds=60.0)


async def test_writes_past_the_account_limit_get_429_until_the_window_ends(api: Api, clock: FakeClock) -> None:
    http = api.client
    token = await api.sign_up("alice")  # write 1 of the address
    clock.advance(seconds=60)
    await api.channel(token, "alice_news")  # account write 1
    first = await http.post("/api/v1/channels/alice_news/posts", headers=api.auth(token),
                            json={"title": "One", "body": "text"})
    assert first.status_code == 202
    assert first.headers["x-ratelimit-limit"] == "3" and first.headers["x-ratelimit-remaining"] == "1"
    await api.publish(token, "alice_news")  # account write 3
    refused = await http.post("/api/v1/channels/alice_news/posts", headers=api.auth(token),
                              json={"title": "Four", "body": "text"})
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "rate_limited"
    assert refused.headers["x-ratelimit-remaining"] == "0"
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    reads = await http.get("/api/v1/channels/alice_news/posts")
    assert reads.status_code == 200 and "x-ratelimit-limit" not in reads.headers
    clock.advance(seconds=int(refused.headers["retry-after"]))
    await api.publish(token, "alice_news")


async def test_the_address_limit_counts_writes_of_every_account_and_none(api: Api) -> None:
    http = api.client
    for handle in ("ann", "bob", "cat", "dan", "eve"):
        await api.sign_up(handle)
    sixth = await http.post("/api/v1/accounts", json={"handle": "fay", "password": "correct horse",
                                                      "display_name": "Fay"})
    assert sixth.status_code == 429 and "address" in sixth.json()["error"]["message"]


def test_default_limits_are_generous_and_zero_turns_them_off() -> None:
    defaults = Settings(database_url="sqlite:///:unused:")
    assert defaults.write_limit_per_account >= 1000 and defaults.write_limit_per_address >= 1000
    from datetime import UTC, datetime

    from masthead.api.ratelimit import WriteLimits
    assert WriteLimits(0, 0, 60).check(1, "127.0.0.1", datetime(2026, 1, 1, tzinfo=UTC)) is None
