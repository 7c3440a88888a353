"""Where a post came from and where it went: the chain back to the original, and the known copies."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from masthead.context import Context
from masthead.store import reprints as store
from masthead.store.tables import channels
from masthead.verification.service import badges_for


async def _described(ctx: Context, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    async with ctx.db.read() as connection:
        handles = dict((await connection.execute(sa.select(channels.c.id, channels.c.handle).where(
            channels.c.id.in_(sorted({e["channel_id"] for e in entries}))))).all())
        described = []
        for entry in entries:
            # The badges each channel held when that post was written.
            badges = await badges_for(connection, [entry["channel_id"]], entry["created_at"])
            described.append({
                "id": str(entry["id"]), "channel": handles.get(entry["channel_id"]), "title": entry["title"],
                "state": entry["state"], "created_at": entry["created_at"].isoformat(),
                "detected": bool(entry["reprint_detected"]), "similarity": entry["reprint_similarity"],
                "badges": badges[entry["channel_id"]]})
    return described


async def provenance(ctx: Context, post_id: int) -> list[dict[str, Any]]:
    async with ctx.db.read() as connection:
        chain = await store.chain_to_original(connection, post_id)
    return await _described(ctx, chain) if len(chain) > 1 else []


async def known_reprints(ctx: Context, post_id: int) -> list[dict[str, Any]]:
    async with ctx.db.read() as connection:
        copies = await store.reprints_of(connection, post_id)
    return await _described(ctx, copies) if copies else []
