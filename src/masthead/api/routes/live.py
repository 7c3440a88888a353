"""Live delivery: Server-Sent Events and WebSocket, both resumable from a cursor."""
from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Header, Query, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import StreamingResponse

from masthead.api.deps import Ctx, OptionalAccount
from masthead.api.openapi import errors
from masthead.api.views import post_view
from masthead.context import Context
from masthead.domain.errors import MastheadError
from masthead.domain.models import Account
from masthead.live.hub import Hub
from masthead.live.stream import (
    StreamEvent,
    StreamPosition,
    notice_json,
    resolve_scope,
    start_position,
    stream_events,
)
from masthead.services.accounts import access_account_by_token

router = APIRouter(tags=["live"])

Channels = Annotated[str | None, Query(description="comma-separated channel handles, or 'all'; default: your feed")]
CursorQuery = Annotated[str | None, Query(alias="cursor", json_schema_extra={"pattern": StreamPosition.PATTERN},
                                          description="resume after this event id")]
AccessToken = Annotated[str | None, Query(description="for clients that cannot send headers (EventSource)")]
RETRY_MILLISECONDS = 2000


class EventStream(StreamingResponse):
    media_type = "text/event-stream"


async def _viewer(ctx: Context, header_account: Account | None, access_token: str | None) -> Account | None:
    if header_account is not None or not access_token:
        return header_account
    return await access_account_by_token(ctx, access_token)


def _data(event: StreamEvent) -> dict[str, Any] | None:
    if event.post is not None:
        return post_view(event.post, badges=event.badges)
    if event.notice is not None:
        return notice_json(event.notice)
    return None


def _sse(event: StreamEvent) -> bytes:
    if event.kind == "heartbeat":
        return b": heartbeat\n\n"
    data = orjson.dumps(_data(event))
    return b"id: %s\nevent: %s\ndata: %s\n\n" % (event.cursor.encode(), event.kind.encode(), data)


# One Server-Sent Event as clients parse it; `data` is the JSON text of a post or a notice.
SSE_EVENT_SCHEMA = {"type": "object", "properties": {
    "event": {"enum": ["post", "decision", "correction", "notice"]}, "id": {"type": "string"},
    "data": {"type": "string"}, "retry": {"type": "integer"}}}


@router.get("/stream", response_class=EventStream, responses={
    200: {"content": {"text/event-stream": {"schema": SSE_EVENT_SCHEMA}}}, **errors(404)})
async def stream(
    request: Request, ctx: Ctx, account: OptionalAccount, channels: Channels = None, cursor: CursorQuery = None,
    access_token: AccessToken = None,
    last_event_id: Annotated[str | None, Header(json_schema_extra={"pattern": StreamPosition.PATTERN})] = None,
) -> StreamingResponse:
    """Server-Sent Events: `post` events, and for a signed-in stream its `decision`, `correction` and `notice`
    events (id = resume cursor), with heartbeat comments. Reconnecting with `Last-Event-ID` (browsers do it
    themselves) or `?cursor=` delivers everything since."""
    viewer = await _viewer(ctx, account, access_token)
    scope = await resolve_scope(ctx, viewer, channels)
    if last_event_id and cursor:
        StreamPosition.decode(cursor)  # overridden by the header, but still refused when no cursor at all
    after = await start_position(ctx, scope, last_event_id or cursor)
    hub: Hub = request.app.state.hub

    async def body() -> AsyncIterator[bytes]:
        yield b"retry: %d\n\n" % RETRY_MILLISECONDS
        async for event in stream_events(ctx, hub, scope, after):
            yield _sse(event)

    return EventStream(body(), headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


@router.websocket("/ws")
async def websocket(
    socket: WebSocket, channels: Channels = None, cursor: CursorQuery = None, access_token: AccessToken = None,
) -> None:
    """The same events as JSON messages `{"event", "id", "data"}`; reconnect with `?cursor=<last id>`."""
    ctx: Context = socket.app.state.ctx
    header = socket.headers.get("authorization", "")
    token = access_token or (header[7:] if header.lower().startswith("bearer ") else None)
    try:
        viewer = await access_account_by_token(ctx, token) if token else None
        scope = await resolve_scope(ctx, viewer, channels)
        after = await start_position(ctx, scope, cursor)
    except MastheadError as exc:
        await socket.accept()
        await socket.send_json({"event": "error", "data": {"code": exc.code, "message": exc.message}})
        await socket.close(code=4000 + exc.status, reason=exc.code)
        return
    await socket.accept()
    try:
        async for event in stream_events(ctx, socket.app.state.hub, scope, after):
            await socket.send_json({"event": event.kind, "id": event.cursor, "data": _data(event)})
    except WebSocketDisconnect:
        return
