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


def _record(row: sa.Row[Any]) -> DecisionRecord:
    return DecisionRecord(
        id=row.id, post_id=row.post_id, policy_id=row.policy_id, policy_version=row.policy_version,
        outcome=row.outcome, labels=list(row.labels), facts=dict(row.facts), trace=list(row.trace),
        versions=dict(row.versions), automated=row.automated, created_at=row.created_at,
    )


async def decision_by_id(connection: AsyncConnection, decision_id: int) -> DecisionRecord | None:
    row = (await connection.execute(sa.select(decisions).where(decisions.c.id == decision_id))).first()
    return None if row is None else _record(row)


async def latest_decision_for_post(connection: AsyncConnection, post_id: int) -> DecisionRecord | None:
    row = (await connection.execute(
        sa.select(decisions).where(decisions.c.post_id == post_id).order_by(decisions.c.id.desc()).limit(1)
    )).first()
    return None if row is None else _record(row)
