"""Policy texts by hash (for replay) and campaign action counts (for daily caps)."""
from __future__ import annotations

import hashlib
import logging
from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from masthead.policy import Policy
from masthead.policy.packs import pack_text
from masthead.store.dialect import insert_ignoring_conflicts, upsert_add
from masthead.store.tables import campaign_actions, policy_texts

log = logging.getLogger(__name__)
PACK_PREFIX = "pack:"


def source_text(policy: Policy) -> str | None:
    """The exact text the policy was compiled from, or None when its file has changed since."""
    if policy.source_name.startswith(PACK_PREFIX):
        text = pack_text(policy.source_name.removeprefix(PACK_PREFIX))
    else:
        try:
            text = Path(policy.source_name).read_text(encoding="utf-8")
        except OSError:
            return None
    return text if hashlib.sha256(text.encode()).hexdigest() == policy.sha256 else None


async def record_policy_text_txn(connection: AsyncConnection, policy: Policy, now: datetime) -> None:
    text = source_text(policy)
    if text is None:
        log.warning("policy %s v%s changed on disk after loading; its text is not recorded for replay",
                    policy.id, policy.version)
        return
    await connection.execute(insert_ignoring_conflicts(connection, policy_texts).values(
        sha256=policy.sha256, policy_id=policy.id, version=policy.version, source_name=policy.source_name,
        text=text, first_used_at=now))


async def policy_text(connection: AsyncConnection, sha256: str) -> tuple[str, str] | None:
    """(text, source name) of a policy that decided something."""
    row = (await connection.execute(
        sa.select(policy_texts.c.text, policy_texts.c.source_name).where(policy_texts.c.sha256 == sha256))).first()
    return None if row is None else (row.text, row.source_name)


async def campaign_actions_on(connection: AsyncConnection, campaign_ids: Iterable[str], day: date) -> dict[str, int]:
    rows = await connection.execute(sa.select(campaign_actions.c.campaign_id, campaign_actions.c.count).where(
        campaign_actions.c.campaign_id.in_(list(campaign_ids)), campaign_actions.c.day == day))
    return {campaign_id: count for campaign_id, count in rows}


async def add_campaign_actions_txn(connection: AsyncConnection, counts: Counter[str], day: date) -> None:
    for campaign_id, count in counts.items():
        await connection.execute(upsert_add(connection, campaign_actions, ["campaign_id", "day"], "count").values(
            campaign_id=campaign_id, day=day, count=count))
