"""The moderators' queue: open work, highest priority first, with counts."""
from __future__ import annotations

from dataclasses import dataclass

from masthead.context import Context
from masthead.domain.errors import Unprocessable
from masthead.domain.models import Account
from masthead.domain.moderation import ItemKind, ReviewState
from masthead.domain.paging import check_page_size, cursor_pattern, decode_numbers
from masthead.domain.permissions import Action as Permission
from masthead.domain.permissions import check_allowed
from masthead.store import moderation as store
from masthead.store.cases import QueueEntry, queue_entries

STATE_FILTERS = {"open": [ReviewState.OPEN], "escalated": [ReviewState.ESCALATED],
                 "pending": [ReviewState.OPEN, ReviewState.ESCALATED], "closed": [ReviewState.CLOSED]}


@dataclass(frozen=True)
class QueuePage:
    items: list[QueueEntry]
    counts: dict[str, dict[str, int]]
    next_cursor: str | None


QUEUE_CURSOR_PATTERN = cursor_pattern(2)


def _encode(item: store.Item) -> str:
    return f"{item.priority}.{item.id}"


def _decode(cursor: str) -> tuple[int, int]:
    priority, item_id = decode_numbers(cursor, (2,))
    return priority, item_id


def _kind(value: str | None) -> ItemKind | None:
    if value is None:
        return None
    try:
        return ItemKind(value)
    except ValueError:
        raise Unprocessable(f"kind must be one of {', '.join(k.value for k in ItemKind)}", code="invalid_kind") from None


async def moderation_queue(ctx: Context, viewer: Account, *, kind: str | None, state: str, mine: bool,
                           cursor: str | None, limit: int) -> QueuePage:
    check_allowed(viewer.roles, Permission.VIEW_MODERATION_QUEUE)
    if state not in STATE_FILTERS:
        raise Unprocessable(f"state must be one of {', '.join(STATE_FILTERS)}", code="invalid_state")
    limit = check_page_size(limit)
    async with ctx.db.read() as connection:
        items = await queue_entries(connection, kind=_kind(kind), states=STATE_FILTERS[state],
                                    assigned_to=viewer.id if mine else None,
                                    after=_decode(cursor) if cursor else None, limit=limit + 1)
        counts = await store.queue_counts(connection)
    more = len(items) > limit
    items = items[:limit]
    return QueuePage(items=items, counts=counts, next_cursor=_encode(items[-1].item) if more else None)
