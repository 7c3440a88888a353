"""The public transparency report and the statements-of-reasons export."""
from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import orjson

from masthead.context import Context
from masthead.domain.errors import BadRequest
from masthead.transparency.statements import StatementRecord, appeal_counts, statements_between
from masthead.transparency.tallies import NOT_AUTOMATED, add_into, new_tally, tallies_between

CSV_FIELDS = (
    "id", "source", "created_at", "decision_visibility", "end_date_visibility_restriction", "decision_ground",
    "category", "category_specification", "content_type", "content_language", "automated_detection",
    "automated_decision", "source_type", "application_date", "decision_facts", "incompatible_content_ground",
    "incompatible_content_explanation", "incompatible_content_illegal", "illegal_content_legal_ground",
    "illegal_content_explanation", "puid",
)


def parse_day(value: str | None, name: str) -> datetime | None:
    if value is None:
        return None
    try:
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
            raise ValueError(value)
        return datetime.combine(date.fromisoformat(value), time(), tzinfo=UTC)
    except ValueError:
        raise BadRequest(f"{name} must be a date like 2026-11-01 (got {value!r})", code="invalid_date") from None


async def transparency_report(ctx: Context, since: datetime | None, until: datetime | None) -> dict[str, Any]:
    async with ctx.db.read() as connection:
        by_day = await tallies_between(ctx.db, connection, ctx.clock.now(), since, until)
        appeals = await appeal_counts(connection, since, until)
    total = new_tally()
    for tally in by_day.values():
        add_into(total, tally)
    statements = sum(total["by_category"].values())
    automated = statements - total["by_automation"].get(NOT_AUTOMATED, 0)
    return {
        "since": since.date().isoformat() if since else None, "until": until.date().isoformat() if until else None,
        "statements": statements, "by_category": dict(total["by_category"]), "by_action": dict(total["by_action"]),
        "by_detection": dict(total["by_detection"]), "by_automation": dict(total["by_automation"]),
        "by_source": dict(total["by_source"]),
        "appeals": {"total": sum(appeals.values()), "by_outcome": appeals},
        "reversals": appeals.get("overturn", 0),
        "decisions": {"total": sum(total["by_outcome"].values()), "by_outcome": dict(total["by_outcome"])},
        "by_rule": dict(total["by_rule"]),
        "automated_share": round(automated / statements, 4) if statements else None,
        "over_time": over_time({day: tally["decided_by"] for day, tally in by_day.items()
                                if tally["decided_by"]}, since, until),
    }


def over_time(by_day: dict[date, Counter[str]], since: datetime | None, until: datetime | None) -> dict[str, Any]:
    """Statements per day (per week from Monday when the range passes 62 days; per month past two years), with
    the empty periods between the first and the last shown as zeros."""
    if not by_day and (since is None or until is None):
        return {"unit": "day", "periods": []}
    first = since.date() if since else min(by_day)
    last = until.date() - timedelta(days=1) if until else max(by_day)
    if last < first:
        return {"unit": "day", "periods": []}
    span = (last - first).days + 1
    unit = "day" if span <= 62 else "week" if span <= 731 else "month"
    periods: dict[date, Counter[str]] = {}
    start = _period_start(first, unit)
    while start <= last:
        periods[start] = Counter()
        start = _next_period(start, unit)
    for day, counts in by_day.items():
        periods.setdefault(_period_start(day, unit), Counter()).update(counts)
    return {"unit": unit, "periods": [
        {"start": start.isoformat(), "automated": counts["automated"], "human": counts["human"]}
        for start, counts in sorted(periods.items())]}


def _period_start(day: date, unit: str) -> date:
    if unit == "week":
        return day - timedelta(days=day.weekday())
    if unit == "month":
        return day.replace(day=1)
    return day


def _next_period(start: date, unit: str) -> date:
    if unit == "week":
        return start + timedelta(days=7)
    if unit == "month":
        return (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    return start + timedelta(days=1)


def _row(record: StatementRecord) -> dict[str, Any]:
    return {"id": record.id, "source": record.source, "created_at": record.created_at.isoformat(), **record.statement}


async def export_statements(ctx: Context, since: datetime | None, until: datetime | None,
                            output_format: str) -> AsyncIterator[str]:
    """The statements as a JSON array or CSV, piece by piece so that a long history streams."""
    async with ctx.db.read() as connection:
        if output_format == "json":
            first = True
            yield "["
            async for record in statements_between(connection, since, until):
                yield ("" if first else ",") + "\n" + orjson.dumps(_row(record)).decode()
                first = False
            yield "\n]\n"
            return
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=CSV_FIELDS, extrasaction="ignore")
        writer.writeheader()
        async for record in statements_between(connection, since, until):
            row = {key: (",".join(value) if isinstance(value, list) else value) for key, value in _row(record).items()}
            writer.writerow(row)
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
        yield buffer.getvalue()
