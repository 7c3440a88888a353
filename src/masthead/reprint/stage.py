"""The pipeline's reprint check: sign each post, find what it copies in the shared index (declared or not),
and give the policy the reprint facts: similarity, the original's rights and scores, the original channel's
credentials, and whether the reprinting channel is on the original's whitelist."""
from __future__ import annotations

import asyncio
from collections.abc import Sequence

import numpy as np
import sqlalchemy as sa

from masthead.context import Context
from masthead.pipeline.stages import PostWork
from masthead.reprint.matching import rank
from masthead.reprint.minhash import DEFAULT_THRESHOLD, index_version, sign_many, similarity
from masthead.store.credentials import credentials_valid_at
from masthead.store.reprints import candidates, originals
from masthead.store.tables import channels


class DetectReprint:
    name = "analyse.reprint"

    def __init__(self, ctx: Context, threshold: float = DEFAULT_THRESHOLD) -> None:
        self.ctx = ctx
        self.threshold = threshold

    async def run(self, batch: Sequence[PostWork]) -> None:
        signatures = await asyncio.to_thread(sign_many, [w.post.title + "\n\n" + w.post.body for w in batch])
        version = index_version()
        async with self.ctx.db.read() as connection:
            found = await candidates(connection, [s for s in signatures if s is not None])
            matches: dict[int, tuple[int, float]] = {}
            position = 0
            for work, signature in zip(batch, signatures, strict=True):
                work.signature = signature
                work.versions["index"] = version
                if signature is None:
                    continue
                pool = [(post_id, sig) for post_id, sig in found.get(position, []) if post_id < work.post.post_id]
                position += 1
                if work.post.reprint_of is not None:
                    declared = next((sig for post_id, sig in pool if post_id == work.post.reprint_of), None)
                    matches[work.post.post_id] = (work.post.reprint_of,
                                                  similarity(signature, declared) if declared is not None else 0.0)
                elif pool:
                    best = rank(signature, [post_id for post_id, _ in pool], np.stack([sig for _, sig in pool]),
                                self.threshold)
                    if best:
                        matches[work.post.post_id] = (best[0].doc_id, best[0].similarity)
                        work.detected_original = (best[0].doc_id, best[0].similarity)
            known = await originals(connection, sorted({original for original, _ in matches.values()}))
            handles = dict((await connection.execute(sa.select(channels.c.id, channels.c.handle).where(
                channels.c.id.in_(sorted({w.post.channel_id for w in batch}))))).all())
            credentials = await credentials_valid_at(connection, [
                (known[matches[work.post.post_id][0]].channel_id, work.post.created_at)
                for work in batch if work.post.post_id in matches and matches[work.post.post_id][0] in known])
        for work in batch:
            post = work.fact_group("post")
            reprint = work.fact_group("reprint")
            match = matches.get(work.post.post_id)
            post["is_reprint"] = match is not None
            if match is None or match[0] not in known:
                reprint["similarity"] = 0.0
                continue
            original = known[match[0]]
            reprint["similarity"] = round(match[1], 4)
            reprint["original_scores"] = original.scores
            reprint["original_credentials"] = credentials[(original.channel_id, work.post.created_at)]
            reprint["rights"] = original.rights if original.declared_original else "allow"
            reprint["whitelisted"] = handles.get(work.post.channel_id) in original.whitelist
