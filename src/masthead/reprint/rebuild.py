"""`masthead reprint rebuild`: sign every published post again with the current index version (after the
normalisation, shingling or permutations changed), in batches, showing progress."""
from __future__ import annotations

import argparse
import asyncio
import sys

import sqlalchemy as sa

from masthead.context import Context
from masthead.domain.posts import PostState, analysed_text
from masthead.reprint.minhash import index_version, sign_many
from masthead.settings import load_settings
from masthead.store.reprints import clear_index_txn, index_posts_txn
from masthead.store.tables import post_bodies, posts

BATCH = 1000


async def rebuild(ctx: Context) -> int:
    """Rebuild the shared index from the published posts; the number of posts indexed."""
    async with ctx.db.write() as connection:
        await clear_index_txn(connection)
    async with ctx.db.read() as connection:
        total: int = (await connection.execute(sa.select(sa.func.count()).select_from(posts).where(
            posts.c.state == PostState.PUBLISHED.value))).scalar_one()
    done, after = 0, 0
    while True:
        async with ctx.db.read() as connection:
            rows = (await connection.execute(
                sa.select(posts.c.id, posts.c.title, post_bodies.c.body)
                .join(post_bodies, post_bodies.c.post_id == posts.c.id)
                .where(posts.c.state == PostState.PUBLISHED.value, posts.c.id > after)
                .order_by(posts.c.id).limit(BATCH))).all()
        if not rows:
            return done
        signatures = await asyncio.to_thread(sign_many, [analysed_text(title, body) for _, title, body in rows])
        async with ctx.db.write() as connection:
            await index_posts_txn(connection, [(post_id, signature) for (post_id, _, _), signature
                                               in zip(rows, signatures, strict=True) if signature is not None])
        done += len(rows)
        after = rows[-1][0]
        print(f"indexed {done} of {total} published posts", file=sys.stderr)


def rebuild_handler(args: argparse.Namespace) -> int:
    ctx = Context.create(load_settings())

    async def run() -> int:
        try:
            return await rebuild(ctx)
        finally:
            await ctx.db.dispose()

    count = asyncio.run(run())
    print(f"reprint index rebuilt: {count} posts, version {index_version()}")
    return 0
