"""A post as an article page (corrections above the text, labels in words, where it came from and where copies
went), and reporting it."""
from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from masthead.domain.errors import MastheadError, RateLimited
from masthead.domain.models import Account, Post
from masthead.domain.moderation import ReportReason
from masthead.domain.posts import PostState
from masthead.moderation.participation import MAX_COMMENT, do_report
from masthead.services.channels import access_channel, subscribed_among
from masthead.services.decisions import decision_for_post
from masthead.services.posts import access_post_by_id_text, do_record_reader
from masthead.services.provenance import known_reprints, provenance
from masthead.store.channels import member_role
from masthead.store.corrections import corrections_of_post
from masthead.verification.service import badges_for
from masthead.web.errors import MESSAGES
from masthead.web.forms import Form, read_form
from masthead.web.i18n import N_, localised_datetime
from masthead.web.reader.channels import explained_badges
from masthead.web.reader.words import REPORT_REASONS, label_words
from masthead.web.render import context_of, gettext, language_of, redirect, render
from masthead.web.site import Page

MESSAGES.update({
    "invalid_reason": N_("Choose what is wrong with this post."),
    "invalid_comment": N_("The comment is too long: at most 5,000 characters."),
    "post_not_found": N_("This post does not exist, or it is not visible to you."),
})


async def _decision_worth_showing(request: Request, post: Post, viewer: Account | None) -> bool:
    """Anyone may read why a post is labelled or restricted; its own channel also sees why it was published."""
    if post.labels or post.state is not PostState.PUBLISHED:
        return True
    if viewer is None:
        return False
    async with context_of(request).db.read() as connection:
        return await member_role(connection, post.channel_id, viewer.id) is not None


async def post_page(request: Request) -> Response:
    ctx = context_of(request)
    viewer: Account | None = request.state.viewer
    post = await access_post_by_id_text(ctx, viewer, request.path_params["post_id"])
    if viewer is not None:
        await do_record_reader(ctx, post.id, viewer.id)
    channel = await access_channel(ctx, post.channel_handle)
    async with ctx.db.read() as connection:
        badges = await badges_for(connection, [post.channel_id], ctx.clock.now())
        corrections = await corrections_of_post(connection, post.id)
    decision = await decision_for_post(ctx, post.id) if await _decision_worth_showing(request, post, viewer) else None
    return await render(request, "reader/post.html", {
        "post": post, "channel": channel, "badges": explained_badges(request, badges[post.channel_id]),
        "labels": [label_words(request, label) for label in post.labels], "corrections": corrections,
        "provenance": await provenance(ctx, post.id), "reprints": await known_reprints(ctx, post.id),
        "decision": decision, "reported": request.query_params.get("reported") == "1",
        "subscribed": bool(await subscribed_among(ctx, viewer, [channel]))})


def _reasons(request: Request) -> list[dict[str, Any]]:
    return [{"value": reason.value, "name": gettext(request, REPORT_REASONS[reason.value][0]),
             "help": gettext(request, REPORT_REASONS[reason.value][1])} for reason in ReportReason]


def _rate_limited(request: Request, exc: RateLimited) -> str:
    return gettext(request, "You have sent %(limit)d reports in the last hour, the most one account may send. "
                            "You can report again after %(time)s.",
                   limit=exc.limit, time=localised_datetime(exc.reset_at, language_of(request), form="short"))


async def report_page(request: Request) -> Response:
    ctx = context_of(request)
    post = await access_post_by_id_text(ctx, request.state.viewer, request.path_params["post_id"])
    values: dict[str, Any] = {"post": post, "reasons": _reasons(request), "max_comment": MAX_COMMENT}
    if request.method == "GET":
        return await render(request, "reader/report.html", {**values, "form": Form()})
    form = await read_form(request)
    if not form.text("reason"):
        form.errors["reason"] = gettext(request, "Choose what is wrong with this post.")
    status = 422
    if form.ok:
        try:
            await do_report(ctx, request.state.viewer, post.id, reason=form.text("reason"),
                            comment=form.text("comment").strip())
        except RateLimited as exc:
            form.errors[""] = _rate_limited(request, exc)
            status = 429
        except MastheadError as exc:
            form.fail(request, "comment" if exc.code == "invalid_comment" else
                      "reason" if exc.code == "invalid_reason" else "", exc)
        else:
            return redirect(request, f"/p/{post.id}?reported=1#reported")
    return await render(request, "reader/report.html", {**values, "form": form}, status=status)


PAGES = [
    Page("/p/{post_id}", post_page),
    Page("/p/{post_id}/report", report_page, methods=("GET", "POST"), sign_in=True),
]
