"""Server-rendered pages: the front page, a channel and a post."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from masthead.context import Context
from masthead.domain.errors import MastheadError
from masthead.services.channels import access_channel, channel_details
from masthead.services.posts import access_post_by_id_text, channel_timeline, recent
from masthead.store.channels import list_channels
from masthead.verification.service import badges_for

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")


def _ctx(request: Request) -> Context:
    ctx: Context = request.app.state.ctx
    return ctx


async def front_page(request: Request) -> HTMLResponse:
    ctx = _ctx(request)
    page = await recent(ctx, request.query_params.get("cursor"), 20)
    async with ctx.db.read() as connection:
        channels = await list_channels(connection)
        badges = await badges_for(connection, sorted({post.channel_id for post in page.items}), ctx.clock.now())
    return templates.TemplateResponse(request, "front.html", {"posts": page.items, "next_cursor": page.next_cursor,
                                                              "channels": channels, "post_badges": badges})


async def channel_page(request: Request) -> HTMLResponse:
    ctx = _ctx(request)
    channel = await access_channel(ctx, request.path_params["handle"])
    members, subscribers = await channel_details(ctx, channel)
    page = await channel_timeline(ctx, channel, request.query_params.get("cursor"), 20)
    async with ctx.db.read() as connection:
        badges = await badges_for(connection, [channel.id], ctx.clock.now())
    return templates.TemplateResponse(request, "channel.html", {
        "channel": channel, "members": members, "subscribers": subscribers, "posts": page.items,
        "next_cursor": page.next_cursor, "badges": badges[channel.id]})


async def post_page(request: Request) -> HTMLResponse:
    ctx = _ctx(request)
    post = await access_post_by_id_text(ctx, None, request.path_params["post_id"])
    async with ctx.db.read() as connection:
        badges = await badges_for(connection, [post.channel_id], ctx.clock.now())
    return templates.TemplateResponse(request, "post.html", {"post": post, "badges": badges[post.channel_id]})


async def _page_error(request: Request, exc: MastheadError) -> HTMLResponse:
    return templates.TemplateResponse(request, "error.html", {"error": exc}, status_code=exc.status)


PageHandler = Callable[[Request], Awaitable[HTMLResponse]]


def _html_errors(handler: PageHandler) -> PageHandler:
    async def wrapped(request: Request) -> HTMLResponse:
        try:
            response: HTMLResponse = await handler(request)
            return response
        except MastheadError as exc:
            return await _page_error(request, exc)
    return wrapped


def mount_web(app: FastAPI) -> None:
    app.add_route("/", _html_errors(front_page), include_in_schema=False)
    app.add_route("/c/{handle}", _html_errors(channel_page), include_in_schema=False)
    app.add_route("/p/{post_id}", _html_errors(post_page), include_in_schema=False)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
