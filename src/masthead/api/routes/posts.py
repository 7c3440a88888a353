"""Single posts and their decisions."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from masthead.api.deps import Ctx, CurrentAccount, OptionalAccount
from masthead.api.openapi import errors
from masthead.api.params import IdPath
from masthead.api.views import correction_view, decision_view, post_view
from masthead.domain.errors import Forbidden, NotFound
from masthead.domain.paging import parse_id
from masthead.services.decisions import (
    access_decision,
    decision_for_post,
    replay_decision,
)
from masthead.services.posts import access_post_by_id_text, do_record_reader
from masthead.services.provenance import known_reprints, provenance
from masthead.store.corrections import corrections_of_post
from masthead.verification.service import badges_for

router = APIRouter(tags=["posts"])


def _decision_id(text: str) -> int:
    found = parse_id(text)
    if found is None:
        raise NotFound(f"no decision {text!r} exists", code="decision_not_found")
    return found


@router.get("/posts/{post_id}")
async def get_post(post_id: IdPath, viewer: OptionalAccount, ctx: Ctx) -> dict[str, Any]:
    post = await access_post_by_id_text(ctx, viewer, post_id)
    if viewer is not None:
        await do_record_reader(ctx, post.id, viewer.id)
    async with ctx.db.read() as connection:
        badges = await badges_for(connection, [post.channel_id], ctx.clock.now())
        corrections = await corrections_of_post(connection, post.id)
    view = post_view(post, await decision_for_post(ctx, post.id), badges[post.channel_id])
    view["provenance"] = await provenance(ctx, post.id)
    view["corrections"] = [correction_view(correction) for correction in corrections]
    return view


@router.get("/posts/{post_id}/reprints")
async def reprints(post_id: IdPath, viewer: OptionalAccount, ctx: Ctx) -> dict[str, Any]:
    """Known copies of a post: declared reprints and copies the pipeline found and attributed."""
    post = await access_post_by_id_text(ctx, viewer, post_id)
    return {"post_id": str(post.id), "items": await known_reprints(ctx, post.id)}


@router.get("/decisions/{decision_id}")
async def get_decision(decision_id: IdPath, viewer: OptionalAccount, ctx: Ctx) -> dict[str, Any]:
    decision, private = await access_decision(ctx, viewer, _decision_id(decision_id))
    return decision_view(decision, private=private)


@router.get("/decisions/{decision_id}/replay", responses=errors(403, 409))
async def replay(decision_id: IdPath, viewer: CurrentAccount, ctx: Ctx) -> dict[str, Any]:
    """Decide the recorded facts again with the recorded policy: the outcome must not change."""
    decision, private = await access_decision(ctx, viewer, _decision_id(decision_id))
    if not private:
        raise Forbidden("only the post's channel and staff may replay its decision")
    verdict = await replay_decision(ctx, decision)
    return {"decision_id": str(decision.id), "recorded_outcome": decision.outcome,
            "replayed_outcome": verdict.outcome.value, "same": verdict.outcome.value == decision.outcome,
            "recorded_labels": decision.labels, "replayed_labels": verdict.labels,
            "policy": {"id": verdict.policy_id, "version": verdict.policy_version, "sha256": verdict.policy_sha256}}
