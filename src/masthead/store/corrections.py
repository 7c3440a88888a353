"""The corrections a reader of a post sees: those made on the post and those that reached it as a copy."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from masthead.domain.moderation import Action
from masthead.store.tables import corrections, moderation_events


async def corrections_of_post(connection: AsyncConnection, post_id: int) -> list[dict[str, Any]]:
    reached = await connection.execute(sa.select(moderation_events.c.payload).where(
        moderation_events.c.post_id == post_id, moderation_events.c.action == Action.REFUTE.value,
        moderation_events.c.item_id.is_(None)))
    copied = {int(payload["correction_id"]) for payload in reached.scalars() if payload.get("correction_id")}
    rows = await connection.execute(sa.select(corrections).where(
        sa.or_(corrections.c.post_id == post_id, corrections.c.id.in_(sorted(copied))))
        .order_by(corrections.c.id))
    return [{"id": str(row.id), "post_id": str(row.post_id), "text": row.text, "link": row.link,
             "created_at": row.created_at, "of_original": row.post_id != post_id} for row in rows]
