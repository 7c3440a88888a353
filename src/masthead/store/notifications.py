"""Notices to accounts."""
from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from masthead.store.tables import notifications


@dataclass(frozen=True)
class Notification:
    id: int
    kind: str
    payload: dict[str, Any]
    created_at: datetime
    read_at: datetime | None


async def do_notify_txn(connection: AsyncConnection, account_id: int, kind: str, payload: dict[str, Any],
                        now: datetime) -> None:
    await notify_many_txn(connection, [account_id], kind, payload, now)


async def notify_many_txn(connection: AsyncConnection, account_ids: Iterable[int], kind: str,
                          payload: dict[str, Any], now: datetime) -> int:
    rows = [{"account_id": account_id, "kind": kind, "payload": payload, "created_at": now}
            for account_id in sorted(set(account_ids))]
    if rows:
        await connection.execute(notifications.insert(), rows)
    return len(rows)


async def notifications_for(connection: AsyncConnection, account_id: int, before_id: int | None,
                            limit: int) -> list[Notification]:
    query = sa.select(notifications).where(notifications.c.account_id == account_id)
    if before_id is not None:
        query = query.where(notifications.c.id < before_id)
    rows = await connection.execute(query.order_by(notifications.c.id.desc()).limit(limit))
    return [Notification(id=r.id, kind=r.kind, payload=dict(r.payload), created_at=r.created_at, read_at=r.read_at)
            for r in rows]


async def notifications_after(connection: AsyncConnection, account_id: int, after_id: int,
                              limit: int, *, until_id: int | None = None) -> list[Notification]:
    query = sa.select(notifications).where(notifications.c.account_id == account_id, notifications.c.id > after_id)
    if until_id is not None:
        query = query.where(notifications.c.id <= until_id)
    rows = await connection.execute(query.order_by(notifications.c.id).limit(limit))
    return [Notification(id=r.id, kind=r.kind, payload=dict(r.payload), created_at=r.created_at, read_at=r.read_at)
            for r in rows]


async def notifications_between(connection: AsyncConnection, after_id: int, until_id: int,
                                account_ids: Collection[int] | None, limit: int) -> list[tuple[int, Notification]]:
    """(account id, notice) for notices after `after_id` up to `until_id`, oldest first, to the given accounts
    (every account when None)."""
    query = sa.select(notifications).where(notifications.c.id > after_id, notifications.c.id <= until_id)
    if account_ids is not None:
        query = query.where(notifications.c.account_id.in_(list(account_ids)))
    rows = await connection.execute(query.order_by(notifications.c.id).limit(limit))
    return [(r.account_id, Notification(id=r.id, kind=r.kind, payload=dict(r.payload), created_at=r.created_at,
                                        read_at=r.read_at)) for r in rows]


async def newest_notification_id(connection: AsyncConnection) -> int:
    """The newest notice to anyone (0 when there is none)."""
    return int((await connection.execute(sa.select(sa.func.max(notifications.c.id)))).scalar() or 0)


async def latest_notification_id(connection: AsyncConnection, account_id: int) -> int:
    latest = (await connection.execute(sa.select(sa.func.max(notifications.c.id)).where(
        notifications.c.account_id == account_id))).scalar()
    return int(latest or 0)


async def unread_count(connection: AsyncConnection, account_id: int) -> int:
    count = (await connection.execute(sa.select(sa.func.count()).select_from(notifications).where(
        notifications.c.account_id == account_id, notifications.c.read_at.is_(None)))).scalar_one()
    return int(count)


async def mark_read_txn(connection: AsyncConnection, account_id: int, up_to_id: int, now: datetime) -> int:
    """Mark an account's notices up to and including up_to_id as read; returns how many changed."""
    result = await connection.execute(notifications.update().where(
        notifications.c.account_id == account_id, notifications.c.id <= up_to_id,
        notifications.c.read_at.is_(None)).values(read_at=now))
    return int(result.rowcount or 0)
