"""Moderation items, their append-only events, reports, appeals, strikes, suspensions, corrections, readers."""
from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from masthead.domain.moderation import Action, ItemKind, ReviewState
from masthead.store.dialect import insert_ignoring_conflicts, upsert_add
from masthead.store.tables import (
    appeals,
    corrections,
    moderation_counts,
    moderation_events,
    moderation_items,
    post_readers,
    posts,
    reports,
    strikes,
    subscription_periods,
    subscriptions,
    suspensions,
)


@dataclass(frozen=True)
class Item:
    id: int
    kind: ItemKind
    post_id: int | None
    channel_id: int | None
    decision_id: int | None
    application_id: int | None
    review_state: ReviewState
    priority: int
    severity: int
    reach: int
    automated_origin: bool
    report_count: int
    assigned_to: int | None
    created_at: datetime
    updated_at: datetime


def _item(row: sa.Row[Any]) -> Item:
    return Item(id=row.id, kind=ItemKind(row.kind), post_id=row.post_id, channel_id=row.channel_id,
                decision_id=row.decision_id, application_id=row.application_id,
                review_state=ReviewState(row.review_state), priority=row.priority,
                severity=row.severity, reach=row.reach, automated_origin=row.automated_origin,
                report_count=row.report_count, assigned_to=row.assigned_to, created_at=row.created_at,
                updated_at=row.updated_at)


async def insert_items_txn(connection: AsyncConnection, rows: Sequence[dict[str, Any]], now: datetime) -> list[int]:
    if not rows:
        return []
    result = await connection.execute(
        moderation_items.insert().returning(moderation_items.c.id, sort_by_parameter_order=True),
        [{"review_state": ReviewState.OPEN.value, "report_count": 0, "assigned_to": None, "created_at": now,
          "updated_at": now, **row} for row in rows])
    await adjust_counts_txn(connection, Counter((row["kind"], ReviewState.OPEN.value) for row in rows))
    return list(result.scalars())


async def adjust_counts_txn(connection: AsyncConnection, changes: Counter[tuple[str, str]]) -> None:
    for (kind, state), change in changes.items():
        if change:
            await connection.execute(upsert_add(connection, moderation_counts, ["kind", "review_state"], "count")
                                     .values(kind=kind, review_state=state, count=change))


async def set_review_state_txn(connection: AsyncConnection, item: Item, state: ReviewState, now: datetime) -> None:
    await update_item_txn(connection, item.id, now, review_state=state.value)
    if state is not item.review_state:
        await adjust_counts_txn(connection, Counter({(item.kind.value, item.review_state.value): -1,
                                              (item.kind.value, state.value): 1}))


async def item_by_id(connection: AsyncConnection, item_id: int, *, for_update: bool = False) -> Item | None:
    query = sa.select(moderation_items).where(moderation_items.c.id == item_id)
    if for_update:
        query = query.with_for_update()
    row = (await connection.execute(query)).first()
    return None if row is None else _item(row)


async def open_item_for_post(connection: AsyncConnection, post_id: int, kind: ItemKind) -> Item | None:
    row = (await connection.execute(sa.select(moderation_items).where(
        moderation_items.c.post_id == post_id, moderation_items.c.kind == kind.value,
        moderation_items.c.review_state != ReviewState.CLOSED.value).order_by(moderation_items.c.id).limit(1))).first()
    return None if row is None else _item(row)


async def update_item_txn(connection: AsyncConnection, item_id: int, now: datetime, **values: Any) -> None:
    await connection.execute(moderation_items.update().where(moderation_items.c.id == item_id)
                             .values(updated_at=now, **values))


async def queue_counts(connection: AsyncConnection) -> dict[str, dict[str, int]]:
    rows = await connection.execute(sa.select(moderation_counts).where(
        moderation_counts.c.review_state != ReviewState.CLOSED.value))
    counts: dict[str, dict[str, int]] = {kind.value: {} for kind in ItemKind}
    for kind, state, count in rows:
        if count:
            counts[kind][state] = count
    return counts


