"""The decision stage: the policy in force turns each post's facts into a verdict."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from masthead.context import Context
from masthead.domain.posts import Outcome
from masthead.pipeline.stages import PostWork
from masthead.policy import Policy, PolicyHolder, Verdict
from masthead.policy.watch import WatchedPolicy, configured_policy
from masthead.store import policies as store


class PolicyDecide:
    """Decides a batch with one policy version. Posts are judged as of their own time (credentials and
    campaigns at the moment of posting), which is what makes a decision replayable from its record."""

    name = "decide"

    def __init__(self, ctx: Context, holder: PolicyHolder | None = None, *, record_text: bool = True) -> None:
        """Without a holder, the process's configured policy (shared with moderation's strike rules). A dry run
        (record_text=False) writes nothing: a decision that is never stored needs no policy text on record."""
        self.ctx = ctx
        self.record_text = record_text
        self.policy = configured_policy(ctx.settings.policy) if holder is None else WatchedPolicy(
            ctx.settings.policy, holder)
        self._recorded: set[str] = set()

    async def run(self, batch: Sequence[PostWork]) -> None:
        policy = self.policy.current()
        if self.record_text:
            await self._record_text(policy)
        today = self.ctx.clock.now().date()
        capped = [c.id for c in policy.campaigns if c.daily_cap is not None]
        actions_today = await self._actions_today(capped, today) if capped else {}
        for work in batch:
            if capped:
                # Recorded so that a replay sees the caps exactly as this decision did.
                work.versions["campaign_actions_today"] = {c: actions_today.get(c, 0) for c in capped}
            verdict = policy.decide(
                work.facts, work.post.created_at, puid=str(work.post.post_id),
                language=work.facts.get("post", {}).get("lang"), application_date=today, actions_today=actions_today)
            for campaign_id in verdict.campaign_actions:
                actions_today[campaign_id] = actions_today.get(campaign_id, 0) + 1
            work.verdict = verdict
            work.versions["policy"] = {"id": policy.id, "version": policy.version, "sha256": policy.sha256}

    async def _record_text(self, policy: Policy) -> None:
        if policy.sha256 in self._recorded:
            return
        async with self.ctx.db.write() as connection:
            await store.record_policy_text_txn(connection, policy, self.ctx.clock.now())
        self._recorded.add(policy.sha256)

    async def _actions_today(self, campaign_ids: list[str], day: date) -> dict[str, int]:
        async with self.ctx.db.read() as connection:
            return await store.campaign_actions_on(connection, campaign_ids, day)


def pipeline_error_verdict(error: str, attempts: int, now: datetime) -> Verdict:
    """Held for people when analysis keeps failing, so that every accepted post still gets one decision."""
    return Verdict(
        outcome=Outcome.HOLD, labels=[], policy_id="pipeline", policy_version=1, policy_sha256="", at=now,
        trace=[{"rule": "pipeline-error", "outcome": Outcome.HOLD.value, "mode": "live", "error": error,
                "attempts": attempts, "enforced": True}],
        rules=["pipeline-error"],
        explanation="Our automatic checks could not assess this post; it is held until a moderator reviews it.",
        statement=None, restriction_ends_at=None, campaign_actions=[],
    )
