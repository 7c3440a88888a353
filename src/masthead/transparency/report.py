"""The public transparency report and the statements-of-reasons export."""
from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time
from typing import Any

import orjson

from masthead.context import Context
from masthead.domain.errors import BadRequest
from masthead.transparency.statements import StatementRecord, appeal_counts, statements_between

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
    by_category: Counter[str] = Counter()
    by_visibility: Counter[str] = Counter()
    by_detection: Counter[str] = Counter()
    by_automation: Counter[str] = Counter()
    by_source: Counter[str] = Counter()
    total = 0
    async with ctx.db.read() as connection:
        async for record in statements_between(connection, since, until):
            statement = record.statement
            total += 1
            by_category[statement.get("category", "")] += 1
            for visibility in statement.get("decision_visibility", []):
                by_visibility[visibility] += 1
            by_detection["automated" if statement.get("automated_detection") == "Yes" else "human"] += 1
            by_automation[statement.get("automated_decision", "")] += 1
            by_source[statement.get("source_type", "")] += 1
        appeals = await appeal_counts(connection, since, until)
    return {
        "since": since.date().isoformat() if since else None, "until": until.date().isoformat() if until else None,
        "statements": total, "by_category": dict(by_category), "by_action": dict(by_visibility),
        "by_detection": dict(by_detection), "by_automation": dict(by_automation), "by_source": dict(by_source),
        "appeals": {"total": sum(appeals.values()), "by_outcome": appeals},
        "reversals": appeals.get("overturn", 0),
    }


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
