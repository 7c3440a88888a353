"""Reading decisions: the author and staff see everything, others only the public part."""
from __future__ import annotations

from masthead.context import Context
from masthead.domain.errors import NotFound
from masthead.domain.models import Account
from masthead.domain.permissions import Action, allowed
from masthead.services.posts import access_post
from masthead.store import channels as channel_store
from masthead.store import decisions as store
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
