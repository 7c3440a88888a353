"""Reading corrections: those of a refuted post, and those that reached a post as a known copy of one."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from masthead.domain.moderation import Action
from masthead.store.tables import corrections, moderation_events


@dataclass(frozen=True)
class Correction:
    id: int
    # The post moderators refuted; another post when the correction reached this one as its copy.
    refuted_post_id: int
    text: str
    link: str | None
    created_at: datetime


async def corrections_of_post(connection: AsyncConnection, post_id: int) -> list[Correction]:
    """Newest first. A copy's refute event names the correction (do_correct_txn), so copies show it too."""
    payloads = await connection.execute(sa.select(moderation_events.c.payload).where(
        moderation_events.c.post_id == post_id, moderation_events.c.action == Action.REFUTE.value))
    via_copies = sorted({int(p["correction_id"]) for p in payloads.scalars() if p.get("correction_id") is not None})
    rows = await connection.execute(sa.select(corrections).where(
        sa.or_(corrections.c.post_id == post_id, corrections.c.id.in_(via_copies)))
        .order_by(corrections.c.id.desc()))
    return [Correction(id=r.id, refuted_post_id=r.post_id, text=r.text, link=r.link, created_at=r.created_at)
            for r in rows]
