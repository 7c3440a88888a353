"""The public transparency report and the statements of reasons behind it."""
from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from masthead.api.deps import Ctx
from masthead.transparency.report import (
    export_statements,
    parse_day,
    transparency_report,
)

router = APIRouter(tags=["transparency"])
Day = Annotated[str | None, Query(json_schema_extra={"format": "date"}, description="YYYY-MM-DD, UTC")]
DayExclusive = Annotated[str | None, Query(json_schema_extra={"format": "date"},
                                           description="YYYY-MM-DD, UTC (exclusive)")]
MEDIA_TYPES = {"json": "application/json", "csv": "text/csv; charset=utf-8"}


@router.get("/transparency/report")
async def report(ctx: Ctx, since: Day = None, until: DayExclusive = None) -> dict[str, Any]:
    """Counts of statements of reasons by category, action, detection and automation, with appeals and reversals;
    the pipeline's decisions by outcome, the rules enforced, the automated share and the statements over time."""
    return await transparency_report(ctx, parse_day(since, "since"), parse_day(until, "until"))


@router.get("/transparency/statements", response_class=StreamingResponse)
async def statements(ctx: Ctx, format: Literal["json", "csv"] = "json", since: Day = None,  # noqa: A002
                     until: DayExclusive = None) -> StreamingResponse:
    """Every statement of reasons, automated and human, in the EU DSA Transparency Database schema, as
    `masthead transparency export` writes them."""
    start, end = parse_day(since, "since"), parse_day(until, "until")
    name = f"masthead-statements.{format}"
    return StreamingResponse(export_statements(ctx, start, end, format), media_type=MEDIA_TYPES[format],
                             headers={"Content-Disposition": f'attachment; filename="{name}"'})
