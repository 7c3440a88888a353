"""The ASGI application: API, web pages and (unless told otherwise) the in-process pipeline worker."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, Depends, FastAPI
from starlette.types import Receive, Scope, Send

from masthead import __version__
from masthead.api.errors import install_error_handlers
from masthead.api.limits import BodySizeLimit
from masthead.api.log_redaction import install_log_redaction
from masthead.api.openapi import install_openapi
from masthead.api.ratelimit import RateLimitHeaders, limit_writes, write_limits_for
from masthead.api.routes import (
    accounts,
    channels,
    credentials,
    live,
    messages,
    moderation,
    posts,
    system,
    transparency,
)
from masthead.context import Context
from masthead.live.announce import announce_published, connect_redis
from masthead.live.hub import Hub
from masthead.live.outlet import RAW_SEND
from masthead.pipeline.assembly import build_worker
from masthead.verification.files import MAX_FILE_BYTES
from masthead.verification.service import scopes_of
from masthead.web.routes import mount_web

API_PREFIX = "/api/v1"
# JSON may escape each character of a post as \uXXXX (six bytes), so the envelope is checked generously
# and the body field exactly (in check_body).
JSON_ESCAPE_FACTOR = 6
ENVELOPE_BYTES = 64 * 1024


class Masthead(FastAPI):
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Live delivery writes to the server's transport when the server's own `send` tells it how (live.outlet).
        scope[RAW_SEND] = send
        await super().__call__(scope, receive, send)


def create_app(ctx: Context, *, run_worker: bool = True) -> FastAPI:
    install_log_redaction()
    hub = Hub(ctx, live.post_json)
    bridge = connect_redis(ctx.settings.redis_url)
    announce = announce_published(hub, bridge, ctx=ctx, post_json=live.post_json)
    worker = build_worker(ctx, after_commit=[announce])

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        stop = asyncio.Event()
        tasks = []
        if run_worker:
            tasks.append(asyncio.create_task(worker.run_forever(stop)))
        await hub.start()
        tasks.append(asyncio.create_task(hub.run(stop)))
        if bridge is not None:
            tasks.append(asyncio.create_task(bridge.relay(hub, stop)))
        try:
            yield
        finally:
            stop.set()
            await asyncio.gather(*tasks)
            if bridge is not None:
                await bridge.close()
            await app.state.write_limits.close()
            await ctx.db.dispose()

    app = Masthead(title="Masthead", version=__version__, lifespan=lifespan, openapi_url="/openapi.json",
                   description="Public channels with verified publishers and accountable moderation.",
                   dependencies=[Depends(limit_writes)])
    app.state.ctx = ctx
    app.state.worker = worker
    app.state.hub = hub
    app.state.announce = announce
    app.state.write_limits = write_limits_for(ctx)
    install_error_handlers(app)
    install_openapi(app, {"scopes": lambda: sorted(scopes_of(ctx))})
    app.add_middleware(RateLimitHeaders)
    app.add_middleware(BodySizeLimit, max_bytes=ctx.settings.max_body_bytes * JSON_ESCAPE_FACTOR + ENVELOPE_BYTES,
                       allowances=[(r"/api/v1/credential-applications/[^/]+/files", MAX_FILE_BYTES + ENVELOPE_BYTES),
                                   (r"/c/[^/]+/credentials", MAX_FILE_BYTES + ENVELOPE_BYTES)])
    api = APIRouter(prefix=API_PREFIX)
    for module in (accounts, channels, posts, live, moderation, transparency, credentials, messages):
        api.include_router(module.router)
    app.include_router(api)
    app.include_router(system.router)
    mount_web(app)
    return app
