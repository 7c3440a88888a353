"""The reprint index in the database (so every worker shares it) and the provenance of posts."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from masthead.domain.posts import analysed_text
from masthead.reprint.matching import rank
from masthead.reprint.minhash import Signature, band_key_matrix, from_bytes, index_version, sign, to_bytes
from masthead.store.bulk import BulkInsert
from masthead.store.dialect import compiled_once, integer_list, one_of
from masthead.store.tables import decisions, post_bodies, posts, reprint_bands, reprint_signatures


# A flood of copies of one text shares every band key. Only the earliest owners of a key are read back: the
# original is among them, and a query's cost stays bounded however many copies the index holds.
MAX_OWNERS_PER_BAND = 64


async def index_posts_txn(connection: AsyncConnection, entries: Sequence[tuple[int, Signature]]) -> None:
    """Add published posts to the index (idempotent: posts already indexed are skipped)."""
    if entries:
        indexed = set((await connection.execute(sa.select(reprint_signatures.c.post_id).where(
            one_of(connection, reprint_signatures.c.post_id)),
            {"ids": integer_list(connection, [post_id for post_id, _ in entries])})).scalars())
        entries = [(post_id, signature) for post_id, signature in entries if post_id not in indexed]
    if not entries:
        return
    version = index_version()
    keys = band_key_matrix(np.stack([signature for _, signature in entries]))
    signatures = compiled_once(connection, "reprint_signatures", lambda connection: BulkInsert(
        connection, reprint_signatures, ("post_id", "signature", "index_version"), ignore_conflicts=True))
    await signatures.run(connection, [(post_id, to_bytes(signature), version) for post_id, signature in entries])
    bands = compiled_once(connection, "reprint_bands", lambda connection: BulkInsert(
        connection, reprint_bands, ("band_key", "post_id")))
    await bands.run(connection, _band_rows(keys, [post_id for post_id, _ in entries]))


def _band_rows(keys: npt.NDArray[np.int64], post_ids: Sequence[int]) -> list[tuple[int, int]]:
    """The distinct (band key, post id) rows of the posts' band keys, in index order (sorted with numpy: as
    Python tuples, building and sorting them cost about 70 µs per post)."""
    flat_keys = keys.reshape(-1)
    flat_ids = np.repeat(np.asarray(post_ids, dtype=np.int64), keys.shape[1])
    order = np.lexsort((flat_ids, flat_keys))
    flat_keys, flat_ids = flat_keys[order], flat_ids[order]
    distinct = np.ones(flat_keys.size, dtype=np.bool_)
    distinct[1:] = (flat_keys[1:] != flat_keys[:-1]) | (flat_ids[1:] != flat_ids[:-1])
    return list(zip(flat_keys[distinct].tolist(), flat_ids[distinct].tolist()))


async def candidates(connection: AsyncConnection, signatures: Sequence[Signature]
                     ) -> dict[int, list[tuple[int, Signature]]]:
    """For each query (by position), the indexed posts sharing at least one LSH band (the earliest
    MAX_OWNERS_PER_BAND of each band), with their signatures."""
    if not signatures:
        return {}
    keys = band_key_matrix(np.stack(list(signatures))).tolist()
    wanted = sorted({key for row in keys for key in row})
    owners: dict[int, set[int]] = {}
    ranked = sa.select(reprint_bands.c.band_key, reprint_bands.c.post_id, sa.func.row_number().over(
        partition_by=reprint_bands.c.band_key, order_by=reprint_bands.c.post_id).label("owner_rank")).where(
        one_of(connection, reprint_bands.c.band_key)).subquery()
    rows = await connection.execute(sa.select(ranked.c.band_key, ranked.c.post_id).where(
        ranked.c.owner_rank <= MAX_OWNERS_PER_BAND), {"ids": integer_list(connection, wanted)})
    for key, post_id in rows:
        owners.setdefault(key, set()).add(post_id)
    found = sorted({post_id for ids in owners.values() for post_id in ids})
    stored: dict[int, Signature] = {}
    if found:
        rows = await connection.execute(sa.select(reprint_signatures.c.post_id, reprint_signatures.c.signature).where(
            one_of(connection, reprint_signatures.c.post_id)), {"ids": integer_list(connection, found)})
        stored = {post_id: from_bytes(bytes(data)) for post_id, data in rows}
    result: dict[int, list[tuple[int, Signature]]] = {}
    for position, row in enumerate(keys):
        ids = sorted({post_id for key in row for post_id in owners.get(key, ())})
        result[position] = [(post_id, stored[post_id]) for post_id in ids if post_id in stored]
    return result


async def near_duplicates(connection: AsyncConnection, post_ids: Sequence[int], threshold: float) -> set[int]:
    """Indexed posts whose estimated Jaccard similarity to any of `post_ids` reaches threshold. Posts that are
    not in the index themselves (held when decided, say) are signed from their text."""
    stored = dict((await connection.execute(sa.select(reprint_signatures.c.post_id, reprint_signatures.c.signature)
                                            .where(one_of(connection, reprint_signatures.c.post_id)),
                                            {"ids": integer_list(connection, post_ids)})).all())
    signatures = [from_bytes(bytes(data)) for data in stored.values()]
    unindexed = sorted(set(post_ids) - set(stored))
    if unindexed:
        texts = await connection.execute(sa.select(posts.c.title, post_bodies.c.body).join(
            post_bodies, post_bodies.c.post_id == posts.c.id).where(one_of(connection, posts.c.id)),
            {"ids": integer_list(connection, unindexed)})
        signatures += [signature for title, body in texts if (signature := sign(analysed_text(title, body))) is not None]
    found: set[int] = set()
    for position, pool in (await candidates(connection, signatures)).items():
        if pool:
            matches = rank(signatures[position], [post_id for post_id, _ in pool], np.stack([sig for _, sig in pool]),
                           threshold)
            found.update(match.doc_id for match in matches)
    return found


async def stale_signature_count(connection: AsyncConnection) -> int:
    """Indexed posts signed by another index version: a new query's band keys never meet theirs, so copies of
    them go unnoticed until `masthead reprint rebuild` signs them again."""
    count: int = (await connection.execute(sa.select(sa.func.count()).select_from(reprint_signatures).where(
        reprint_signatures.c.index_version != index_version()))).scalar_one()
    return count


async def clear_index_txn(connection: AsyncConnection) -> None:
    await connection.execute(reprint_bands.delete())
    await connection.execute(reprint_signatures.delete())


@dataclass(frozen=True)
class OriginalFacts:
    post_id: int
    channel_id: int
    declared_original: bool
    rights: str
    whitelist: list[str]
    scores: dict[str, float]


async def originals(connection: AsyncConnection, post_ids: Sequence[int]) -> dict[int, OriginalFacts]:
    """What a reprint needs to know of its original: its channel, its rights and its classifier scores."""
    rows = (await connection.execute(sa.select(
        posts.c.id, posts.c.channel_id, posts.c.original, posts.c.reprint_rights, posts.c.reprint_whitelist)
        .where(posts.c.id.in_(list(post_ids))))).all()
    scores: dict[int, dict[str, float]] = {}
    for post_id, facts in await connection.execute(sa.select(decisions.c.post_id, decisions.c.facts).where(
            decisions.c.post_id.in_(list(post_ids))).order_by(decisions.c.id)):
        scores[post_id] = dict(facts.get("scores", {}))
    return {r.id: OriginalFacts(r.id, r.channel_id, r.original, r.reprint_rights, list(r.reprint_whitelist),
                                scores.get(r.id, {})) for r in rows}


async def chain_to_original(connection: AsyncConnection, post_id: int, limit: int = 20) -> list[dict[str, Any]]:
    """The post, what it reprints, and so on back to the original: original first."""
    chain: list[dict[str, Any]] = []
    current: int | None = post_id
    seen: set[int] = set()
    while current is not None and current not in seen and len(chain) < limit:
        seen.add(current)
        row = (await connection.execute(sa.select(
            posts.c.id, posts.c.channel_id, posts.c.title, posts.c.reprint_of, posts.c.reprint_detected,
            posts.c.reprint_similarity, posts.c.created_at, posts.c.state).where(posts.c.id == current))).first()
        if row is None:
            break
        chain.append(dict(row._mapping))
        current = row.reprint_of
    return list(reversed(chain))


async def reprints_of(connection: AsyncConnection, post_id: int) -> list[dict[str, Any]]:
    rows = await connection.execute(sa.select(
        posts.c.id, posts.c.channel_id, posts.c.title, posts.c.reprint_detected, posts.c.reprint_similarity,
        posts.c.created_at, posts.c.state).where(posts.c.reprint_of == post_id).order_by(posts.c.id))
    return [dict(row._mapping) for row in rows]


async def record_detected_txn(connection: AsyncConnection, detected: Sequence[tuple[int, int, float]]) -> None:
    """Attribute undeclared copies to their originals: (copy, original, similarity)."""
    for copy_id, original_id, similarity in detected:
        await connection.execute(posts.update().where(posts.c.id == copy_id, posts.c.reprint_of.is_(None)).values(
            reprint_of=original_id, reprint_detected=True, reprint_similarity=similarity))
