"""Timelines: the front page (every channel), the signed-in reader's feed, and one post as a timeline shows it
(fetched by live.js when a post arrives over the live stream)."""
from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from masthead.domain.models import Post
from masthead.services.channels import channel_directory
from masthead.services.posts import access_post_by_id_text, feed, recent
from masthead.store.posts import head_cursor
from masthead.verification.service import badges_for
from masthead.web.render import context_of, render
from masthead.web.site import Page

PAGE_SIZE = 20
FRONT_CHANNELS = 12


async def live_start(request: Request) -> str:
    """Where a page's live stream starts: after every post published before the page read its timeline, so a
    post published while the page loads still arrives (live.js skips those the page already shows)."""
    ctx = context_of(request)
    async with ctx.db.read() as connection:
        return (await head_cursor(connection)).encode()


async def timeline_values(request: Request, posts: list[Post]) -> dict[str, Any]:
    """What _post_item.html needs besides the post: the badges of every channel on the page."""
    ctx = context_of(request)
    async with ctx.db.read() as connection:
        badges = await badges_for(connection, sorted({post.channel_id for post in posts}), ctx.clock.now())
    return {"post_badges": badges}


async def front_page(request: Request) -> Response:
    ctx = context_of(request)
    start = await live_start(request)
    page = await recent(ctx, request.query_params.get("cursor"), PAGE_SIZE)
    channels = await channel_directory(ctx, None, FRONT_CHANNELS)
    return await render(request, "reader/front.html", {
        "posts": page.items, "next_cursor": page.next_cursor, "channels": channels.items,
        "more_channels": channels.next_cursor is not None, "live_start": start,
        **await timeline_values(request, page.items)})


async def feed_page(request: Request) -> Response:
    ctx = context_of(request)
    start = await live_start(request)
    page = await feed(ctx, request.state.viewer, request.query_params.get("cursor"), PAGE_SIZE)
    return await render(request, "reader/feed.html", {
        "posts": page.items, "live_start": start, "next_cursor": page.next_cursor, "first_page": not request.query_params.get("cursor"),
        **await timeline_values(request, page.items)})


async def post_card(request: Request) -> Response:
    post = await access_post_by_id_text(context_of(request), request.state.viewer, request.path_params["post_id"])
    return await render(request, "reader/_post_item.html", {"post": post, **await timeline_values(request, [post])})


PAGES = [
    Page("/", front_page),
    Page("/feed", feed_page, sign_in=True),
    Page("/p/{post_id}/card", post_card),
]
