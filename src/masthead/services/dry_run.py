"""A dry run of publishing: what the policy would decide about a draft, and why, with nothing stored.

The draft goes through the worker's own stages (language, classifiers, author facts, the reprint check against
the shared index, the policy in force), as a post made at this moment would. No post, index entry, audit entry,
decision or counter is written."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from masthead.context import Context
from masthead.domain.models import Account
from masthead.domain.posts import Outcome, PostState
from masthead.pipeline.assembly import build_stages
from masthead.pipeline.stages import PostWork
from masthead.services.channels import access_channel
from masthead.services.posts import Draft, check_may_publish_txn
from masthead.store.pipeline import ClaimedPost

# The draft is not a post and has no id. It stands after every stored post, as the post it would become does:
# the reprint check only counts earlier posts as originals.
_DRAFT_POST_ID = 2**63 - 1


@dataclass(frozen=True)
class DryRun:
    outcome: Outcome
    labels: list[str]
    rules: list[str]
    trace: list[dict[str, Any]]
    explanation: str
    statement: dict[str, Any] | None
    facts: dict[str, Any]
    versions: dict[str, Any]
    # The post this one copies: declared, or found in the reprint index (then `detected`).
    reprint_of: int | None
    detected: bool

    @property
    def state(self) -> PostState:
        return self.outcome.state


async def access_dry_run(ctx: Context, account: Account, handle: str, draft: Draft) -> DryRun:
    """Decide the draft as the pipeline would now; only the channel's owner and authors may ask."""
    channel = await access_channel(ctx, handle)
    async with ctx.db.read() as connection:
        await check_may_publish_txn(connection, ctx, account, channel, draft)
    work = PostWork(post=ClaimedPost(
        post_id=_DRAFT_POST_ID, attempts=1, channel_id=channel.id, author_id=account.id, title=draft.title,
        body=draft.body, reprint_of=draft.reprint_of, source_url=draft.source_url, original=draft.original,
        created_at=ctx.clock.now()))
    for stage in build_stages(ctx, dry_run=True):
        await stage.run([work])
    verdict = work.verdict
    assert verdict is not None
    statement = None if verdict.statement is None else {**verdict.statement, "puid": None}
    return DryRun(outcome=verdict.outcome, labels=verdict.labels, rules=verdict.rules, trace=verdict.trace,
                  explanation=verdict.explanation, statement=statement, facts=work.facts,
                  versions={**work.versions, "policy": {"id": verdict.policy_id, "version": verdict.policy_version,
                                                        "sha256": verdict.policy_sha256}},
                  reprint_of=work.detected_original[0] if work.detected_original else draft.reprint_of,
                  detected=work.detected_original is not None)
