"""The pipeline's reprint check: sign each post, find what it copies in the shared index (declared or not),
and give the policy the reprint facts: similarity, the original's rights and scores, the original channel's
credentials, and whether the reprinting channel is on the original's whitelist.

Besides the shared index, a post is compared with the posts before it in its own batch and with the previous
batch's published posts (which may still be committing): copies that arrive together, as floods do, find
each other. Those originals' scores come from this worker's memory, as their decisions may not be stored yet."""
from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import replace

import numpy as np
import sqlalchemy as sa

from masthead.context import Context
from masthead.domain.posts import PostState, analysed_text
from masthead.pipeline.stages import PostWork
from masthead.reprint.index import earliest_neighbours
from masthead.reprint.matching import best_match
from masthead.reprint.minhash import DEFAULT_THRESHOLD, band_key_matrix, index_version, sign_many, similarity
from masthead.store.credentials import credentials_valid_at
from masthead.store.reprints import MAX_OWNERS_PER_BAND, candidates, originals
from masthead.store.tables import channels


class DetectReprint:
    name = "analyse.reprint"

    def __init__(self, ctx: Context, threshold: float = DEFAULT_THRESHOLD) -> None:
        self.ctx = ctx
        self.threshold = threshold
        self._previous: list[PostWork] = []

    def _unstored(self, batch: Sequence[PostWork]) -> list[PostWork]:
        """The previous batch's published posts and this batch's: what the shared index may not hold yet."""
        published = [work for work in self._previous
                     if work.verdict is not None and work.verdict.outcome.state is PostState.PUBLISHED]
        self._previous = list(batch)
        return [work for work in [*published, *batch] if work.signature is not None]

    async def run(self, batch: Sequence[PostWork]) -> None:
        signatures = await asyncio.to_thread(sign_many, [analysed_text(w.post.title, w.post.body) for w in batch])
        version = index_version()
        for work, signature in zip(batch, signatures, strict=True):
            work.signature = signature
            work.versions["index"] = version
        unstored = {work.post.post_id: work for work in self._unstored(batch)}
        nearby = _NearbyPosts(unstored.values())
        async with self.ctx.db.read() as connection:
            found = await candidates(connection, [s for s in signatures if s is not None])
            matches: dict[int, tuple[int, float]] = {}
            position = 0
            for work, signature in zip(batch, signatures, strict=True):
                if signature is None:
                    continue
                pool = {post_id: sig for post_id, sig in found.get(position, []) if post_id < work.post.post_id}
                # As in the shared index, only the earliest nearby posts count: a batch that is one flood of
                # copies would otherwise compare every post with every other.
                pool.update((post_id, unstored[post_id].signature) for post_id in nearby.earliest_before(
                    work.post.post_id))
                position += 1
                if work.post.reprint_of is not None:
                    declared = pool.get(work.post.reprint_of)
                    if declared is None and work.post.reprint_of in unstored:
                        declared = unstored[work.post.reprint_of].signature
                    matches[work.post.post_id] = (work.post.reprint_of,
                                                  similarity(signature, declared) if declared is not None else 0.0)
                elif pool:
                    best = best_match(signature, list(pool), np.stack(list(pool.values())), self.threshold)
                    if best is not None:
                        matches[work.post.post_id] = (best.doc_id, best.similarity)
                        work.detected_original = (best.doc_id, best.similarity)
            known = await originals(connection, sorted({original for original, _ in matches.values()}))
            for post_id, facts in known.items():
                if post_id in unstored:
                    known[post_id] = replace(facts, scores=dict(unstored[post_id].facts.get("scores", {})))
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


class _NearbyPosts:
    """The LSH candidates among a few hundred posts not yet in the shared index, found for all of them at once
    (a scan of every post's keys for each query cost about 120 µs per post, more than signing it)."""

    def __init__(self, works: Iterable[PostWork]) -> None:
        ordered = sorted(works, key=lambda work: work.post.post_id)
        self._earlier: dict[int, list[int]] = {}
        if ordered:
            keys = band_key_matrix(np.stack([work.signature for work in ordered]))
            for work, rows in zip(ordered, earliest_neighbours(keys, MAX_OWNERS_PER_BAND), strict=True):
                self._earlier[work.post.post_id] = [ordered[row].post.post_id for row in rows]

    def earliest_before(self, post_id: int) -> list[int]:
        """The earliest MAX_OWNERS_PER_BAND posts before `post_id` that share a band with it, ascending."""
        return self._earlier[post_id]
