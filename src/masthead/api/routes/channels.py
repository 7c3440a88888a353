"""Channels, their authors, subscriptions, timelines and the signed-in account's feed."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from masthead.api.deps import Ctx, CurrentAccount
from masthead.api.openapi import errors
from masthead.api.params import FeedCursor, HandlePath, Limit
from masthead.api.schemas import AuthorIn, ChannelIn, ChannelUpdateIn, PostIn
from masthead.api.views import channel_view, dry_run_view, page_view
from masthead.domain.errors import NotFound, Unprocessable
from masthead.domain.models import Post
from masthead.domain.paging import DEFAULT_PAGE_SIZE, Page, parse_id
from masthead.services import channels as service
from masthead.services.dry_run import access_dry_run
from masthead.services.posts import channel_timeline, check_draft, do_publish, feed
from masthead.verification.service import badges_for

router = APIRouter(tags=["channels"])



async def _page_json(ctx: Ctx, page: Page[Post]) -> dict[str, Any]:
    async with ctx.db.read() as connection:
        badges = await badges_for(connection, sorted({post.channel_id for post in page.items}), ctx.clock.now())
    return page_view(page, badges)


async def _channel_json(ctx: Ctx, handle: HandlePath) -> dict[str, Any]:
    channel = await service.access_channel(ctx, handle)
    members, subscribers = await service.channel_details(ctx, channel)
    async with ctx.db.read() as connection:
        badges = await badges_for(connection, [channel.id], ctx.clock.now())
    return channel_view(channel, members, subscribers, badges[channel.id])


@router.post("/channels", status_code=201, responses=errors(403, 409))
async def create_channel(body: ChannelIn, account: CurrentAccount, ctx: Ctx) -> dict[str, Any]:
    channel = await service.do_create_channel(ctx, account, handle=body.handle, name=body.name,
                                              description=body.description)
    return await _channel_json(ctx, channel.handle)


@router.patch("/channels/{handle}", responses=errors(403, 409))
async def update_channel(handle: HandlePath, body: ChannelUpdateIn, owner: CurrentAccount, ctx: Ctx) -> dict[str, Any]:
    """The owner renames or describes the channel; a new handle or name lapses its credentials."""
    channel = await service.do_update_channel(ctx, owner, handle, name=body.name, description=body.description,
                                              new_handle=body.handle)
    return await _channel_json(ctx, channel.handle)


@router.get("/channels/{handle}")
async def get_channel(handle: HandlePath, ctx: Ctx) -> dict[str, Any]:
    return await _channel_json(ctx, handle)


@router.post("/channels/{handle}/authors", status_code=201, responses=errors(403))
async def add_author(handle: HandlePath, body: AuthorIn, account: CurrentAccount, ctx: Ctx) -> dict[str, Any]:
    await service.do_add_author(ctx, account, handle, body.handle)
    return await _channel_json(ctx, handle)


@router.delete("/channels/{handle}/authors/{author}", responses=errors(403))
async def remove_author(handle: HandlePath, author: HandlePath, account: CurrentAccount, ctx: Ctx) -> dict[str, Any]:
    await service.do_remove_author(ctx, account, handle, author)
    return await _channel_json(ctx, handle)


@router.post("/channels/{handle}/subscription", responses=errors(403))
async def subscribe(handle: HandlePath, account: CurrentAccount, ctx: Ctx) -> dict[str, Any]:
    channel = await service.do_subscribe(ctx, account, handle)
    return {"channel": channel.handle, "subscribed": True}


@router.delete("/channels/{handle}/subscription")
async def unsubscribe(handle: HandlePath, account: CurrentAccount, ctx: Ctx) -> dict[str, Any]:
    channel = await service.do_unsubscribe(ctx, account, handle)
    return {"channel": channel.handle, "subscribed": False}


def _publication(body: PostIn) -> dict[str, Any]:
    """The publishing body as do_publish's and check_draft's keyword arguments."""
    reprint_of: int | None = None
    if isinstance(body.reprint_of, int) and body.reprint_of >= 0:
        reprint_of = parse_id(str(body.reprint_of))
        if reprint_of is None:  # more digits than any id has
            raise NotFound(f"reprint_of names post {body.reprint_of}, which does not exist", code="unknown_post")
    elif body.reprint_of is not None:
        reprint_of = parse_id(str(body.reprint_of))
        if reprint_of is None:
            raise Unprocessable(f"reprint_of must be a post id (got {str(body.reprint_of)!r})", code="unknown_post")
    rights = (body.rights.policy, list(body.rights.whitelist)) if body.rights else ("attribute", [])
    return {"title": body.title, "body": body.body, "reprint_of": reprint_of, "source_url": body.source_url,
            "original": body.original, "rights": rights}


@router.post("/channels/{handle}/posts", status_code=202, responses=errors(403))
async def publish(handle: HandlePath, body: PostIn, account: CurrentAccount, ctx: Ctx,
                  request: Request) -> JSONResponse:
    post = await do_publish(ctx, account, handle, **_publication(body), on_accepted=request.app.state.worker.wake)
    return JSONResponse({"id": str(post.id), "state": post.state.value}, status_code=202,
                        headers={"Location": f"/api/v1/posts/{post.id}"})


@router.post("/channels/{handle}/posts/dry-run", responses=errors(403))
async def dry_run(handle: HandlePath, body: PostIn, account: CurrentAccount, ctx: Ctx) -> dict[str, Any]:
    """What the policy would decide about this post now, and why; nothing is stored (owner and authors)."""
    result = await access_dry_run(ctx, account, handle, check_draft(ctx, **_publication(body)))
    return dry_run_view(result)


@router.get("/channels/{handle}/posts")
async def channel_posts(handle: HandlePath, ctx: Ctx, cursor: FeedCursor = None,
                        limit: Limit = DEFAULT_PAGE_SIZE) -> dict[str, Any]:
    channel = await service.access_channel(ctx, handle)
    return await _page_json(ctx, await channel_timeline(ctx, channel, cursor, limit))


@router.get("/feed")
async def my_feed(account: CurrentAccount, ctx: Ctx, cursor: FeedCursor = None,
                  limit: Limit = DEFAULT_PAGE_SIZE) -> dict[str, Any]:
    return await _page_json(ctx, await feed(ctx, account, cursor, limit))
