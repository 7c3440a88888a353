"""Pages for readers: the front page, a channel and a post."""
from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from masthead.services.channels import access_channel, channel_details
from masthead.services.posts import access_post_by_id_text, channel_timeline, feed, recent
from masthead.store.channels import list_channels
from masthead.store.corrections import corrections_of_post
from masthead.verification.service import badges_for
from masthead.web.render import context_of, render
from masthead.web.site import Page


async def front_page(request: Request) -> Response:
    ctx = context_of(request)
    page = await recent(ctx, request.query_params.get("cursor"), 20)
    async with ctx.db.read() as connection:
        channels = await list_channels(connection)
        badges = await badges_for(connection, sorted({post.channel_id for post in page.items}), ctx.clock.now())
    return await render(request, "front.html", {"posts": page.items, "next_cursor": page.next_cursor,
                                                "channels": channels, "post_badges": badges})


async def channel_page(request: Request) -> Response:
    ctx = context_of(request)
    channel = await access_channel(ctx, request.path_params["handle"])
    members, subscribers = await channel_details(ctx, channel)
    page = await channel_timeline(ctx, channel, request.query_params.get("cursor"), 20)
    async with ctx.db.read() as connection:
        badges = await badges_for(connection, [channel.id], ctx.clock.now())
    return await render(request, "channel.html", {
        "channel": channel, "members": members, "subscribers": subscribers, "posts": page.items,
        "next_cursor": page.next_cursor, "badges": badges[channel.id]})


async def post_page(request: Request) -> Response:
    ctx = context_of(request)
    post = await access_post_by_id_text(ctx, request.state.viewer, request.path_params["post_id"])
    async with ctx.db.read() as connection:
        badges = await badges_for(connection, [post.channel_id], ctx.clock.now())
        corrections = await corrections_of_post(connection, post.id)
    return await render(request, "post.html", {"post": post, "badges": badges[post.channel_id],
                                               "corrections": corrections})


async def feed_page(request: Request) -> Response:
    ctx = context_of(request)
    page = await feed(ctx, request.state.viewer, request.query_params.get("cursor"), 20)
    async with ctx.db.read() as connection:
        badges = await badges_for(connection, sorted({post.channel_id for post in page.items}), ctx.clock.now())
    return await render(request, "feed.html", {"posts": page.items, "next_cursor": page.next_cursor,
                                               "post_badges": badges})


PAGES = [
    Page("/feed", feed_page, sign_in=True),
    Page("/", front_page),
    Page("/c/{handle}", channel_page),
    Page("/p/{post_id}", post_page),
]
