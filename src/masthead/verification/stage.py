"""Facts about who posted, as of the post's own time: the channel's valid credentials, the posting account's
age, the channel's unexpired strikes and its subscribers. One query of each kind per batch."""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from masthead.context import Context
from masthead.pipeline.stages import PostWork
from masthead.store.credentials import credentials_valid_at
from masthead.store.tables import accounts, strikes, subscriptions


class AnalyseAuthor:
    name = "analyse.author"

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    async def run(self, batch: Sequence[PostWork]) -> None:
        channel_ids = sorted({work.post.channel_id for work in batch})
        author_ids = sorted({work.post.author_id for work in batch})
        async with self.ctx.db.read() as connection:
            valid = await credentials_valid_at(connection, [(w.post.channel_id, w.post.created_at) for w in batch])
            created = dict((await connection.execute(sa.select(accounts.c.id, accounts.c.created_at).where(
                accounts.c.id.in_(author_ids)))).all())
            subscribers: dict[int, int] = dict((await connection.execute(
                sa.select(subscriptions.c.channel_id, sa.func.count()).where(
                    subscriptions.c.channel_id.in_(channel_ids)).group_by(subscriptions.c.channel_id))).all())
            strike_rows = (await connection.execute(sa.select(
                strikes.c.channel_id, strikes.c.created_at, strikes.c.expires_at, strikes.c.voided_at).where(
                strikes.c.channel_id.in_(channel_ids)))).all()
        for work in batch:
            at = work.post.created_at
            author = work.fact_group("author")
            author["credentials"] = valid[(work.post.channel_id, at)]
            author["account_age_days"] = max(0, (at - created[work.post.author_id]).days)
            author["strikes"] = sum(1 for channel_id, given, expires, voided in strike_rows
                                    if channel_id == work.post.channel_id and given <= at < expires
                                    and (voided is None or voided > at))
            work.fact_group("channel")["subscribers"] = int(subscribers.get(work.post.channel_id, 0))