async def append_event_txn(connection: AsyncConnection, *, item_id: int | None, post_id: int | None,
                           actor_id: int | None, action: Action, reason: str, payload: dict[str, Any],
                           now: datetime) -> int:
    event_id: int = (await connection.execute(moderation_events.insert().values(
        item_id=item_id, post_id=post_id, actor_id=actor_id, action=action.value, reason=reason, payload=payload,
        created_at=now).returning(moderation_events.c.id))).scalar_one()
    return event_id


async def item_actions(connection: AsyncConnection, item_id: int) -> list[Action]:
    rows = await connection.execute(sa.select(moderation_events.c.action).where(
        moderation_events.c.item_id == item_id).order_by(moderation_events.c.id))
    return [Action(action) for action in rows.scalars()]


async def post_events(connection: AsyncConnection, post_id: int) -> list[tuple[Action, tuple[str, ...]]]:
    rows = await connection.execute(sa.select(moderation_events.c.action, moderation_events.c.payload).where(
        moderation_events.c.post_id == post_id).order_by(moderation_events.c.id))
    return [(Action(row.action), tuple(row.payload.get("labels", []))) for row in rows]


async def resolvers_of_post(connection: AsyncConnection, post_id: int, *, exclude_item: int | None = None) -> set[int]:
    """Everyone who took a deciding action on the post (outside `exclude_item`)."""
    query = sa.select(moderation_events.c.actor_id).where(
        moderation_events.c.post_id == post_id, moderation_events.c.actor_id.is_not(None),
        moderation_events.c.action.not_in([Action.COMMENT.value, Action.ESCALATE.value]))
    if exclude_item is not None:
        query = query.where(sa.or_(moderation_events.c.item_id.is_(None), moderation_events.c.item_id != exclude_item))
    rows = await connection.execute(query)
    return {actor for actor in rows.scalars() if actor is not None}


async def insert_report_txn(connection: AsyncConnection, *, post_id: int, reporter_id: int, item_id: int,
                            reason: str, comment: str, now: datetime) -> int:
    report_id: int = (await connection.execute(reports.insert().values(
        post_id=post_id, reporter_id=reporter_id, item_id=item_id, reason=reason, comment=comment, created_at=now)
        .returning(reports.c.id))).scalar_one()
    await connection.execute(moderation_items.update().where(moderation_items.c.id == item_id).values(
        report_count=moderation_items.c.report_count + 1, updated_at=now))
    return report_id


async def reports_since(connection: AsyncConnection, reporter_id: int, since: datetime) -> int:
    count: int = (await connection.execute(sa.select(sa.func.count()).select_from(reports).where(
        reports.c.reporter_id == reporter_id, reports.c.created_at >= since))).scalar_one()
    return count


async def report_reasons(connection: AsyncConnection, item_id: int) -> list[str]:
    rows = await connection.execute(sa.select(reports.c.reason).where(reports.c.item_id == item_id).distinct())
    return list(rows.scalars())


async def reporters_of_item(connection: AsyncConnection, item_id: int) -> list[int]:
    rows = await connection.execute(sa.select(reports.c.reporter_id).where(reports.c.item_id == item_id).distinct())
    return list(rows.scalars())


async def appeal_for_decision(connection: AsyncConnection, decision_id: int) -> int | None:
    appeal_id: int | None = (await connection.execute(
        sa.select(appeals.c.id).where(appeals.c.decision_id == decision_id))).scalar()
    return appeal_id


async def insert_appeal_txn(connection: AsyncConnection, *, decision_id: int, appellant_id: int, item_id: int,
                            text: str, now: datetime) -> int:
    appeal_id: int = (await connection.execute(appeals.insert().values(
        decision_id=decision_id, appellant_id=appellant_id, item_id=item_id, text=text, created_at=now)
        .returning(appeals.c.id))).scalar_one()
    return appeal_id


async def appeal_of_item(connection: AsyncConnection, item_id: int) -> tuple[int, int, str] | None:
    row = (await connection.execute(sa.select(appeals.c.id, appeals.c.appellant_id, appeals.c.text)
                                    .where(appeals.c.item_id == item_id))).first()
    return None if row is None else (row.id, row.appellant_id, row.text)


