"""Liveness and metrics, outside the versioned API prefix."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from masthead.api.deps import Ctx
from masthead.store.pipeline import outbox_depth

router = APIRouter(tags=["system"])


HEALTH_SCHEMA = {"type": "object", "required": ["status", "database"],
                 "properties": {"status": {"enum": ["ok", "unavailable"]}, "database": {"type": "string"},
                                "pipeline_backlog": {"type": "integer"}}}


@router.get("/healthz", responses={
    200: {"content": {"application/json": {"schema": HEALTH_SCHEMA}}},
    503: {"description": "The database cannot be reached", "content": {"application/json": {"schema": HEALTH_SCHEMA}}}})
async def healthz(ctx: Ctx) -> JSONResponse:
    try:
        async with ctx.db.read() as connection:
            await connection.execute(sa.text("SELECT 1"))
            depth = await outbox_depth(connection)
    except Exception as exc:
        body: dict[str, Any] = {"status": "unavailable", "database": f"{type(exc).__name__}: {exc}"}
        return JSONResponse(body, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok", "pipeline_backlog": depth})


@router.get("/metrics", response_class=PlainTextResponse)
async def metrics() -> Response:
    """Prometheus text exposition format (text/plain with its version parameter)."""
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
