"""The transparency report's counts per UTC day. A day's counts are fixed an hour after it ends (no transaction
lasts that long), so each process counts the settled days once, keeps them, and counts only the days since then
on each request: the report stays quick however long the history grows."""
from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from weakref import WeakKeyDictionary

from sqlalchemy.ext.asyncio import AsyncConnection

from masthead.store.database import Database
from masthead.transparency.statements import decision_outcomes_by_day, restriction_rules_by_day, statements_between

NOT_AUTOMATED = "AUTOMATED_DECISION_NOT_AUTOMATED"
SETTLE_AFTER = timedelta(hours=1)
# What each day counts: statements by category, visibility, detection, automation and source; the policy's
# decisions by outcome; the rules enforced in restrictions; statements by who decided (automated or human).
DIMENSIONS = ("by_category", "by_action", "by_detection", "by_automation", "by_source", "by_outcome", "by_rule",
              "decided_by")

Tally = dict[str, Counter[str]]


def new_tally() -> Tally:
    return {dimension: Counter() for dimension in DIMENSIONS}


def add_into(total: Tally, part: Tally) -> None:
    for dimension, counts in part.items():
        total[dimension].update(counts)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


async def count_days(connection: AsyncConnection, since: datetime | None, until: datetime | None) -> dict[date, Tally]:
    days: dict[date, Tally] = {}

    def of(moment: datetime | date) -> Tally:
        day = moment.astimezone(UTC).date() if isinstance(moment, datetime) else moment
        found = days.get(day)
        if found is None:
            found = days[day] = new_tally()
        return found

    async for record in statements_between(connection, since, until):
        statement = record.statement
        tally = of(record.created_at)
        tally["by_category"][statement.get("category", "")] += 1
        for visibility in statement.get("decision_visibility", []):
            tally["by_action"][visibility] += 1
        tally["by_detection"]["automated" if statement.get("automated_detection") == "Yes" else "human"] += 1
        automation = statement.get("automated_decision", "")
        tally["by_automation"][automation] += 1
        tally["by_source"][statement.get("source_type", "")] += 1
        tally["decided_by"]["human" if automation == NOT_AUTOMATED else "automated"] += 1
    for day, outcome, count in await decision_outcomes_by_day(connection, since, until):
        of(day)["by_outcome"][outcome] += count
    async for moment, rule in restriction_rules_by_day(connection, since, until):
        of(moment)["by_rule"][rule] += 1
    return days


@dataclass
class _Settled:
    # Every day before `through` is counted in `days`.
    through: date | None = None
    days: dict[date, Tally] = field(default_factory=dict)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


_settled: WeakKeyDictionary[Database, _Settled] = WeakKeyDictionary()


async def tallies_between(database: Database, connection: AsyncConnection, now: datetime, since: datetime | None,
                          until: datetime | None) -> dict[date, Tally]:
    """Counts per day in [since, until): settled days from what this process keeps, the rest counted now."""
    boundary = (now - SETTLE_AFTER).astimezone(UTC).date()
    settled = _settled.setdefault(database, _Settled())
    async with settled.lock:
        if settled.through is None or settled.through < boundary:
            start = None if settled.through is None else _midnight(settled.through)
            settled.days.update(await count_days(connection, start, _midnight(boundary)))
            settled.through = boundary
    first = since.date() if since else None
    end = until.date() if until else None
    days = {day: tally for day, tally in settled.days.items()
            if day < boundary and (first is None or day >= first) and (end is None or day < end)}
    live_since = _midnight(boundary) if since is None or since < _midnight(boundary) else since
    if until is None or until > live_since:
        days.update(await count_days(connection, live_since, until))
    return days
