"""A queue item as staff review it, as one JSON-ready view (the API returns it and the console renders it): the
item, its subject as readers see it, the decision with its facts and rule trace,
copies found, the channel's record, every earlier event and the merged reports."""
from __future__ import annotations

from typing import Any

from masthead.api.views import decision_view, post_view
from masthead.context import Context
from masthead.domain.errors import NotFound
from masthead.domain.models import Account
from masthead.domain.moderation import ACTIONS_FOR_KIND, Action, ItemKind
from masthead.domain.permissions import Action as Permission
from masthead.domain.permissions import check_allowed
from masthead.policy.watch import configured_policy
from masthead.services.provenance import known_reprints
from masthead.store import cases
from masthead.store import credentials as credential_store
from masthead.store import decisions as decision_store
from masthead.store import moderation as store
from masthead.store import posts as post_store
from masthead.store.channels import channel_by_id
from masthead.store.decisions import DecisionRecord
from masthead.verification.service import badges_for

# The order the console offers them in: the usual outcome first, the heaviest last.
ACTION_ORDER = (Action.APPROVE, Action.DISMISS, Action.UPHOLD, Action.OVERTURN, Action.GRANT, Action.DENY,
                Action.LABEL, Action.LIMIT, Action.REFUTE, Action.REJECT, Action.REMOVE, Action.ESCALATE,
                Action.COMMENT)
DECIDING = frozenset(action.value for action in (Action.APPROVE, Action.REJECT, Action.LABEL, Action.LIMIT,
                                                 Action.REMOVE, Action.RESTORE, Action.UPHOLD, Action.OVERTURN))


def actions_for(kind: ItemKind) -> list[str]:
    fitting = ACTIONS_FOR_KIND[kind] | {Action.ESCALATE, Action.COMMENT}
    return [action.value for action in ACTION_ORDER if action in fitting]


def item_view(item: store.Item, assignee: str | None) -> dict[str, Any]:
    return {"id": str(item.id), "kind": item.kind.value, "review_state": item.review_state.value,
            "priority": item.priority, "severity": item.severity, "reach": item.reach,
            "automated_origin": item.automated_origin, "report_count": item.report_count,
            "post_id": None if item.post_id is None else str(item.post_id),
            "decision_id": None if item.decision_id is None else str(item.decision_id),
            "application_id": None if item.application_id is None else str(item.application_id),
            "assigned_to": assignee, "created_at": item.created_at.isoformat(),
            "updated_at": item.updated_at.isoformat()}


def _with_conditions(ctx: Context, decision: DecisionRecord) -> dict[str, Any]:
    """The decision's private view; each trace entry also says the rule's condition when the policy that decided
    is the one in force (older policies' conditions are in their recorded text, replayable by id)."""
    view = decision_view(decision, private=True)
    policy = configured_policy(ctx.settings.policy).current()
    conditions = {rule.id: rule.when for rule in policy.rules} if policy.sha256 == decision.policy_sha256 else {}
    view["trace"] = [{**entry, "when": conditions.get(entry.get("rule", ""))} for entry in decision.trace]
    view["scores"] = decision.facts.get("scores", {})
    return view


async def access_case(ctx: Context, viewer: Account, item_id: int) -> dict[str, Any]:
    check_allowed(viewer.roles, Permission.VIEW_MODERATION_QUEUE)
    now = ctx.clock.now()
    async with ctx.db.read() as connection:
        item = await store.item_by_id(connection, item_id)
        if item is None:
            raise NotFound(f"no moderation item {item_id}", code="item_not_found")
        case: dict[str, Any] = {"item": item_view(item, await cases.handle_of(connection, item.assigned_to)),
                                "actions": actions_for(item.kind), "post": None, "decision": None,
                                "application": None, "appeal": None, "copies": [], "channel": None,
                                "events": await cases.events_of_case(connection, item.id, item.post_id),
                                "reports": await cases.reports_of_item(connection, item.id)}
        if item.channel_id is not None:
            channel = await channel_by_id(connection, item.channel_id)
            assert channel is not None
            suspension = await store.suspension_until(connection, channel.id, now)
            case["channel"] = {
                "handle": channel.handle, "name": channel.name,
                "badges": (await badges_for(connection, [channel.id], now))[channel.id],
                "strikes": [{"reason": reason, "given_at": given.isoformat(), "expires_at": expires.isoformat()}
                            for reason, given, expires in await store.active_strikes(connection, channel.id, now)],
                "suspended_until": None if suspension is None else suspension[0].isoformat(),
                "suspension_reason": None if suspension is None else suspension[1]}
        decision = None
        if item.decision_id is not None:
            decision = await decision_store.decision_by_id(connection, item.decision_id)
        elif item.post_id is not None:
            decision = await decision_store.latest_decision_for_post(connection, item.post_id)
        if item.post_id is not None:
            post = await post_store.post_by_id(connection, item.post_id)
            assert post is not None
            badges = (await badges_for(connection, [post.channel_id], now))[post.channel_id]
            case["post"] = post_view(post, decision, badges)
        if decision is not None:
            case["decision"] = _with_conditions(ctx, decision)
        if item.kind is ItemKind.APPEAL and item.decision_id is not None:
            appeal = await cases.appeal_of_case(connection, item.decision_id)
            if appeal is not None:
                # The automated decision and what moderators made of it since: both are what the appeal contests.
                deciding = [event for event in case["events"] if event["action"] in DECIDING
                            and event["item_id"] != str(item.id)]
                case["appeal"] = {**appeal, "contests_decision": str(item.decision_id),
                                  "latest_action": deciding[-1] if deciding else None}
        if item.application_id is not None:
            application = await credential_store.application_by_id(connection, item.application_id)
            assert application is not None
            case["application"] = {
                "id": str(application.id), "channel": case["channel"]["handle"] if case["channel"] else None,
                "scopes": application.scopes, "state": application.state, "reason": application.reason,
                "evidence": application.evidence, "created_at": application.created_at.isoformat(),
                "files": await credential_store.files_of(connection, application.id)}
    if item.post_id is not None:
        case["copies"] = await known_reprints(ctx, item.post_id)
    return case