async def set_appeal_outcome_txn(connection: AsyncConnection, appeal_id: int, outcome: str) -> None:
    await connection.execute(appeals.update().where(appeals.c.id == appeal_id).values(outcome=outcome))


async def insert_strike_txn(connection: AsyncConnection, *, channel_id: int, post_id: int | None, reason: str,
                            now: datetime, expires_at: datetime) -> None:
    await connection.execute(strikes.insert().values(channel_id=channel_id, post_id=post_id, reason=reason,
                                                     created_at=now, expires_at=expires_at))


async def void_strikes_for_post_txn(connection: AsyncConnection, post_id: int, now: datetime) -> None:
    await connection.execute(strikes.update().where(strikes.c.post_id == post_id, strikes.c.voided_at.is_(None))
                             .values(voided_at=now))


async def active_strikes(connection: AsyncConnection, channel_id: int, now: datetime,
                         since: datetime | None = None) -> list[tuple[str, datetime, datetime]]:
    query = sa.select(strikes.c.reason, strikes.c.created_at, strikes.c.expires_at).where(
        strikes.c.channel_id == channel_id, strikes.c.expires_at > now, strikes.c.voided_at.is_(None))
    if since is not None:
        query = query.where(strikes.c.created_at >= since)
    rows = await connection.execute(query.order_by(strikes.c.created_at))
    return [(row.reason, row.created_at, row.expires_at) for row in rows]


async def insert_suspension_txn(connection: AsyncConnection, channel_id: int, reason: str, starts_at: datetime,
                                ends_at: datetime) -> None:
    await connection.execute(suspensions.insert().values(channel_id=channel_id, reason=reason, starts_at=starts_at,
                                                         ends_at=ends_at))


async def suspension_until(connection: AsyncConnection, channel_id: int, now: datetime) -> tuple[datetime, str] | None:
    row = (await connection.execute(sa.select(suspensions.c.ends_at, suspensions.c.reason).where(
        suspensions.c.channel_id == channel_id, suspensions.c.starts_at <= now, suspensions.c.ends_at > now)
        .order_by(suspensions.c.ends_at.desc()).limit(1))).first()
    return None if row is None else (row.ends_at, row.reason)


async def insert_correction_txn(connection: AsyncConnection, *, post_id: int, moderator_id: int, text: str,
                                link: str | None, now: datetime) -> int:
    correction_id: int = (await connection.execute(corrections.insert().values(
        post_id=post_id, moderator_id=moderator_id, text=text, link=link, created_at=now)
        .returning(corrections.c.id))).scalar_one()
    return correction_id


async def record_reader_txn(connection: AsyncConnection, post_id: int, account_id: int, now: datetime) -> None:
    await connection.execute(insert_ignoring_conflicts(connection, post_readers).values(
        post_id=post_id, account_id=account_id, read_at=now))


async def audience_of(connection: AsyncConnection, post_ids: Sequence[int]) -> set[int]:
    """Everyone who could have received these posts: subscribers of each carrying channel who subscribed before
    the post was published (including those who have unsubscribed since), and recorded readers."""
    subscribed = await connection.execute(
        sa.select(subscriptions.c.account_id).join(posts, posts.c.channel_id == subscriptions.c.channel_id)
        .where(posts.c.id.in_(list(post_ids)),
               sa.or_(posts.c.published_at.is_(None), subscriptions.c.created_at <= posts.c.published_at)))
    formerly = await connection.execute(
        sa.select(subscription_periods.c.account_id)
        .join(posts, posts.c.channel_id == subscription_periods.c.channel_id)
        .where(posts.c.id.in_(list(post_ids)), subscription_periods.c.started_at <= posts.c.published_at,
               subscription_periods.c.ended_at > posts.c.published_at))
    readers = await connection.execute(sa.select(post_readers.c.account_id).where(
        post_readers.c.post_id.in_(list(post_ids))))
    return set(subscribed.scalars()) | set(formerly.scalars()) | set(readers.scalars())
