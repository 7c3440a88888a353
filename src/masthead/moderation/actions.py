"""Deciding queue items. Each action authorises, records an event, changes derived state, then queues its
side effects (notices, strikes, corrections, the audit entry), in that order and in one transaction."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from masthead.context import Context
from masthead.domain.errors import Conflict, Forbidden, NotFound, Unprocessable
from masthead.domain.models import Account
from masthead.domain.moderation import (
    NEEDS_REASON,
    RESTRICTING,
    Action,
    ItemKind,
    ReportReason,
    ReviewState,
    derive_review_state,
    parse_action,
)
from masthead.domain.permissions import Action as Permission
from masthead.domain.permissions import check_allowed
from masthead.moderation.corrections import do_correct_txn
from masthead.moderation.participation import REPORT_SEVERITY
from masthead.moderation.private_reports import notify_message_reporters_txn
from masthead.moderation.status import refresh_post_status_txn
from masthead.moderation.strikes import do_strike_txn
from masthead.policy.watch import configured_policy
from masthead.store import moderation as store
from masthead.store.audit import append_audit_txn
from masthead.store.channels import member_role
from masthead.store.notifications import do_notify_txn, notify_many_txn
from masthead.store.tables import channel_members, decisions, posts
from masthead.verification.service import do_deny, do_grant
from masthead.transparency.statements import CATEGORY_OF_REPORT, VISIBILITY, moderator_statement

# Restricting actions need a moderator; triage may dismiss, label, escalate and comment on reports.
_PERMISSION = {ItemKind.HELD: Permission.RESOLVE_HELD_POST, ItemKind.APPEAL: Permission.DECIDE_APPEAL,
               ItemKind.APPLICATION: Permission.DECIDE_CREDENTIAL, ItemKind.MESSAGE: Permission.RESOLVE_REPORT}
_MODERATOR_ONLY = frozenset({Action.REJECT, Action.REMOVE, Action.LIMIT, Action.REFUTE})
_STRIKING = frozenset({Action.REJECT, Action.REMOVE})


@dataclass(frozen=True)
class Resolution:
    item_id: int
    review_state: ReviewState
    post_state: str | None
    published: bool


async def do_resolve_item(
    ctx: Context, moderator: Account, item_id: int, *, action: str, reason: str, labels: list[str] | None = None,
    correction_link: str | None = None,
) -> Resolution:
    now = ctx.clock.now()
    async with ctx.db.read() as connection:
        peek = await store.item_by_id(connection, item_id)
    if peek is not None and peek.kind is ItemKind.APPLICATION and peek.application_id is not None \
            and action in (Action.GRANT.value, Action.DENY.value):
        if action == Action.GRANT.value:
            await do_grant(ctx, moderator, peek.application_id)
        else:
            await do_deny(ctx, moderator, peek.application_id, reason)
        return Resolution(peek.id, ReviewState.CLOSED, None, False)
    async with ctx.db.write() as connection:
        item = await store.item_by_id(connection, item_id, for_update=True)
        if item is None:
            raise NotFound(f"no moderation item {item_id}", code="item_not_found")
        chosen = parse_action(action, item.kind)
        check_action_permission(moderator, item.kind, chosen)
        if item.review_state is ReviewState.CLOSED:
            raise Conflict(f"item {item_id} is already closed", code="item_closed")
        if chosen in NEEDS_REASON and not reason.strip():
            raise Unprocessable(f"'{chosen.value}' needs a reason: it is shown to the author", code="reason_required")
        if chosen is Action.LABEL and not labels:
            raise Unprocessable("'label' needs labels, e.g. {\"labels\": [\"unverified source\"]}",
                                code="labels_required")
        await _check_impartial(connection, moderator, item)
        payload: dict[str, object] = {"labels": labels or []}
        if chosen in VISIBILITY and item.post_id is not None:
            payload["statement"] = await _statement_txn(connection, item, chosen, reason, now)
        if chosen is Action.OVERTURN and item.decision_id is not None:
            payload["labels"] = list((await connection.execute(sa.select(decisions.c.labels).where(
                decisions.c.id == item.decision_id))).scalar_one())
        await store.append_event_txn(connection, item_id=item.id, post_id=item.post_id, actor_id=moderator.id,
                                     action=chosen, reason=reason, payload=payload, now=now)
        review_state = derive_review_state(await store.item_actions(connection, item.id))
        await store.set_review_state_txn(connection, item, review_state, now)
        published = False
        post_state = None
        if item.post_id is not None and chosen not in (Action.COMMENT, Action.ESCALATE):
            published = await refresh_post_status_txn(connection, item.post_id, now)
            post_state = (await connection.execute(sa.select(posts.c.state).where(
                posts.c.id == item.post_id))).scalar_one()
            await _side_effects_txn(ctx, connection, moderator, item, chosen, reason, correction_link)
        if item.kind is ItemKind.MESSAGE and chosen not in (Action.COMMENT, Action.ESCALATE):
            await notify_message_reporters_txn(connection, item.id, chosen.value, reason, now)
        await append_audit_txn(connection, actor=f"account:{moderator.handle}", action=f"moderation.{chosen.value}",
                               subject=f"item:{item.id}", payload={"post_id": item.post_id, "reason": reason,
                                                                   "labels": labels or []}, now=now)
    return Resolution(item.id, review_state, post_state, published)


async def _statement_txn(connection: AsyncConnection, item: store.Item, action: Action, reason: str,
                         now: datetime) -> dict[str, object]:
    assert item.post_id is not None
    lang = (await connection.execute(sa.select(posts.c.lang).where(posts.c.id == item.post_id))).scalar()
    category = "STATEMENT_CATEGORY_OTHER_VIOLATION_TC"
    if item.kind is ItemKind.REPORT:
        reasons = await store.report_reasons(connection, item.id)
        worst = max(reasons, key=lambda r: REPORT_SEVERITY[r], default=None)
        category = CATEGORY_OF_REPORT[ReportReason(worst)] if worst else category
    elif item.decision_id is not None:
        recorded = (await connection.execute(sa.select(decisions.c.statement).where(
            decisions.c.id == item.decision_id))).scalar()
        category = (recorded or {}).get("category", category)
    return moderator_statement(action, reason, category=category, automated_detection=item.kind is ItemKind.HELD,
                               from_notice=item.kind is ItemKind.REPORT, language=lang, puid=str(item.post_id),
                               today=now.date())


def check_action_permission(moderator: Account, kind: ItemKind, action: Action) -> None:
    if kind is ItemKind.REPORT:
        check_allowed(moderator.roles, Permission.RESOLVE_HELD_POST if action in _MODERATOR_ONLY
                      else Permission.RESOLVE_REPORT)
    else:
        check_allowed(moderator.roles, _PERMISSION[kind])


async def _check_impartial(connection: AsyncConnection, moderator: Account, item: store.Item) -> None:
    if item.channel_id is not None and await member_role(connection, item.channel_id, moderator.id) is not None:
        raise Forbidden("you may not review posts of a channel you own or write for", code="own_channel")
    if item.kind is ItemKind.APPEAL and item.post_id is not None and \
            moderator.id in await store.resolvers_of_post(connection, item.post_id, exclude_item=item.id):
        raise Forbidden("an appeal is decided by someone other than the moderator who made the decision",
                        code="own_decision")


async def _side_effects_txn(ctx: Context, connection: AsyncConnection, moderator: Account, item: store.Item,
                            action: Action, reason: str, correction_link: str | None) -> None:
    assert item.post_id is not None
    now = ctx.clock.now()
    author, channel_id = (await connection.execute(sa.select(posts.c.author_id, posts.c.channel_id).where(
        posts.c.id == item.post_id))).one()
    owner = (await connection.execute(sa.select(channel_members.c.account_id).where(
        channel_members.c.channel_id == channel_id, channel_members.c.role == "owner"))).scalar_one()
    notice = {"post_id": str(item.post_id), "action": action.value, "reason": reason, "item_id": str(item.id)}
    if item.decision_id is not None and action in RESTRICTING:
        notice["appeal"] = f"You may appeal: POST /api/v1/decisions/{item.decision_id}/appeals"
    if action not in (Action.DISMISS,):
        await do_notify_txn(connection, author, "moderation", notice, now)
    if item.kind is ItemKind.REPORT:
        await notify_many_txn(connection, await store.reporters_of_item(connection, item.id), "report_outcome",
                              {"post_id": str(item.post_id), "outcome": action.value, "reason": reason}, now)
    if action in _STRIKING:
        await do_strike_txn(connection, configured_policy(ctx.settings.policy).current(), channel_id=channel_id, owner_id=owner, post_id=item.post_id,
                            reason=f"{action.value}: {reason}", now=now)
    if action is Action.REFUTE:
        await do_correct_txn(connection, post_id=item.post_id, moderator_id=moderator.id, text=reason,
                             link=correction_link, now=now)
    if item.kind is ItemKind.APPEAL:
        appeal = await store.appeal_of_item(connection, item.id)
        if appeal is not None:
            await store.set_appeal_outcome_txn(connection, appeal[0], action.value)
            if action is Action.OVERTURN:
                await store.void_strikes_for_post_txn(connection, item.post_id, now)
            await do_notify_txn(connection, appeal[1], "appeal_outcome",
                                {"post_id": str(item.post_id), "outcome": action.value, "reason": reason}, now)


async def do_assign_item(ctx: Context, moderator: Account, item_id: int, assignee_id: int | None) -> None:
    check_allowed(moderator.roles, Permission.VIEW_MODERATION_QUEUE)
    async with ctx.db.write() as connection:
        item = await store.item_by_id(connection, item_id, for_update=True)
        if item is None:
            raise NotFound(f"no moderation item {item_id}", code="item_not_found")
        await store.update_item_txn(connection, item_id, ctx.clock.now(), assigned_to=assignee_id)
        await append_audit_txn(connection, actor=f"account:{moderator.handle}", action="moderation.assign",
                               subject=f"item:{item_id}", payload={"assignee": assignee_id}, now=ctx.clock.now())
