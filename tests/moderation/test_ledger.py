"""A channel's badge history as the public ledger tells it: grants, renewals, and how the badge ended."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from masthead.store.credentials import Credential
from masthead.transparency.ledger import badge_histories

START = datetime(2026, 1, 1, tzinfo=UTC)
YEAR = timedelta(days=365)


def _credential(id: int, scope: str, granted: datetime, *, renews: int | None = None,  # noqa: A002
                revoked: datetime | None = None, reason: str | None = None,
                lapsed: datetime | None = None) -> Credential:
    return Credential(id=id, channel_id=1, scope=scope, issuer="Masthead verification (vera)",
                      verified_handle="city_wire", verified_name="City Wire", granted_at=granted,
                      expires_at=granted + YEAR, revoked_at=revoked, revoke_reason=reason, lapsed_at=lapsed,
                      renews=renews)


def test_a_renewed_then_revoked_badge_is_one_history_with_every_step() -> None:
    found = [_credential(1, "news.publish", START),
             _credential(2, "news.publish", START + YEAR, renews=1, revoked=START + YEAR + timedelta(days=10),
                         reason="licence withdrawn")]
    [history] = badge_histories(found, START + YEAR + timedelta(days=20))
    assert history.status == "revoked"
    assert [(event.kind, event.at) for event in history.events] == [
        ("granted", START), ("renewed", START + YEAR), ("revoked", START + YEAR + timedelta(days=10))]
    assert history.events[-1].reason == "licence withdrawn"


def test_expired_and_lapsed_badges_say_how_they_ended_newest_first() -> None:
    found = [_credential(1, "news.reprint", START),
             _credential(2, "news.publish", START + timedelta(days=30), lapsed=START + timedelta(days=60))]
    # The expiry (a year after the grant) is newer than the lapse (day 60).
    expired, lapsed = badge_histories(found, START + 2 * YEAR)
    assert (lapsed.scope, lapsed.status, [e.kind for e in lapsed.events]) == (
        "news.publish", "lapsed_name_change", ["granted", "lapsed"])
    assert (expired.scope, expired.status, [e.kind for e in expired.events]) == (
        "news.reprint", "expired", ["granted", "expired"])
    assert expired.events[-1].at == START + YEAR


def test_a_valid_badge_has_only_its_grant() -> None:
    [history] = badge_histories([_credential(1, "news.publish", START)], START + timedelta(days=1))
    assert history.status == "valid" and [e.kind for e in history.events] == ["granted"]
