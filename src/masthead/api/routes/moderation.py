"""Moderation: the queue, deciding items, reports, appeals, strikes and notifications."""
from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import StrictStr

from masthead.api.cases import access_case, item_view
from masthead.api.deps import Ctx, CurrentAccount
from masthead.api.schemas import Strict
from masthead.domain.errors import Forbidden, NotFound, Unprocessable
from masthead.domain.moderation import ItemKind
from masthead.domain.paging import DEFAULT_PAGE_SIZE
from masthead.domain.permissions import Action as Permission
from masthead.domain.permissions import allowed, may_manage_channel
from masthead.moderation.actions import do_assign_item, do_resolve_item
from masthead.moderation.participation import do_appeal, do_report
from masthead.moderation.queue import moderation_queue
from masthead.policy.watch import configured_policy
from masthead.services.channels import access_channel
from masthead.services.notifications import (
    check_notification_id,
    do_mark_notifications_read,
    notifications_page,
)
from masthead.store import accounts as account_store
from masthead.store import moderation as store
from masthead.store.cases import QueueEntry
from masthead.store.channels import member_role

router = APIRouter(tags=["moderation"])


class ResolveIn(Strict):
    action: StrictStr
    reason: StrictStr = ""
    labels: list[StrictStr] | None = None
    link: StrictStr | None = None


class AssignIn(Strict):
    handle: StrictStr | None = None


class ReportIn(Strict):
    reason: StrictStr
    comment: StrictStr = ""


class AppealIn(Strict):
    text: StrictStr


class MarkReadIn(Strict):
    up_to_id: StrictStr


def _id(value: str, what: str) -> int:
    if not value.isdigit():
        raise NotFound(f"no {what} {value!r}", code=f"{what.replace(' ', '_')}_not_found")
    return int(value)


def _entry_view(entry: QueueEntry) -> dict[str, Any]:
    item, subject = entry.item, entry.subject
    view = {**item_view(item, subject.assignee), "channel": subject.channel, "subject": None}
    if item.post_id is not None:
        view["subject"] = {"post_id": str(item.post_id), "title": subject.post_title,
                           "post_state": subject.post_state, "channel": subject.channel}
    if item.kind is ItemKind.APPLICATION:
        view["subject"] = {"application_id": None if item.application_id is None else str(item.application_id),
                           "channel": subject.channel, "scopes": subject.application_scopes}
    elif item.kind is ItemKind.APPEAL:
        view["subject"] = {**(view["subject"] or {}),
                           "appeal_id": None if subject.appeal_id is None else str(subject.appeal_id),
                           "contests_decision": None if item.decision_id is None else str(item.decision_id),
                           "contested_outcome": subject.contested_outcome}
    return view


@router.get("/moderation/queue")
async def queue(
    viewer: CurrentAccount, ctx: Ctx,
    kind: Annotated[str | None, Query(description="held, report, application or appeal")] = None,
    state: Annotated[str, Query(description="open, escalated, pending (open or escalated) or closed")] = "pending",
    mine: bool = False, cursor: str | None = None, limit: int = DEFAULT_PAGE_SIZE,
) -> dict[str, Any]:
    page = await moderation_queue(ctx, viewer, kind=kind, state=state, mine=mine, cursor=cursor, limit=limit)
    return {"items": [_entry_view(entry) for entry in page.items], "counts": page.counts,
            "next_cursor": page.next_cursor}


@router.get("/moderation/items/{item_id}")
async def case(item_id: str, viewer: CurrentAccount, ctx: Ctx) -> dict[str, Any]:
    """An item as staff review it: its subject, the decision with facts, scores and rule trace, copies found,
    the channel's strikes, every earlier event and the merged reports."""
    return await access_case(ctx, viewer, _id(item_id, "item"))


@router.post("/moderation/items/{item_id}/resolve")
async def resolve(item_id: str, body: ResolveIn, moderator: CurrentAccount, ctx: Ctx,
                  request: Request) -> dict[str, Any]:
    result = await do_resolve_item(ctx, moderator, _id(item_id, "item"), action=body.action, reason=body.reason,
                                   labels=body.labels, correction_link=body.link)
    await request.app.state.announce(1)  # notices (and perhaps a post) for live streams
    return {"item_id": str(result.item_id), "review_state": result.review_state.value,
            "post_state": result.post_state}


