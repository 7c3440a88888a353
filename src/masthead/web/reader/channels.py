"""Channels: the directory, a channel's page with its badges explained, subscribing and unsubscribing."""
from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from masthead.domain.models import Channel
from masthead.services.channels import (
    access_channel,
    channel_details,
    channel_directory,
    do_subscribe,
    do_unsubscribe,
    subscribed_among,
)
from masthead.services.posts import channel_timeline
from masthead.verification.service import badges_for, scopes_of
from masthead.web.forms import read_form
from masthead.web.reader.timelines import PAGE_SIZE, live_start
from masthead.web.reader.words import BADGE_STATES, say
from masthead.web.render import context_of, gettext, redirect, render, safe_next
from masthead.web.site import Page


def explained_badges(request: Request, badges: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each badge with what its scope certifies and, when it no longer counts, why, in the reader's words."""
    scopes = scopes_of(context_of(request))
    explained = []
    for badge in badges:
        scope = scopes.get(badge["scope"])
        why = ""
        if badge["status"] == "revoked":
            why = gettext(request, "Revoked by the verifier: %(reason)s", reason=badge["revoke_reason"] or "")
        elif badge["status"] == "lapsed_name_change":
            why = gettext(request, "The channel changed its handle or name after it was verified, so the badge no "
                                   "longer certifies it.")
        elif badge["status"] == "expired":
            why = gettext(request, "It was not renewed before it expired.")
        explained.append({**badge, "certifies": gettext(request, scope.description) if scope else "",
                          "state": say(request, BADGE_STATES, badge["status"]), "why": why})
    return explained


async def directory_page(request: Request) -> Response:
    ctx = context_of(request)
    page = await channel_directory(ctx, request.query_params.get("cursor"), PAGE_SIZE)
    channels = [channel for channel, _ in page.items]
    async with ctx.db.read() as connection:
        badges = await badges_for(connection, [channel.id for channel in channels], ctx.clock.now())
    return await render(request, "reader/channels.html", {
        "entries": [{"channel": channel, "subscribers": count, "badges": explained_badges(request, badges[channel.id])}
                    for channel, count in page.items],
        "subscribed": await subscribed_among(ctx, request.state.viewer, channels),
        "next_cursor": page.next_cursor, "first_page": not request.query_params.get("cursor")})


async def channel_page(request: Request) -> Response:
    ctx = context_of(request)
    channel = await access_channel(ctx, request.path_params["handle"])
    members, subscribers = await channel_details(ctx, channel)
    start = await live_start(request)
    page = await channel_timeline(ctx, channel, request.query_params.get("cursor"), PAGE_SIZE)
    async with ctx.db.read() as connection:
        badges = await badges_for(connection, [channel.id], ctx.clock.now())
    return await render(request, "reader/channel.html", {
        "channel": channel, "members": members, "subscribers": subscribers, "posts": page.items,
        "next_cursor": page.next_cursor, "live_start": start, "badges": explained_badges(request, badges[channel.id]),
        "post_badges": badges, "subscribed": bool(await subscribed_among(ctx, request.state.viewer, [channel]))})


async def _after_subscription(request: Request, channel: Channel) -> Response:
    form = await read_form(request)
    return redirect(request, safe_next(form.text("next"), default=f"/c/{channel.handle}"))


async def subscribe(request: Request) -> Response:
    if request.method == "GET":  # back from signing in, which the form asked for: show the channel
        return redirect(request, f"/c/{request.path_params['handle']}")
    channel = await do_subscribe(context_of(request), request.state.viewer, request.path_params["handle"])
    return await _after_subscription(request, channel)


async def unsubscribe(request: Request) -> Response:
    if request.method == "GET":
        return redirect(request, f"/c/{request.path_params['handle']}")
    channel = await do_unsubscribe(context_of(request), request.state.viewer, request.path_params["handle"])
    return await _after_subscription(request, channel)


PAGES = [
    Page("/channels", directory_page),
    Page("/c/{handle}", channel_page),
    Page("/c/{handle}/subscribe", subscribe, methods=("GET", "POST"), sign_in=True),
    Page("/c/{handle}/unsubscribe", unsubscribe, methods=("GET", "POST"), sign_in=True),
]
