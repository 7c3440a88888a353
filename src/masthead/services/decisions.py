"""Reading decisions: the author and staff see everything, others only the public part."""
from __future__ import annotations

from masthead.context import Context
from masthead.domain.errors import Conflict, NotFound
from masthead.domain.models import Account
from masthead.domain.permissions import Action, allowed
from masthead.policy import Verdict, load_policy_text
from masthead.services.posts import access_post
from masthead.store import channels as channel_store
from masthead.store import decisions as store
from masthead.store import policies as policy_store
from masthead.store.decisions import DecisionRecord


async def access_decision(ctx: Context, viewer: Account | None, decision_id: int) -> tuple[DecisionRecord, bool]:
    """The decision and whether the viewer may see its private part (facts and trace)."""
    async with ctx.db.read() as connection:
        decision = await store.decision_by_id(connection, decision_id)
    if decision is None:
        raise NotFound(f"no decision {decision_id} exists", code="decision_not_found")
    post = await access_post(ctx, viewer, decision.post_id)
    private = False
    if viewer is not None:
        async with ctx.db.read() as connection:
            private = allowed(viewer.roles, Action.VIEW_DECISION_PRIVATE) or (
                await channel_store.member_role(connection, post.channel_id, viewer.id) is not None)
    return decision, private


async def decision_for_post(ctx: Context, post_id: int) -> DecisionRecord | None:
    async with ctx.db.read() as connection:
        return await store.latest_decision_for_post(connection, post_id)


async def replay_decision(ctx: Context, decision: DecisionRecord) -> Verdict:
    """Decide the recorded facts again with the exact policy text that decided them."""
    async with ctx.db.read() as connection:
        found = await policy_store.policy_text(connection, decision.policy_sha256)
    if found is None:
        raise Conflict(f"the policy that made decision {decision.id} ({decision.policy_id} v{decision.policy_version}) "
                       "is not on record, so it cannot be replayed", code="policy_not_recorded")
    text, source_name = found
    policy = load_policy_text(text, source_name)
    return policy.decide(
        decision.facts, decision.decided_for, puid=str(decision.post_id),
        language=decision.facts.get("post", {}).get("lang"), application_date=decision.created_at.date(),
        actions_today=decision.versions.get("campaign_actions_today", {}))
