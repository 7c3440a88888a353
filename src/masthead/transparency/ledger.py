"""A channel's public ledger: its badges with their whole history, and every restriction of its posts with the
statement of reasons, with its strikes and suspensions."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from masthead.context import Context
from masthead.domain.models import Channel
from masthead.domain.moderation import RESTRICTING, Action
from masthead.store.credentials import Credential, credentials_of
from masthead.store.tables import decisions, moderation_events, posts, strikes, suspensions

# The newest restrictions a ledger shows; the export has all of them.
RESTRICTIONS_SHOWN = 50
# Moderators' actions that end or confirm a restriction, shown beside the restrictions themselves.
OUTCOMES_SHOWN = frozenset({Action.APPROVE, Action.RESTORE, Action.UPHOLD, Action.OVERTURN})


@dataclass(frozen=True)
class BadgeEvent:
    kind: str  # granted, renewed, expired, revoked, lapsed
    at: datetime
    by: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class BadgeHistory:
    scope: str
    status: str
    verified_handle: str
    verified_name: str
    expires_at: datetime
    events: list[BadgeEvent] = field(default_factory=list)


@dataclass(frozen=True)
class Restriction:
    at: datetime
    post_id: int
    post_state: str
    by: str  # "policy" or "moderator"
    action: str  # an outcome (label, limit, hold, reject) or a moderator's action
    explanation: str
    category: str | None
    decision_id: int | None
    ends_at: datetime | None


@dataclass(frozen=True)
class Strike:
    at: datetime
    expires_at: datetime
    voided_at: datetime | None
    reason: str
    post_id: int | None


@dataclass(frozen=True)
class Suspension:
    starts_at: datetime
    ends_at: datetime
    reason: str


@dataclass(frozen=True)
class Ledger:
    badges: list[BadgeHistory]
    restrictions: list[Restriction]
    strikes: list[Strike]
    suspensions: list[Suspension]


def badge_histories(found: list[Credential], now: datetime) -> list[BadgeHistory]:
    """One history per lineage (a credential and the renewals that continued it), newest lineage first."""
    by_id = {credential.id: credential for credential in found}
    continued = {credential.renews: credential for credential in found if credential.renews is not None}
    histories: list[BadgeHistory] = []
    for root in found:
        if root.renews is not None and root.renews in by_id:
            continue
        events: list[BadgeEvent] = []
        credential: Credential | None = root
        latest = root
        while credential is not None:
            latest = credential
            events.append(BadgeEvent("granted" if credential is root else "renewed", credential.granted_at,
                                     by=credential.issuer))
            credential = continued.get(credential.id)
        if latest.revoked_at is not None and latest.revoked_at <= now:
            events.append(BadgeEvent("revoked", latest.revoked_at, reason=latest.revoke_reason))
        elif latest.lapsed_at is not None and latest.lapsed_at <= now:
            events.append(BadgeEvent("lapsed", latest.lapsed_at))
        elif latest.expires_at <= now:
            events.append(BadgeEvent("expired", latest.expires_at))
        histories.append(BadgeHistory(scope=root.scope, status=latest.status(now),
                                      verified_handle=latest.verified_handle, verified_name=latest.verified_name,
                                      expires_at=latest.expires_at, events=events))
    histories.sort(key=lambda history: history.events[-1].at, reverse=True)
    return histories


async def _policy_restrictions(connection: AsyncConnection, channel_id: int) -> list[Restriction]:
    rows = await connection.execute(
        sa.select(decisions.c.id, decisions.c.post_id, decisions.c.outcome, decisions.c.created_at,
                  decisions.c.explanation, decisions.c.statement, decisions.c.restriction_ends_at, posts.c.state)
        .join(posts, posts.c.id == decisions.c.post_id)
        .where(posts.c.channel_id == channel_id, decisions.c.statement.is_not(None))
        .order_by(decisions.c.id.desc()).limit(RESTRICTIONS_SHOWN))
    return [Restriction(at=row.created_at, post_id=row.post_id, post_state=row.state, by="policy",
                        action=row.outcome, explanation=row.explanation, category=row.statement.get("category"),
                        decision_id=row.id, ends_at=row.restriction_ends_at) for row in rows]


async def _moderator_restrictions(connection: AsyncConnection, channel_id: int) -> list[Restriction]:
    shown = sorted(action.value for action in RESTRICTING | OUTCOMES_SHOWN)
    rows = await connection.execute(
        sa.select(moderation_events.c.post_id, moderation_events.c.action, moderation_events.c.reason,
                  moderation_events.c.payload, moderation_events.c.created_at, posts.c.state)
        .join(posts, posts.c.id == moderation_events.c.post_id)
        .where(posts.c.channel_id == channel_id, moderation_events.c.action.in_(shown))
        .order_by(moderation_events.c.id.desc()).limit(RESTRICTIONS_SHOWN))
    restrictions = []
    for row in rows:
        statement: dict[str, Any] = row.payload.get("statement") or {}
        restrictions.append(Restriction(at=row.created_at, post_id=row.post_id, post_state=row.state, by="moderator",
                                        action=row.action, explanation=row.reason,
                                        category=statement.get("category"), decision_id=None, ends_at=None))
    return restrictions


async def channel_ledger(ctx: Context, channel: Channel) -> Ledger:
    now = ctx.clock.now()
    async with ctx.db.read() as connection:
        found = await credentials_of(connection, [channel.id])
        restrictions = [*await _policy_restrictions(connection, channel.id),
                        *await _moderator_restrictions(connection, channel.id)]
        strike_rows = await connection.execute(sa.select(strikes).where(strikes.c.channel_id == channel.id)
                                               .order_by(strikes.c.id.desc()))
        suspension_rows = await connection.execute(sa.select(suspensions).where(
            suspensions.c.channel_id == channel.id).order_by(suspensions.c.id.desc()))
        channel_strikes = [Strike(at=row.created_at, expires_at=row.expires_at, voided_at=row.voided_at,
                                  reason=row.reason, post_id=row.post_id) for row in strike_rows]
        channel_suspensions = [Suspension(starts_at=row.starts_at, ends_at=row.ends_at, reason=row.reason)
                               for row in suspension_rows]
    restrictions.sort(key=lambda restriction: restriction.at, reverse=True)
    return Ledger(badges=badge_histories(found, now), restrictions=restrictions[:RESTRICTIONS_SHOWN],
                  strikes=channel_strikes, suspensions=channel_suspensions)
