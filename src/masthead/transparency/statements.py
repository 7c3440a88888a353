"""Statements of reasons for people's decisions, in the same EU DSA Transparency Database schema that the policy
uses for automated ones, and the record of both for export and reports."""
from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from masthead.domain.moderation import Action, ReportReason
from masthead.store.tables import appeals, decisions, moderation_events

VISIBILITY = {
    Action.REJECT: "DECISION_VISIBILITY_CONTENT_REMOVED", Action.REMOVE: "DECISION_VISIBILITY_CONTENT_REMOVED",
    Action.LABEL: "DECISION_VISIBILITY_CONTENT_LABELLED", Action.REFUTE: "DECISION_VISIBILITY_CONTENT_LABELLED",
    Action.LIMIT: "DECISION_VISIBILITY_CONTENT_DEMOTED",
}
CATEGORY_OF_REPORT = {
    ReportReason.ILLEGAL: "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH",
    ReportReason.TERRORISM: "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY",
    ReportReason.SEXUAL: "STATEMENT_CATEGORY_PORNOGRAPHY_OR_SEXUALIZED_CONTENT",
    ReportReason.VIOLENCE: "STATEMENT_CATEGORY_VIOLENCE",
    ReportReason.HATE: "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH",
    ReportReason.RUMOUR: "STATEMENT_CATEGORY_NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS",
    ReportReason.SPAM: "STATEMENT_CATEGORY_SCAMS_AND_FRAUD",
    ReportReason.IMPERSONATION: "STATEMENT_CATEGORY_OTHER_VIOLATION_TC",
    ReportReason.OTHER: "STATEMENT_CATEGORY_OTHER_VIOLATION_TC",
}


def moderator_statement(action: Action, reason: str, *, category: str, automated_detection: bool,
                        from_notice: bool, language: str | None, puid: str, today: date) -> dict[str, Any]:
    """The statement of reasons for a restriction a person decided."""
    return {
        "decision_visibility": [VISIBILITY[action]],
        "end_date_visibility_restriction": None,
        "decision_ground": "DECISION_GROUND_INCOMPATIBLE_CONTENT",
        "category": category,
        "category_specification": [],
        "content_type": ["CONTENT_TYPE_TEXT"],
        "content_language": (language or "").upper() or None,
        "automated_detection": "Yes" if automated_detection else "No",
        "automated_decision": "AUTOMATED_DECISION_NOT_AUTOMATED",
        "source_type": "SOURCE_ARTICLE_16" if from_notice else "SOURCE_VOLUNTARY",
        "application_date": today.isoformat(),
        "decision_facts": reason,
        "incompatible_content_ground": "Masthead terms of service",
        "incompatible_content_explanation": reason,
        "incompatible_content_illegal": "No",
        "puid": puid,
    }


@dataclass(frozen=True)
class StatementRecord:
    source: str  # "pipeline" or "moderator"
    id: str
    created_at: datetime
    statement: dict[str, Any]


async def statements_between(connection: AsyncConnection, since: datetime | None,
                             until: datetime | None) -> AsyncIterator[StatementRecord]:
    """Every statement of reasons, automated and human, oldest first."""
    automated = sa.select(decisions.c.id, decisions.c.created_at, decisions.c.statement).where(
        decisions.c.statement.is_not(None))
    human = sa.select(moderation_events.c.id, moderation_events.c.created_at, moderation_events.c.payload).where(
        moderation_events.c.action.in_([action.value for action in VISIBILITY]))
    for column_set, query, source in ((decisions.c, automated, "pipeline"), (moderation_events.c, human, "moderator")):
        if since is not None:
            query = query.where(column_set.created_at >= since)
        if until is not None:
            query = query.where(column_set.created_at < until)
        result = await connection.stream(query.order_by(column_set.created_at, column_set.id))
        async for row in result:
            statement = row[2] if source == "pipeline" else row[2].get("statement")
            if statement:
                yield StatementRecord(source, f"{source}-{row[0]}", row[1], dict(statement))


async def appeal_counts(connection: AsyncConnection, since: datetime | None,
                        until: datetime | None) -> dict[str, int]:
    query = sa.select(appeals.c.outcome, sa.func.count()).group_by(appeals.c.outcome)
    if since is not None:
        query = query.where(appeals.c.created_at >= since)
    if until is not None:
        query = query.where(appeals.c.created_at < until)
    return {(outcome or "pending"): count for outcome, count in await connection.execute(query)}


def _in_range(query: sa.Select[Any], column: sa.ColumnElement[Any], since: datetime | None,
              until: datetime | None) -> sa.Select[Any]:
    if since is not None:
        query = query.where(column >= since)
    if until is not None:
        query = query.where(column < until)
    return query


def _day_of(connection: AsyncConnection, column: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
    """The UTC day of a stored moment: SQLite stores UTC text that starts with the day."""
    if connection.dialect.name == "sqlite":
        return sa.func.substr(column, 1, 10)
    return sa.func.date(sa.func.timezone("UTC", column))


def _as_date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


async def decision_outcomes_by_day(connection: AsyncConnection, since: datetime | None,
                                   until: datetime | None) -> list[tuple[date, str, int]]:
    """The pipeline's decisions by UTC day and outcome, publish included."""
    day = _day_of(connection, decisions.c.created_at)
    query = _in_range(sa.select(day, decisions.c.outcome, sa.func.count()).group_by(day, decisions.c.outcome),
                      decisions.c.created_at, since, until)
    return [(_as_date(found), outcome, count) for found, outcome, count in await connection.execute(query)]


async def restriction_rules_by_day(connection: AsyncConnection, since: datetime | None,
                                   until: datetime | None) -> AsyncIterator[tuple[datetime, str]]:
    """(moment, rule) for each rule enforced in a restricting decision (one with a statement of reasons)."""
    query = _in_range(sa.select(decisions.c.created_at, decisions.c.trace).where(decisions.c.statement.is_not(None)),
                      decisions.c.created_at, since, until)
    result = await connection.stream(query)
    async for created_at, trace in result:
        for entry in trace:
            if entry.get("enforced"):
                yield created_at, entry["rule"]
