"""Strikes with expiry, and the threshold that suspends a channel's publishing."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from masthead.settings import Settings
from masthead.store import moderation as store
from masthead.store.notifications import do_notify_txn


async def do_strike_txn(connection: AsyncConnection, settings: Settings, *, channel_id: int, owner_id: int,
                        post_id: int | None, reason: str, now: datetime) -> datetime | None:
    """Record a strike; suspend publishing when the channel reaches the threshold. The suspension's end, if any."""
    expires = now + timedelta(days=settings.strike_expiry_days)
    await store.insert_strike_txn(connection, channel_id=channel_id, post_id=post_id, reason=reason, now=now,
                                  expires_at=expires)
    window_start = now - timedelta(days=settings.strike_window_days)
    recent = await store.active_strikes(connection, channel_id, now, since=window_start)
    await do_notify_txn(connection, owner_id, "strike", {
        "reason": reason, "expires_at": expires.isoformat(), "strikes_in_window": len(recent),
        "threshold": settings.strike_threshold, "window_days": settings.strike_window_days}, now)
    if len(recent) < settings.strike_threshold or await store.suspension_until(connection, channel_id, now):
        return None
    ends = now + timedelta(days=settings.suspension_days)
    why = (f"{len(recent)} strikes within {settings.strike_window_days} days; publishing is suspended for "
           f"{settings.suspension_days} days")
    await store.insert_suspension_txn(connection, channel_id, why, now, ends)
    await do_notify_txn(connection, owner_id, "suspension", {"reason": why, "ends_at": ends.isoformat()}, now)
    return ends
