"""Moderation: the queue, deciding items, reports, appeals, strikes and notifications."""
from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import ConfigDict, Field, StrictStr, WithJsonSchema

from masthead.api.cases import access_case, item_view
from masthead.api.deps import Ctx, CurrentAccount
from masthead.api.openapi import errors
from masthead.api.params import HandlePath, IdPath, Limit
from masthead.api.schemas import (
    NOT_BLANK,
    ActionName,
    Handle,
    IdText,
    NonBlank,
    ReportReasonName,
    Strict,
)
from masthead.domain.errors import Forbidden, NotFound
from masthead.domain.moderation import NEEDS_REASON, Action, ItemKind
from masthead.domain.paging import DEFAULT_PAGE_SIZE, ID_PATTERN, parse_id
from masthead.domain.permissions import Action as Permission
from masthead.domain.permissions import allowed, may_manage_channel
from masthead.moderation.actions import do_assign_item, do_resolve_item
from masthead.moderation.participation import MAX_COMMENT, do_appeal, do_report
from masthead.moderation.queue import (
    QUEUE_CURSOR_PATTERN,
    STATE_FILTERS,
    moderation_queue,
)
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
MAX_LINK_LENGTH = 2000  # moderation_events.link


# do_resolve_item's rules: some actions need a reason that is not blank, `label` needs labels.
_RESOLVE_RULES: dict[str, Any] = {"allOf": [
    {"anyOf": [{"properties": {"action": {"not": {"enum": sorted(action.value for action in NEEDS_REASON)}}}},
               {"required": ["reason"], "properties": {"reason": {"pattern": NOT_BLANK}}}]},
    {"anyOf": [{"properties": {"action": {"not": {"const": Action.LABEL.value}}}},
               {"required": ["labels"], "properties": {"labels": {"type": "array", "minItems": 1}}}]},
]}


class ResolveIn(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra=_RESOLVE_RULES)

    action: ActionName
    reason: StrictStr = ""
    labels: list[StrictStr] | None = None
    link: Annotated[StrictStr, Field(max_length=MAX_LINK_LENGTH)] | None = None


class AssignIn(Strict):
    handle: Handle | None = None


class ReportIn(Strict):
    reason: ReportReasonName
    comment: Annotated[StrictStr, WithJsonSchema({"type": "string", "maxLength": MAX_COMMENT})] = ""


class AppealIn(Strict):
    text: NonBlank


class MarkReadIn(Strict):
    up_to_id: IdText


def _id(value: str, what: str) -> int:
    found = parse_id(value)
    if found is None:
        raise NotFound(f"no {what} {value!r}", code=f"{what.replace(' ', '_')}_not_found")
    return found


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


@router.get("/moderation/queue", responses=errors(403))
async def queue(
    viewer: CurrentAccount, ctx: Ctx,
    kind: Annotated[str | None, Query(json_schema_extra={"enum": [kind.value for kind in ItemKind]},
                                      description="held, report, application or appeal")] = None,
    state: Annotated[str, Query(json_schema_extra={"enum": list(STATE_FILTERS)},
                                description="open, escalated, pending (open or escalated) or closed")] = "pending",
    mine: bool = False,
    cursor: Annotated[str | None, Query(json_schema_extra={"pattern": QUEUE_CURSOR_PATTERN},
                                        description="next_cursor from the previous page")] = None,
    limit: Limit = DEFAULT_PAGE_SIZE,
) -> dict[str, Any]:
    page = await moderation_queue(ctx, viewer, kind=kind, state=state, mine=mine, cursor=cursor, limit=limit)
    return {"items": [_entry_view(entry) for entry in page.items], "counts": page.counts,
            "next_cursor": page.next_cursor}


@router.get("/moderation/items/{item_id}", responses=errors(403))
async def case(item_id: IdPath, viewer: CurrentAccount, ctx: Ctx) -> dict[str, Any]:
    """An item as staff review it: its subject, the decision with facts, scores and rule trace, copies found,
    the channel's strikes, every earlier event and the merged reports."""
    return await access_case(ctx, viewer, _id(item_id, "item"))


@router.post("/moderation/items/{item_id}/resolve", responses=errors(403, 409))
async def resolve(item_id: IdPath, body: ResolveIn, moderator: CurrentAccount, ctx: Ctx,
                  request: Request) -> dict[str, Any]:
    result = await do_resolve_item(ctx, moderator, _id(item_id, "item"), action=body.action, reason=body.reason,
                                   labels=body.labels, correction_link=body.link)
    await request.app.state.announce(1)  # notices (and perhaps a post) for live streams
    return {"item_id": str(result.item_id), "review_state": result.review_state.value,
            "post_state": result.post_state}


@router.post("/moderation/items/{item_id}/assign", responses=errors(403))
async def assign(item_id: IdPath, body: AssignIn, moderator: CurrentAccount, ctx: Ctx) -> dict[str, Any]:
    assignee = None
    if body.handle is not None:
        async with ctx.db.read() as connection:
            account = await account_store.account_by_handle(connection, body.handle)
        if account is None or not allowed(account.roles, Permission.VIEW_MODERATION_QUEUE):
            raise NotFound(f"no member of staff is called {body.handle!r}", code="not_staff")
        assignee = account.id
    await do_assign_item(ctx, moderator, _id(item_id, "item"), assignee)
    return {"item_id": item_id, "assigned_to": body.handle}


@router.post("/posts/{post_id}/reports", status_code=201, responses=errors(403, 429))
async def report(post_id: IdPath, body: ReportIn, reporter: CurrentAccount, ctx: Ctx) -> JSONResponse:
    filed = await do_report(ctx, reporter, _id(post_id, "post"), reason=body.reason, comment=body.comment)
    return JSONResponse({"id": str(filed.id), "item_id": str(filed.item_id)}, status_code=201, headers={
        "X-RateLimit-Limit": str(ctx.settings.reports_per_hour), "X-RateLimit-Remaining": str(filed.remaining)})


@router.post("/decisions/{decision_id}/appeals", status_code=201, responses=errors(403, 409))
async def appeal(decision_id: IdPath, body: AppealIn, appellant: CurrentAccount, ctx: Ctx) -> dict[str, Any]:
    filed = await do_appeal(ctx, appellant, _id(decision_id, "decision"), text=body.text)
    return {"id": str(filed.id), "item_id": str(filed.item_id), "state": "open"}


@router.get("/channels/{handle}/strikes", responses=errors(403))
async def channel_strikes(handle: HandlePath, viewer: CurrentAccount, ctx: Ctx) -> dict[str, Any]:
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
async def notifications(
    viewer: CurrentAccount, ctx: Ctx,
    cursor: Annotated[str | None, Query(json_schema_extra={"pattern": f"^({ID_PATTERN})?$"},
                                        description="next_cursor from the previous page")] = None,
    limit: Limit = DEFAULT_PAGE_SIZE,
) -> dict[str, Any]:
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
