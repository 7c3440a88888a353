"""What any signed-in account may start: a report of a post, and an appeal of a decision about its own post."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa

from masthead.context import Context
from masthead.domain.errors import Conflict, Forbidden, NotFound, RateLimited, Unprocessable
from masthead.domain.models import Account
from masthead.domain.moderation import ItemKind, parse_report_reason
from masthead.domain.permissions import Action as Permission
from masthead.domain.permissions import check_allowed
from masthead.domain.posts import PostState
from masthead.moderation.recording import item_priority
from masthead.services.posts import access_post
from masthead.store import moderation as store
from masthead.store.audit import append_audit_txn
from masthead.store.channels import member_role, subscriber_count
from masthead.store.decisions import decision_by_id
from masthead.store.tables import moderation_events

MAX_COMMENT = 5000
REPORT_SEVERITY = {"illegal": 4, "terrorism": 5, "sexual": 3, "violence": 3, "hate": 3, "rumour": 2, "spam": 1,
                   "impersonation": 2, "other": 1}


@dataclass(frozen=True)
class Filed:
    id: int
    item_id: int
    remaining: int


async def do_report(ctx: Context, reporter: Account, post_id: int, *, reason: str, comment: str) -> Filed:
    check_allowed(reporter.roles, Permission.REPORT_POST)
    why = parse_report_reason(reason)
    if len(comment) > MAX_COMMENT:
        raise Unprocessable(f"comment must be at most {MAX_COMMENT} characters", code="invalid_comment")
    post = await access_post(ctx, reporter, post_id)
    now = ctx.clock.now()
    limit = ctx.settings.reports_per_hour
    async with ctx.db.write() as connection:
        recent = await store.reports_since(connection, reporter.id, now - timedelta(hours=1))
        if recent >= limit:
            raise RateLimited(f"you have sent {recent} reports in the last hour; the limit is {limit}",
                              limit=limit, reset_at=now + timedelta(hours=1), retry_after=3600)
        item = await store.open_item_for_post(connection, post.id, ItemKind.REPORT)
        severity = REPORT_SEVERITY[why.value]
        reach = await subscriber_count(connection, post.channel_id)
        if item is None:
            [item_id] = await store.insert_items_txn(connection, [{
                "kind": ItemKind.REPORT.value, "post_id": post.id, "channel_id": post.channel_id,
                "decision_id": None, "priority": item_priority(severity, reach), "severity": severity,
                "reach": reach, "automated_origin": False}], now)
        else:
            item_id = item.id
            if severity > item.severity:
                await store.update_item_txn(connection, item_id, now, severity=severity,
                                            priority=item_priority(severity, reach))
        report_id = await store.insert_report_txn(connection, post_id=post.id, reporter_id=reporter.id,
                                                  item_id=item_id, reason=why.value, comment=comment, now=now)
        await append_audit_txn(connection, actor=f"account:{reporter.handle}", action="report.file",
                               subject=f"post:{post.id}", payload={"reason": why.value, "item_id": item_id}, now=now)
    return Filed(report_id, item_id, limit - recent - 1)


async def do_appeal(ctx: Context, appellant: Account, decision_id: int, *, text: str) -> Filed:
    if not text.strip():
        raise Unprocessable("say why the decision is wrong: text must not be empty", code="invalid_text")
    now = ctx.clock.now()
    async with ctx.db.write() as connection:
        decision = await decision_by_id(connection, decision_id)
        if decision is None:
            raise NotFound(f"no decision {decision_id} exists", code="decision_not_found")
        post = await access_post(ctx, appellant, decision.post_id)
        if await member_role(connection, post.channel_id, appellant.id) is None:
            raise Forbidden("only the post's channel may appeal a decision about it", code="not_your_post")
        if post.state is PostState.PUBLISHED and not post.labels:
            raise Conflict("this post is not restricted; there is nothing to appeal", code="not_restricted")
        last_action = (await connection.execute(sa.select(sa.func.max(moderation_events.c.created_at)).where(
            moderation_events.c.post_id == post.id))).scalar()
        since = max(decision.created_at, last_action or decision.created_at)
        window = timedelta(days=ctx.settings.appeal_window_days)
        if now > since + window:
            raise Conflict(f"the {ctx.settings.appeal_window_days}-day window to appeal closed on "
                           f"{(since + window).date().isoformat()}", code="appeal_window_closed")
        if await store.appeal_for_decision(connection, decision_id) is not None:
            raise Conflict("this decision has already been appealed; each decision may be appealed once",
                           code="already_appealed")
        automated = not await store.resolvers_of_post(connection, post.id)
        reach = await subscriber_count(connection, post.channel_id)
        [item_id] = await store.insert_items_txn(connection, [{
            "kind": ItemKind.APPEAL.value, "post_id": post.id, "channel_id": post.channel_id,
            "decision_id": decision_id, "priority": item_priority(2, reach, automated_appeal=automated),
            "severity": 2, "reach": reach, "automated_origin": automated}], now)
        appeal_id = await store.insert_appeal_txn(connection, decision_id=decision_id, appellant_id=appellant.id,
                                                  item_id=item_id, text=text, now=now)
        await append_audit_txn(connection, actor=f"account:{appellant.handle}", action="appeal.file",
                               subject=f"decision:{decision_id}", payload={"item_id": item_id}, now=now)
    return Filed(appeal_id, item_id, 0)
