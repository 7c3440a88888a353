"""Live delivery: Server-Sent Events and WebSocket, both resumable from a cursor, both fed by the node's hub; a
signed-in stream that names one of its account's devices also carries that device's private messages."""
from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Header, Query, Request, WebSocket, WebSocketDisconnect
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from masthead.api.deps import Ctx, OptionalAccount, bearer_token
from masthead.api.openapi import errors
from masthead.api.views import post_view
from masthead.context import Context
from masthead.domain.errors import MastheadError
from masthead.domain.models import Account, Post
from masthead.domain.paging import ID_PATTERN
from masthead.live.hub import Hub, Listener
from masthead.live.outlet import open_outlet
from masthead.live.stream import (
    StreamPosition,
    StreamScope,
    resolve_scope,
    start_position,
)
from masthead.live.wire import SSE, WS
from masthead.services.accounts import access_account_by_token

router = APIRouter(tags=["live"])

Channels = Annotated[str | None, Query(description="comma-separated channel handles, or 'all'; default: your feed")]
CursorQuery = Annotated[str | None, Query(alias="cursor", json_schema_extra={"pattern": StreamPosition.PATTERN},
                                          description="resume after this event id")]
AccessToken = Annotated[str | None, Query(description="for clients that cannot send headers (EventSource)")]
DeviceQuery = Annotated[str | None, Query(json_schema_extra={"pattern": f"^{ID_PATTERN}$"},
                                          description="one of your devices: its private messages come too")]


def post_json(post: Post, badges: list[dict[str, Any]]) -> bytes:
    """A live `post` event's data: the post as in a timeline, with its channel's badges."""
    return orjson.dumps(post_view(post, badges=badges))


async def _viewer(ctx: Context, header_account: Account | None, access_token: str | None) -> Account | None:
    if header_account is not None or not access_token:
        return header_account
    return await access_account_by_token(ctx, access_token)


class EventStreamResponse(Response):
    """The SSE body: the retry hint, what was missed since the start position, then whatever the hub delivers."""

    media_type = "text/event-stream"

    def __init__(self, hub: Hub, scope: StreamScope, start: StreamPosition | None) -> None:
        # No content-length: the body has no end, and over HTTP/1.1 it travels in chunks.
        self.status_code = 200
        self.background = None
        self.raw_headers = [(b"content-type", b"text/event-stream"), (b"cache-control", b"no-store"),
                            (b"x-accel-buffering", b"no")]
        self.hub = hub
        self.stream_scope = scope
        self.start = start

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": self.raw_headers})
        await send({"type": "http.response.body", "body": SSE.preamble(), "more_body": True})
        outlet = open_outlet(scope, send, SSE, self.hub.ctx.settings.live_buffer_bytes)
        reason = await self.hub.serve(Listener(self.stream_scope, SSE, outlet), self.start, receive)
        if reason is not None:
            await outlet.end(reason)
        await send({"type": "http.response.body", "body": b"", "more_body": False})


# One Server-Sent Event as clients parse it; `data` is the JSON text of a post, a notice or a message's envelope.
SSE_EVENT_SCHEMA = {"type": "object", "properties": {
    "event": {"enum": ["post", "decision", "correction", "notice", "message"]}, "id": {"type": "string"},
    "data": {"type": "string"}, "retry": {"type": "integer"}}}


@router.get("/stream", response_class=EventStreamResponse, status_code=200, responses={
    200: {"content": {"text/event-stream": {"schema": SSE_EVENT_SCHEMA}}}, **errors(404)})
async def stream(
    request: Request, ctx: Ctx, account: OptionalAccount, channels: Channels = None, cursor: CursorQuery = None,
    access_token: AccessToken = None, device: DeviceQuery = None,
    last_event_id: Annotated[str | None, Header(json_schema_extra={"pattern": StreamPosition.PATTERN})] = None,
) -> Response:
    """Server-Sent Events: `post` events; for a signed-in stream its `decision`, `correction` and `notice`
    events; with `?device=` one of your devices, a `message` event per envelope relayed to it (the envelope as
    `GET /api/v1/messages/inbox` gives it). Each id is the resume cursor; heartbeats are comments. Reconnecting
    with `Last-Event-ID` (browsers do it themselves) or `?cursor=` delivers everything since, once."""
    viewer = await _viewer(ctx, account, access_token)
    scope = await resolve_scope(ctx, viewer, channels, device)
    if last_event_id and cursor:
        StreamPosition.decode(cursor)  # overridden by the header, but still refused when no cursor at all
    hub: Hub = request.app.state.hub
    assert hub.position is not None, "the hub starts with the application"
    return EventStreamResponse(hub, scope, start_position(scope, last_event_id or cursor, hub.position))


@router.websocket("/ws")
async def websocket(
    socket: WebSocket, channels: Channels = None, cursor: CursorQuery = None, access_token: AccessToken = None,
    device: DeviceQuery = None,
) -> None:
    """The same events as JSON messages `{"event", "id", "data"}`; reconnect with `?cursor=<last id>`."""
    ctx: Context = socket.app.state.ctx
    hub: Hub = socket.app.state.hub
    assert hub.position is not None, "the hub starts with the application"
    try:
        token = access_token or bearer_token(socket)
        viewer = await access_account_by_token(ctx, token) if token else None
        scope = await resolve_scope(ctx, viewer, channels, device)
        start = start_position(scope, cursor, hub.position)
    except MastheadError as exc:
        await socket.accept()
        await socket.send_json({"event": "error", "data": {"code": exc.code, "message": exc.message}})
        await socket.close(code=4000 + exc.status, reason=exc.code)
        return
    await socket.accept()
    outlet = open_outlet(socket.scope, socket.send, WS, ctx.settings.live_buffer_bytes)
    try:
        reason = await hub.serve(Listener(scope, WS, outlet), start, socket.receive)
        if reason is not None:
            await outlet.end(reason)
    except WebSocketDisconnect:
        return
