"""Ranking LSH candidates by estimated Jaccard similarity; shared by the in-memory and database indexes."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from masthead.reprint.minhash import Signature, similarities


@dataclass(frozen=True, slots=True)
class Match:
    doc_id: int
    similarity: float


def rank(
    signature: Signature,
    doc_ids: Sequence[int] | npt.NDArray[np.int64],
    signatures: npt.NDArray[np.uint32],
    threshold: float,
) -> list[Match]:
    """Candidates (ids with their (n, NUM_PERM) signatures) at or above threshold, best first, ties by id."""
    if len(doc_ids) == 0:
        return []
    ids = np.asarray(doc_ids, dtype=np.int64)
    scores = similarities(signature, signatures)
    keep = np.flatnonzero(scores >= threshold)
    order = keep[np.lexsort((ids[keep], -scores[keep]))]
    return [Match(int(ids[i]), float(scores[i])) for i in order]


def best_match(
    signature: Signature,
    doc_ids: Sequence[int] | npt.NDArray[np.int64],
    signatures: npt.NDArray[np.uint32],
    threshold: float,
) -> Match | None:
    """`rank(...)[0]` without ranking the rest: the most similar candidate at or above threshold, the
    smallest id among equals."""
    if len(doc_ids) == 0:
        return None
    ids = np.asarray(doc_ids, dtype=np.int64)
    scores = similarities(signature, signatures)
    top = scores.max()
    if top < threshold:
        return None
    best = int(ids[scores == top].min())
    return Match(best, float(top))
