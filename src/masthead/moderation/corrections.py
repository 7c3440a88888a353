"""Rumour refutation: label a refuted post and every known copy, and tell everyone who could have read any."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from masthead.domain.moderation import Action
from masthead.moderation.status import refresh_post_status_txn
from masthead.reprint.minhash import DEFAULT_THRESHOLD
from masthead.store import moderation as store
from masthead.store.reprints import near_duplicates
from masthead.store.notifications import notify_many_txn
from masthead.store.tables import posts


async def known_copies_txn(connection: AsyncConnection, post_id: int) -> set[int]:
    """The post's family: what it reprints back to the original, every reprint of any of those however deep,
    and the near-duplicates the reprint index knows of any of them (copies nobody declared or that were never
    attributed, such as two decided in the same batch), until nothing new turns up."""
    family = {post_id}
    frontier = {post_id}
    while frontier:
        rows = await connection.execute(sa.select(posts.c.id, posts.c.reprint_of).where(
            sa.or_(posts.c.id.in_(frontier), posts.c.reprint_of.in_(frontier))))
        found = set(await near_duplicates(connection, sorted(frontier), DEFAULT_THRESHOLD))
        for copy_id, original_id in rows:
            found.add(copy_id)
            if original_id is not None:
                found.add(original_id)
        frontier = found - family
        family |= found
    return family


async def do_correct_txn(connection: AsyncConnection, *, post_id: int, moderator_id: int, text: str,
                         link: str | None, now: datetime) -> set[int]:
    """Record the correction, label every copy, notify their audience; the posts labelled."""
    correction_id = await store.insert_correction_txn(connection, post_id=post_id, moderator_id=moderator_id,
                                                      text=text, link=link, now=now)
    family = await known_copies_txn(connection, post_id)
    for copy_id in sorted(family - {post_id}):
        await store.append_event_txn(connection, item_id=None, post_id=copy_id, actor_id=moderator_id,
                                     action=Action.REFUTE, reason=text,
                                     payload={"labels": [], "correction_id": correction_id, "copy_of": post_id},
                                     now=now)
        await refresh_post_status_txn(connection, copy_id, now)
    titles = dict((await connection.execute(sa.select(posts.c.id, posts.c.title).where(
        posts.c.id.in_(family)))).all())
    audience = await store.audience_of(connection, sorted(family))
    await notify_many_txn(connection, audience, "correction", {
        "correction_id": str(correction_id), "post_id": str(post_id), "text": text, "link": link,
        "posts": [{"id": str(pid), "title": titles.get(pid, "")} for pid in sorted(family)]}, now)
    return family
