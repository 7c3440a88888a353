"""Channels, their members and subscriptions."""
from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from masthead.domain.models import Channel, ChannelMember
from masthead.domain.permissions import ChannelRole
from masthead.store.dialect import insert_ignoring_conflicts
from masthead.store.tables import accounts, channel_members, channels, subscription_periods, subscriptions

_CHANNEL_COLUMNS = (channels.c.id, channels.c.handle, channels.c.name, channels.c.description, channels.c.created_at)


def _channel(row: Any) -> Channel:
    return Channel(id=row.id, handle=row.handle, name=row.name, description=row.description, created_at=row.created_at)


async def insert_channel_txn(
    connection: AsyncConnection, *, handle: str, name: str, description: str, owner_id: int, now: datetime
) -> int | None:
    """The new channel's id, or None when the handle is taken."""
    if (await connection.execute(sa.select(channels.c.id).where(channels.c.handle == handle))).first():
        return None
    channel_id: int = (await connection.execute(
        channels.insert().values(handle=handle, name=name, description=description, created_at=now, updated_at=now)
        .returning(channels.c.id)
    )).scalar_one()
    await connection.execute(channel_members.insert().values(
        channel_id=channel_id, account_id=owner_id, role=ChannelRole.OWNER.value))
    return channel_id


async def channel_by_handle(connection: AsyncConnection, handle: str) -> Channel | None:
    row = (await connection.execute(sa.select(*_CHANNEL_COLUMNS).where(channels.c.handle == handle))).first()
    return None if row is None else _channel(row)


async def channel_by_id(connection: AsyncConnection, channel_id: int) -> Channel | None:
    row = (await connection.execute(sa.select(*_CHANNEL_COLUMNS).where(channels.c.id == channel_id))).first()
    return None if row is None else _channel(row)


async def list_channels(connection: AsyncConnection, limit: int = 100) -> list[Channel]:
    rows = await connection.execute(sa.select(*_CHANNEL_COLUMNS).order_by(channels.c.handle).limit(limit))
    return [_channel(row) for row in rows]


async def members_of(connection: AsyncConnection, channel_id: int) -> list[ChannelMember]:
    rows = await connection.execute(
        sa.select(channel_members.c.account_id, accounts.c.handle, channel_members.c.role)
        .join(accounts, accounts.c.id == channel_members.c.account_id)
        .where(channel_members.c.channel_id == channel_id)
        .order_by(channel_members.c.role.desc(), accounts.c.handle)
    )
    return [ChannelMember(account_id=r.account_id, handle=r.handle, role=ChannelRole(r.role)) for r in rows]


async def member_role(connection: AsyncConnection, channel_id: int, account_id: int) -> ChannelRole | None:
    role = (await connection.execute(sa.select(channel_members.c.role).where(
        channel_members.c.channel_id == channel_id, channel_members.c.account_id == account_id))).scalar()
    return None if role is None else ChannelRole(role)


async def channels_of_member(connection: AsyncConnection, account_id: int) -> list[tuple[Channel, ChannelRole]]:
    rows = await connection.execute(
        sa.select(*_CHANNEL_COLUMNS, channel_members.c.role)
        .join(channel_members, channel_members.c.channel_id == channels.c.id)
        .where(channel_members.c.account_id == account_id).order_by(channels.c.handle)
    )
    return [(_channel(row), ChannelRole(row.role)) for row in rows]


async def update_channel_txn(connection: AsyncConnection, channel_id: int, values: dict[str, str],
                            now: datetime) -> None:
    await connection.execute(channels.update().where(channels.c.id == channel_id).values(**values, updated_at=now))


async def add_author_txn(connection: AsyncConnection, channel_id: int, account_id: int) -> None:
    await connection.execute(insert_ignoring_conflicts(connection, channel_members).values(
        channel_id=channel_id, account_id=account_id, role=ChannelRole.AUTHOR.value))


async def remove_author_txn(connection: AsyncConnection, channel_id: int, account_id: int) -> int:
    result = await connection.execute(channel_members.delete().where(
        channel_members.c.channel_id == channel_id, channel_members.c.account_id == account_id,
        channel_members.c.role == ChannelRole.AUTHOR.value))
    return result.rowcount


async def subscribe_txn(connection: AsyncConnection, account_id: int, channel_id: int, now: datetime) -> None:
    await connection.execute(insert_ignoring_conflicts(connection, subscriptions).values(
        account_id=account_id, channel_id=channel_id, created_at=now))


async def unsubscribe_txn(connection: AsyncConnection, account_id: int, channel_id: int, now: datetime) -> None:
    """End the subscription, keeping the period it covered."""
    started = (await connection.execute(subscriptions.delete().where(
        subscriptions.c.account_id == account_id, subscriptions.c.channel_id == channel_id)
        .returning(subscriptions.c.created_at))).scalar_one_or_none()
    if started is not None:
        await connection.execute(subscription_periods.insert().values(
            account_id=account_id, channel_id=channel_id, started_at=started, ended_at=now))


async def is_subscribed(connection: AsyncConnection, account_id: int, channel_id: int) -> bool:
    row = (await connection.execute(sa.select(subscriptions.c.channel_id).where(
        subscriptions.c.account_id == account_id, subscriptions.c.channel_id == channel_id))).first()
    return row is not None


async def subscriptions_among(connection: AsyncConnection, channel_ids: Collection[int],
                              account_ids: Collection[int] | None) -> list[tuple[int, int]]:
    """(account id, channel id) for subscriptions to the given channels, of the given accounts (every account
    when None)."""
    query = sa.select(subscriptions.c.account_id, subscriptions.c.channel_id).where(
        subscriptions.c.channel_id.in_(list(channel_ids)))
    if account_ids is not None:
        query = query.where(subscriptions.c.account_id.in_(list(account_ids)))
    return [(row.account_id, row.channel_id) for row in await connection.execute(query)]


async def subscriber_count(connection: AsyncConnection, channel_id: int) -> int:
    count: int = (await connection.execute(
        sa.select(sa.func.count()).select_from(subscriptions).where(subscriptions.c.channel_id == channel_id)
    )).scalar_one()
    return count


async def channel_directory(connection: AsyncConnection, after_handle: str | None,
                            limit: int) -> list[tuple[Channel, int]]:
    """Channels in handle order after `after_handle`, each with its subscriber count."""
    subscribers = (sa.select(sa.func.count()).select_from(subscriptions)
                   .where(subscriptions.c.channel_id == channels.c.id).scalar_subquery())
    query = sa.select(*_CHANNEL_COLUMNS, subscribers.label("subscribers"))
    if after_handle is not None:
        query = query.where(channels.c.handle > after_handle)
    rows = await connection.execute(query.order_by(channels.c.handle).limit(limit))
    return [(_channel(row), int(row.subscribers)) for row in rows]


async def subscribed_among(connection: AsyncConnection, account_id: int, channel_ids: list[int]) -> set[int]:
    """Which of these channels the account subscribes to."""
    rows = await connection.execute(sa.select(subscriptions.c.channel_id).where(
        subscriptions.c.account_id == account_id, subscriptions.c.channel_id.in_(channel_ids)))
    return set(rows.scalars())
