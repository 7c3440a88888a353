"""What the pipeline's commit does for provenance: attribute undeclared copies to their originals and add
every published post to the shared index. Runs inside the batch's transaction."""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncConnection

from masthead.domain.posts import PostState
from masthead.pipeline.stages import PostWork
from masthead.store.reprints import index_posts_txn, record_detected_txn


async def record_reprints_txn(connection: AsyncConnection, works: Sequence[PostWork]) -> None:
    await record_detected_txn(connection, [
        (work.post.post_id, work.detected_original[0], work.detected_original[1])
        for work in works if work.detected_original is not None])
    await index_posts_txn(connection, [
        (work.post.post_id, work.signature) for work in works
        if work.signature is not None and work.verdict is not None
        and work.verdict.outcome.state is PostState.PUBLISHED])
