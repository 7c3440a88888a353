"""The decision stage: the policy in force turns each post's facts into a verdict."""
from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path

from masthead.context import Context
from masthead.domain.posts import Outcome
from masthead.pipeline.stages import PostWork
from masthead.policy import PACK_NAMES, Policy, PolicyHolder, Verdict, resolve_policy
from masthead.store import policies as store

log = logging.getLogger(__name__)


class PolicyDecide:
    """Decides a batch with one policy version. Posts are judged as of their own time (credentials and
    campaigns at the moment of posting), which is what makes a decision replayable from its record."""

    name = "decide"

    def __init__(self, ctx: Context, holder: PolicyHolder) -> None:
        self.ctx = ctx
        self.holder = holder
        self._watched = _policy_file(ctx.settings.policy)
        self._mtime = self._watched.stat().st_mtime if self._watched else 0.0
        self._recorded: set[str] = set()

    async def run(self, batch: Sequence[PostWork]) -> None:
        self._reload_if_changed()
        policy = self.holder.current
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

    def _reload_if_changed(self) -> None:
        """A changed policy file is compiled and tested first; a broken one never replaces the working one."""
        if self._watched is None:
            return
        try:
            mtime = self._watched.stat().st_mtime
        except OSError as exc:
            log.error("policy file %s unreadable (%s); keeping the policy in force", self._watched, exc)
            return
        if mtime == self._mtime:
            return
        self._mtime = mtime
        result = self.holder.reload(self._watched)
        (log.info if result.ok else log.error)("policy reload from %s: %s", self._watched, result)

    async def _record_text(self, policy: Policy) -> None:
        if policy.sha256 in self._recorded:
            return
        async with self.ctx.db.write() as connection:
            await store.record_policy_text_txn(connection, policy, self.ctx.clock.now())
        self._recorded.add(policy.sha256)

    async def _actions_today(self, campaign_ids: list[str], day: date) -> dict[str, int]:
        async with self.ctx.db.read() as connection:
            return await store.campaign_actions_on(connection, campaign_ids, day)


def _policy_file(spec: str) -> Path | None:
    return None if spec in PACK_NAMES else Path(spec)


def load_policy_holder(ctx: Context) -> PolicyHolder:
    return PolicyHolder(resolve_policy(ctx.settings.policy))


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
