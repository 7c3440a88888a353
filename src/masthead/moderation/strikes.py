"""Strikes with expiry, and the threshold that suspends a channel's publishing, both set by the policy in force."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from masthead.policy.evaluate import Policy
from masthead.store import moderation as store
from masthead.store.notifications import do_notify_txn


async def do_strike_txn(connection: AsyncConnection, policy: Policy, *, channel_id: int, owner_id: int,
                        post_id: int | None, reason: str, now: datetime) -> datetime | None:
    """Record a strike; suspend publishing when the channel reaches the policy's threshold. The suspension's end,
    if any."""
    rules = policy.strikes
    expires = now + timedelta(days=rules.expire_after_days)
    await store.insert_strike_txn(connection, channel_id=channel_id, post_id=post_id, reason=reason, now=now,
                                  expires_at=expires)
    window_start = now - timedelta(days=rules.within_days)
    recent = await store.active_strikes(connection, channel_id, now, since=window_start)
    under = f"policy {policy.id} v{policy.version}"
    await do_notify_txn(connection, owner_id, "strike", {
        "reason": reason, "expires_at": expires.isoformat(), "strikes_in_window": len(recent),
        "threshold": rules.threshold, "window_days": rules.within_days, "policy": under}, now)
    if len(recent) < rules.threshold or await store.suspension_until(connection, channel_id, now):
        return None
    ends = now + timedelta(days=rules.suspend_days)
    why = (f"{len(recent)} strikes within {rules.within_days} days; under {under}, publishing is suspended for "
           f"{rules.suspend_days} days")
    await store.insert_suspension_txn(connection, channel_id, why, now, ends)
    await do_notify_txn(connection, owner_id, "suspension", {"reason": why, "ends_at": ends.isoformat()}, now)
    return ends
