"""Decision records."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from masthead.store.tables import decisions


@dataclass(frozen=True)
class DecisionRecord:
    id: int
    post_id: int
    policy_id: str
    policy_version: int
    outcome: str
    labels: list[str]
    facts: dict[str, Any]
    trace: list[dict[str, Any]]
    versions: dict[str, Any]
    automated: bool
    created_at: datetime
    decided_for: datetime
    policy_sha256: str
    explanation: str
    statement: dict[str, Any] | None
    restriction_ends_at: datetime | None


def _record(row: sa.Row[Any]) -> DecisionRecord:
    return DecisionRecord(
        id=row.id, post_id=row.post_id, policy_id=row.policy_id, policy_version=row.policy_version,
        outcome=row.outcome, labels=list(row.labels), facts=dict(row.facts), trace=list(row.trace),
        versions=dict(row.versions), automated=row.automated, created_at=row.created_at,
        decided_for=row.decided_for, policy_sha256=row.policy_sha256, explanation=row.explanation,
        statement=row.statement, restriction_ends_at=row.restriction_ends_at,
    )


async def decision_by_id(connection: AsyncConnection, decision_id: int) -> DecisionRecord | None:
    row = (await connection.execute(sa.select(decisions).where(decisions.c.id == decision_id))).first()
    return None if row is None else _record(row)


async def latest_decision_for_post(connection: AsyncConnection, post_id: int) -> DecisionRecord | None:
    row = (await connection.execute(
        sa.select(decisions).where(decisions.c.post_id == post_id).order_by(decisions.c.id.desc()).limit(1)
    )).first()
    return None if row is None else _record(row)


async def decision_facts_since(
    connection: AsyncConnection, since: datetime | None
) -> list[tuple[str, dict[str, Any], datetime, str]]:
    """(decision id, facts, the moment judged, outcome) of policy decisions, oldest first, for back-tests."""
    query = sa.select(decisions.c.id, decisions.c.facts, decisions.c.decided_for, decisions.c.outcome).where(
        decisions.c.policy_id != "pipeline")
    if since is not None:
        query = query.where(decisions.c.created_at >= since)
    rows = await connection.execute(query.order_by(decisions.c.id))
    return [(str(row.id), dict(row.facts), row.decided_for, row.outcome) for row in rows]
