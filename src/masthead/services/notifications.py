"""An account's notices: a page of them with the unread count, and marking them read."""
from __future__ import annotations

from dataclasses import dataclass

from masthead.context import Context
from masthead.domain.errors import Unprocessable
from masthead.domain.models import Account
from masthead.domain.paging import check_page_size, invalid_cursor, parse_id
from masthead.store import notifications as store
from masthead.store.notifications import Notification


@dataclass(frozen=True)
class NoticePage:
    items: list[Notification]
    next_cursor: str | None
    unread: int


def check_notification_id(value: str, *, field: str) -> int:
    found = parse_id(value)
    if found is None:
        raise Unprocessable(f"{field} must be a notification id", code="invalid_notification_id")
    return found


async def notifications_page(ctx: Context, account: Account, cursor: str | None, limit: int) -> NoticePage:
    """Newest first; the cursor is the id of the last notice of the previous page."""
    limit = check_page_size(limit)
    before = None
    if cursor:
        before = parse_id(cursor)
        if before is None:
            raise invalid_cursor()
    async with ctx.db.read() as connection:
        found = await store.notifications_for(connection, account.id, before, limit + 1)
        unread = await store.unread_count(connection, account.id)
    items = found[:limit]
    return NoticePage(items, str(items[-1].id) if len(found) > limit else None, unread)


async def do_mark_notifications_read(ctx: Context, account: Account, up_to_id: int) -> tuple[int, int]:
    """Mark the account's notices up to and including `up_to_id` read: how many changed, how many stay unread."""
    async with ctx.db.write() as connection:
        marked = await store.mark_read_txn(connection, account.id, up_to_id, ctx.clock.now())
        unread = await store.unread_count(connection, account.id)
    return marked, unread
