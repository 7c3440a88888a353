"""The public transparency report."""
from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from masthead.api.deps import Ctx
from masthead.transparency.report import parse_day, transparency_report

router = APIRouter(tags=["transparency"])
Day = Annotated[str | None, Query(json_schema_extra={"format": "date"}, description="YYYY-MM-DD, UTC")]
DayExclusive = Annotated[str | None, Query(json_schema_extra={"format": "date"},
                                           description="YYYY-MM-DD, UTC (exclusive)")]


@router.get("/transparency/report")
async def report(ctx: Ctx, since: Day = None, until: DayExclusive = None) -> dict[str, Any]:
    """Counts of statements of reasons by category, action, detection and automation, with appeals and reversals."""
    return await transparency_report(ctx, parse_day(since, "since"), parse_day(until, "until"))