@router.post("/moderation/items/{item_id}/assign")
async def assign(item_id: str, body: AssignIn, moderator: CurrentAccount, ctx: Ctx) -> dict[str, Any]:
    assignee = None
    if body.handle is not None:
        async with ctx.db.read() as connection:
            account = await account_store.account_by_handle(connection, body.handle)
        if account is None or not allowed(account.roles, Permission.VIEW_MODERATION_QUEUE):
            raise Unprocessable(f"{body.handle!r} is not a member of staff", code="not_staff")
        assignee = account.id
    await do_assign_item(ctx, moderator, _id(item_id, "item"), assignee)
    return {"item_id": item_id, "assigned_to": body.handle}


@router.post("/posts/{post_id}/reports", status_code=201)
async def report(post_id: str, body: ReportIn, reporter: CurrentAccount, ctx: Ctx) -> JSONResponse:
    filed = await do_report(ctx, reporter, _id(post_id, "post"), reason=body.reason, comment=body.comment)
    return JSONResponse({"id": str(filed.id), "item_id": str(filed.item_id)}, status_code=201, headers={
        "X-RateLimit-Limit": str(ctx.settings.reports_per_hour), "X-RateLimit-Remaining": str(filed.remaining)})


@router.post("/decisions/{decision_id}/appeals", status_code=201)
async def appeal(decision_id: str, body: AppealIn, appellant: CurrentAccount, ctx: Ctx) -> dict[str, Any]:
    filed = await do_appeal(ctx, appellant, _id(decision_id, "decision"), text=body.text)
    return {"id": str(filed.id), "item_id": str(filed.item_id), "state": "open"}


@router.get("/channels/{handle}/strikes")
async def channel_strikes(handle: str, viewer: CurrentAccount, ctx: Ctx) -> dict[str, Any]:
    channel = await access_channel(ctx, handle)
    now = ctx.clock.now()
    async with ctx.db.read() as connection:
        if not (may_manage_channel(await member_role(connection, channel.id, viewer.id))
                or allowed(viewer.roles, Permission.VIEW_MODERATION_QUEUE)):
            raise Forbidden("only the channel's owner and staff see its strikes")
        strikes = await store.active_strikes(connection, channel.id, now)
        suspension = await store.suspension_until(connection, channel.id, now)
    policy = configured_policy(ctx.settings.policy).current()
    rules = policy.strikes
    return {"channel": handle, "strikes": [
        {"reason": reason, "given_at": given.isoformat(), "expires_at": expires.isoformat()}
        for reason, given, expires in strikes],
        "suspended_until": None if suspension is None else suspension[0].isoformat(),
        "suspension_reason": None if suspension is None else suspension[1],
        "threshold": {"strikes": rules.threshold, "within_days": rules.within_days,
                      "suspends_for_days": rules.suspend_days, "strike_counts_for_days": rules.expire_after_days,
                      "policy": {"id": policy.id, "version": policy.version}}}


@router.get("/notifications")
async def notifications(viewer: CurrentAccount, ctx: Ctx, cursor: str | None = None,
                        limit: int = DEFAULT_PAGE_SIZE) -> dict[str, Any]:
    page = await notifications_page(ctx, viewer, cursor, limit)
    return {"items": [{"id": str(n.id), "kind": n.kind, "payload": n.payload, "created_at": n.created_at.isoformat(),
                       "read": n.read_at is not None} for n in page.items],
            "next_cursor": page.next_cursor, "unread": page.unread}


@router.post("/notifications/read")
async def mark_notifications_read(body: MarkReadIn, viewer: CurrentAccount, ctx: Ctx) -> dict[str, Any]:
    """Mark the signed-in account's notices read, up to and including `up_to_id` (the newest one seen)."""
    marked, unread = await do_mark_notifications_read(
        ctx, viewer, check_notification_id(body.up_to_id, field="up_to_id"))
    return {"marked": marked, "unread": unread}
