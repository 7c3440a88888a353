"""Reports of private messages. The service cannot read private messages, so a report carries the plaintext
its reporter already holds and chose to hand over; moderators see that, marked as a reporter's copy the
server cannot verify. Nothing here reads the messaging tables: the report is all moderation ever gets."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from masthead.context import Context
from masthead.domain.errors import NotFound, RateLimited, Unprocessable
from masthead.domain.models import Account
from masthead.domain.moderation import ItemKind, parse_report_reason
from masthead.domain.permissions import Action as Permission
from masthead.domain.permissions import check_allowed
from masthead.moderation.participation import MAX_COMMENT, REPORT_SEVERITY, Filed
from masthead.moderation.recording import item_priority
from masthead.store import moderation as store
from masthead.store.audit import append_audit_txn
from masthead.store.notifications import notify_many_txn
from masthead.store.tables import accounts, message_reports

MAX_PLAINTEXT = 64 * 1024  # characters: a received message has at most 64 KiB of UTF-8, so no more than this


@dataclass(frozen=True)
class MessageReport:
    id: int
    item_id: int
    reporter: str
    reported: str
    message_ref: str
    reason: str
    comment: str
    plaintext: str
    sent_at: datetime
    created_at: datetime


async def do_report_message(ctx: Context, reporter: Account, *, reported_id: int, message_ref: str,
                            sent_at: datetime, plaintext: str, reason: str, comment: str) -> Filed:
    """File the reporter's own copy of a message they received. The caller has checked they received it."""
    check_allowed(reporter.roles, Permission.REPORT_POST)
    why = parse_report_reason(reason)
    if len(comment) > MAX_COMMENT:
        raise Unprocessable(f"comment must be at most {MAX_COMMENT} characters", code="invalid_comment")
    if not plaintext.strip() or len(plaintext) > MAX_PLAINTEXT:
        raise Unprocessable(f"the reported text must be 1 to {MAX_PLAINTEXT} characters, not all white space",
                            code="invalid_plaintext")
    now = ctx.clock.now()
    limit = ctx.settings.reports_per_hour
    async with ctx.db.write() as connection:
        since = now - timedelta(hours=1)
        recent = await store.reports_since(connection, reporter.id, since) + (await connection.execute(
            sa.select(sa.func.count()).select_from(message_reports).where(
                message_reports.c.reporter_id == reporter.id, message_reports.c.created_at >= since))).scalar_one()
        if recent >= limit:
            raise RateLimited(f"you have sent {recent} reports in the last hour; the limit is {limit}",
                              limit=limit, reset_at=now + timedelta(hours=1), retry_after=3600)
        severity = REPORT_SEVERITY[why.value]
        [item_id] = await store.insert_items_txn(connection, [{
            "kind": ItemKind.MESSAGE.value, "post_id": None, "channel_id": None, "decision_id": None,
            "priority": item_priority(severity, 1), "severity": severity, "reach": 1, "automated_origin": False,
            "report_count": 1}], now)
        report_id: int = (await connection.execute(message_reports.insert().values(
            item_id=item_id, reporter_id=reporter.id, reported_id=reported_id, message_ref=message_ref,
            reason=why.value, comment=comment, plaintext=plaintext, sent_at=sent_at, created_at=now,
        ).returning(message_reports.c.id))).scalar_one()
        # The audit log is kept for ever and read widely: it names the report, never its text.
        await append_audit_txn(connection, actor=f"account:{reporter.handle}", action="report.message",
                               subject=f"item:{item_id}", payload={"reason": why.value}, now=now)
    return Filed(report_id, item_id, limit - recent - 1)


async def access_message_report(ctx: Context, viewer: Account, item_id: int) -> MessageReport:
    check_allowed(viewer.roles, Permission.VIEW_MODERATION_QUEUE)
    reporter = accounts.alias("reporter")
    reported = accounts.alias("reported")
    async with ctx.db.read() as connection:
        row = (await connection.execute(
            sa.select(message_reports, reporter.c.handle.label("reporter"), reported.c.handle.label("reported"))
            .join(reporter, reporter.c.id == message_reports.c.reporter_id)
            .join(reported, reported.c.id == message_reports.c.reported_id)
            .where(message_reports.c.item_id == item_id))).first()
    if row is None:
        raise NotFound(f"moderation item {item_id} is not a reported message", code="item_not_found")
    return MessageReport(id=row.id, item_id=row.item_id, reporter=row.reporter, reported=row.reported,
                         message_ref=row.message_ref, reason=row.reason, comment=row.comment,
                         plaintext=row.plaintext, sent_at=row.sent_at, created_at=row.created_at)


async def notify_message_reporters_txn(connection: AsyncConnection, item_id: int, outcome: str, reason: str,
                                       now: datetime) -> None:
    reporters = (await connection.execute(sa.select(message_reports.c.reporter_id).where(
        message_reports.c.item_id == item_id))).scalars()
    await notify_many_txn(connection, list(reporters), "report_outcome",
                          {"item_id": str(item_id), "outcome": outcome, "reason": reason}, now)
