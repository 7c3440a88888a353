"""An in-memory, incremental MinHash LSH index (used by the CLI, the benchmark and tests).

Band keys live in sorted runs merged like a log-structured merge tree, plus a small unsorted tail, so adding
is amortised O(log n); each run has a directory of its keys by their top bits, so looking a key up reads two
nearby places per run. `query_many` and `query_and_add_many` look a whole batch up at once. Rows are int32: an index holds
fewer than 2**31 documents (a terabyte of signatures). The persistent index keeps the same data as rows:
(band_key, doc_id) and (doc_id, signature bytes); see `band_keys` and `to_bytes` in `minhash`.
"""
from __future__ import annotations

from collections.abc import Sequence

from typing import Any

import numpy as np
import numpy.typing as npt

from masthead.reprint.matching import Match, rank
from masthead.reprint.minhash import BANDS, DEFAULT_THRESHOLD, NUM_PERM, U64, Signature, band_key_matrix

BandKeys = npt.NDArray[np.int64]
_TAIL_DOCS = 1024
_KEY_CHUNK = 65536
_NO_ROWS = np.empty(0, dtype=np.int64)
_KEYS_PER_BUCKET = 2  # a directory entry (4 bytes) per two keys: fewer keys read per lookup
_SIGN_BIT = U64(1 << 63)
_SEARCHED_RUN_KEYS = 1 << 20
_NO_ROWS32 = np.empty(0, dtype=np.int32)
_PAIR_CHUNK = 4096  # candidate pairs compared at once: two (chunk x NUM_PERM) uint32 arrays


def _keys_of(signature: Signature) -> BandKeys:
    keys: BandKeys = band_key_matrix(signature.reshape(1, NUM_PERM))[0]
    return keys


def _expand_ranges(starts: npt.NDArray[np.int64], counts: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """start, start+1, ..., start+count-1 for every (start, count), concatenated."""
    ends = np.cumsum(counts)
    expanded: npt.NDArray[np.int64] = np.arange(ends[-1] if ends.size else 0, dtype=np.int64)
    expanded += np.repeat(starts - ends + counts, counts)
    return expanded


def _distinct(values: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """The distinct values, ascending: np.unique's result, several times faster by plain sorting (np.unique
    hashes integers first, which is slower when most values are repeats, as shared bands make them)."""
    ordered = np.sort(values)
    first = np.empty(ordered.size, dtype=np.bool_)
    first[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    distinct: npt.NDArray[np.int64] = ordered[first]
    return distinct


def _same_key_pairs(sorted_keys: npt.NDArray[np.int64], documents: npt.NDArray[np.int64]
                    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """(later, earlier) documents sharing a key, from keys sorted stably (so documents ascend among equal keys)."""
    new_key = np.ones(sorted_keys.size, dtype=np.bool_)
    new_key[1:] = sorted_keys[1:] != sorted_keys[:-1]
    position = np.arange(sorted_keys.size, dtype=np.int64)
    group_start = np.flatnonzero(new_key)[np.cumsum(new_key) - 1]
    earlier_count = position - group_start
    later = np.repeat(documents, earlier_count)
    earlier = documents[_expand_ranges(group_start, earlier_count)]
    distinct = earlier < later
    return later[distinct], earlier[distinct]


def earliest_neighbours(keys: npt.NDArray[np.int64], limit: int) -> list[list[int]]:
    """For each document (row of band keys, in id order), the first `limit` earlier documents (row numbers,
    ascending) that share at least one band with it. Vectorised, and bounded for floods: of each key only its
    first `limit` owners are paired, which leaves the answer unchanged (the first `limit` of a union are each
    among the first `limit` of their own key)."""
    flat = keys.reshape(-1)
    order = np.argsort(flat, kind="stable")
    sorted_keys, documents = flat[order], order // keys.shape[1]
    new_key = np.ones(sorted_keys.size, dtype=np.bool_)
    new_key[1:] = sorted_keys[1:] != sorted_keys[:-1]
    group_start = np.flatnonzero(new_key)[np.cumsum(new_key) - 1]
    earlier_count = np.minimum(np.arange(sorted_keys.size, dtype=np.int64) - group_start, limit)
    later = np.repeat(documents, earlier_count)
    earlier = documents[_expand_ranges(group_start, earlier_count)]
    pairs = np.unique((later * len(keys) + earlier)[earlier < later])
    neighbours: list[list[int]] = [[] for _ in range(len(keys))]
    for document, neighbour in zip((pairs // len(keys)).tolist(), (pairs % len(keys)).tolist()):
        if len(neighbours[document]) < limit:
            neighbours[document].append(neighbour)
    return neighbours


class _Run:
    """Band keys sorted ascending, with the signature row each came from, and a directory of where each
    bucket of keys (their top bits; about _KEYS_PER_BUCKET keys each, as band keys are uniform hashes)
    starts, so a lookup reads two nearby places instead of binary-searching the whole run."""

    __slots__ = ("keys", "rows", "_shift", "_directory")

    def __init__(self, keys: npt.NDArray[np.int64], rows: npt.NDArray[np.int32], presorted: bool = False) -> None:
        if not presorted:
            order = np.argsort(keys, kind="stable")
            keys, rows = keys[order], rows[order]
        self.keys = keys
        self.rows = rows
        bits = max(int(keys.size // _KEYS_PER_BUCKET).bit_length(), 1)
        self._shift = U64(64 - bits)
        counts = np.bincount(self._buckets(keys), minlength=1 << bits)
        self._directory = np.zeros((1 << bits) + 1, dtype=np.int32 if keys.size < 2**31 else np.int64)
        np.cumsum(counts, out=self._directory[1:])

    def _buckets(self, keys: npt.NDArray[np.int64]) -> npt.NDArray[np.uint64]:
        """The top bits of each key taken as unsigned after flipping the sign bit: ascending with the key."""
        buckets: npt.NDArray[np.uint64] = (keys.view(np.uint64) ^ _SIGN_BIT) >> self._shift
        return buckets

    @classmethod
    def merged(cls, first: _Run, second: _Run) -> _Run:
        return cls(np.concatenate((first.keys, second.keys)), np.concatenate((first.rows, second.rows)))

    def nbytes(self) -> int:
        return self.keys.nbytes + self.rows.nbytes + self._directory.nbytes

    def lookup(self, keys: npt.NDArray[np.int64]) -> npt.NDArray[np.int32]:
        """Rows of indexed keys equal to one of a few keys (one query's): binary search in a run small enough
        to stay in cache costs fewer numpy calls than the directory."""
        if self.keys.size > _SEARCHED_RUN_KEYS:
            return self.lookup_many(keys)[1]
        starts = np.searchsorted(self.keys, keys, side="left")
        hits = np.flatnonzero(self.keys[np.minimum(starts, self.keys.size - 1)] == keys)
        if hits.size == 0:
            return _NO_ROWS32
        ends = np.searchsorted(self.keys, keys[hits], side="right")
        return self.rows[_expand_ranges(starts[hits], ends - starts[hits])]

    def lookup_many(self, keys: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int32]]:
        """(position in keys, row) for every indexed key equal to one of keys."""
        buckets = self._buckets(keys)
        starts = self._directory[buckets].astype(np.int64)
        counts = self._directory[buckets + U64(1)] - starts
        positions = _expand_ranges(starts, counts)
        needles = np.repeat(np.arange(keys.size, dtype=np.int64), counts)
        hits = np.flatnonzero(self.keys[positions] == keys[needles])
        return needles[hits], self.rows[positions[hits]]


class MemoryIndex:
    def __init__(self, threshold: float = DEFAULT_THRESHOLD) -> None:
        self.threshold = threshold
        self._ids = np.empty(0, dtype=np.int64)
        self._signatures = np.empty((0, NUM_PERM), dtype=np.uint32)
        self._size = 0
        self._runs: list[_Run] = []
        self._tail = np.empty((_TAIL_DOCS, BANDS), dtype=np.int64)
        self._tail_size = 0

    def __len__(self) -> int:
        return self._size

    def nbytes(self) -> int:
        """Memory held by the index's arrays (allocated capacity included)."""
        runs = sum(run.nbytes() for run in self._runs)
        return self._ids.nbytes + self._signatures.nbytes + self._tail.nbytes + runs

    def _reserve(self, extra: int) -> None:
        needed = self._size + extra
        if needed <= len(self._ids):
            return
        capacity = max(needed, 2 * len(self._ids), 1024)
        ids = np.empty(capacity, dtype=np.int64)
        signatures = np.empty((capacity, NUM_PERM), dtype=np.uint32)
        ids[: self._size] = self._ids[: self._size]
        signatures[: self._size] = self._signatures[: self._size]
        self._ids, self._signatures = ids, signatures

    def add(self, doc_id: int, signature: Signature, keys: BandKeys | None = None) -> None:
        """Index one document. Adding the same id twice indexes it twice; the persistent index keys on id.
        `keys` is the signature's `band_key_matrix` row, when the caller has it already."""
        self._reserve(1)
        self._ids[self._size] = doc_id
        self._signatures[self._size] = signature
        self._tail[self._tail_size] = _keys_of(signature) if keys is None else keys
        self._size += 1
        self._tail_size += 1
        if self._tail_size == _TAIL_DOCS:
            self._flush_tail()

    def add_many(self, doc_ids: Sequence[int] | npt.NDArray[np.int64], signatures: npt.NDArray[np.uint32]) -> None:
        """Index many documents at once (a rebuild): one sort instead of many merges."""
        count = len(doc_ids)
        if count == 0:
            return
        self._flush_tail()
        self._reserve(count)
        first = self._size
        self._ids[first : first + count] = doc_ids
        self._signatures[first : first + count] = signatures
        self._size += count
        rows = np.repeat(np.arange(first, first + count, dtype=np.int32), BANDS)
        keys = np.concatenate(
            [band_key_matrix(signatures[start : start + _KEY_CHUNK]).reshape(-1) for start in range(0, count, _KEY_CHUNK)]
        )
        self._push(_Run(keys, rows))

    def _flush_tail(self) -> None:
        if self._tail_size == 0:
            return
        first = self._size - self._tail_size
        rows = np.repeat(np.arange(first, self._size, dtype=np.int32), BANDS)
        self._push(_Run(self._tail[: self._tail_size].reshape(-1).copy(), rows))
        self._tail_size = 0

    def _push(self, run: _Run) -> None:
        self._runs.append(run)
        while len(self._runs) > 1 and self._runs[-2].keys.size <= self._runs[-1].keys.size:
            last = self._runs.pop()
            self._runs[-1] = _Run.merged(self._runs[-1], last)

    def query_and_add_many(
        self,
        doc_ids: Sequence[int] | npt.NDArray[np.int64],
        signatures: npt.NDArray[np.uint32],
        keys: npt.NDArray[np.int64] | None = None,
        threshold: float | None = None,
    ) -> list[list[Match]]:
        """For each document, what `query` returns just before it is added, then `add`: a document finds
        what was indexed before the call and the documents ahead of it in this call. Equal to `query` then
        `add` one by one, with a few numpy calls per batch instead of per document."""
        count = len(doc_ids)
        if count == 0:
            return []
        self._flush_tail()
        flat = (band_key_matrix(signatures) if keys is None else keys).reshape(-1)
        order = np.argsort(flat, kind="stable")
        sorted_keys = flat[order]
        documents = order // BANDS
        first = self._size
        size = first + count  # pairs are coded as query * size + row
        later, earlier = _same_key_pairs(sorted_keys, documents)
        pairs = _distinct(np.concatenate([*self._indexed_pairs(sorted_keys, documents, size), later * size + earlier + first]))
        self._reserve(count)
        self._ids[first : first + count] = doc_ids
        self._signatures[first : first + count] = signatures
        self._size += count
        self._push(_Run(sorted_keys, (documents + first).astype(np.int32), presorted=True))
        return self._ranked(pairs // size, pairs % size, signatures, self.threshold if threshold is None else threshold)

    def query_many(self, signatures: npt.NDArray[np.uint32], threshold: float | None = None) -> list[list[Match]]:
        """`query` for each of many signatures, without adding them, with a few numpy calls per batch instead of
        per document."""
        count = len(signatures)
        self._flush_tail()
        if count == 0 or not self._runs:
            return [[] for _ in range(count)]
        flat = band_key_matrix(signatures).reshape(-1)
        order = np.argsort(flat, kind="stable")
        pairs = _distinct(np.concatenate(self._indexed_pairs(flat[order], order // BANDS, self._size)))
        return self._ranked(pairs // self._size, pairs % self._size, signatures,
                            self.threshold if threshold is None else threshold)

    def _indexed_pairs(self, keys: npt.NDArray[np.int64], documents: npt.NDArray[np.int64], size: int
                       ) -> list[npt.NDArray[np.int64]]:
        """document * size + row for every indexed row sharing one of the keys (of those documents), run by
        run. Pairs repeat when they share several bands."""
        pairs: list[npt.NDArray[np.int64]] = []
        for run in self._runs:
            positions, rows = run.lookup_many(keys)
            pairs.append(documents[positions] * size + rows)
        return pairs

    def _ranked(self, queries: npt.NDArray[np.int64], rows: npt.NDArray[np.int64], signatures: npt.NDArray[np.uint32],
                threshold: float) -> list[list[Match]]:
        """Each query's (a position in `signatures`) distinct candidate rows at or above threshold, best first,
        ties by id, one match per id."""
        count = len(signatures)
        agreeing = np.empty(len(rows), dtype=np.int64)
        for start in range(0, len(rows), _PAIR_CHUNK):
            chunk = slice(start, start + _PAIR_CHUNK)
            agreeing[chunk] = np.count_nonzero(self._signatures[rows[chunk]] == signatures[queries[chunk]], axis=1)
        keep = np.flatnonzero(agreeing >= threshold * NUM_PERM)
        queries, ids, agreeing = queries[keep], self._ids[rows[keep]], agreeing[keep]
        best_per_id = np.lexsort((-agreeing, ids, queries))
        queries, ids, agreeing = queries[best_per_id], ids[best_per_id], agreeing[best_per_id]
        first_of_id = np.ones(len(ids), dtype=np.bool_)
        first_of_id[1:] = (queries[1:] != queries[:-1]) | (ids[1:] != ids[:-1])
        queries, ids, agreeing = queries[first_of_id], ids[first_of_id], agreeing[first_of_id]
        order = np.lexsort((ids, -agreeing, queries))
        results: list[list[Match]] = [[] for _ in range(count)]
        for query, doc_id, agree in zip(queries[order].tolist(), ids[order].tolist(), agreeing[order].tolist()):
            results[query].append(Match(doc_id, agree / NUM_PERM))
        return results

    def candidate_rows(self, signature: Signature, keys: BandKeys | None = None) -> npt.NDArray[np.int64]:
        keys = _keys_of(signature) if keys is None else keys
        found: list[npt.NDArray[np.integer[Any]]] = [run.lookup(keys) for run in self._runs]
        if self._tail_size:
            tail_hits = np.flatnonzero((self._tail[: self._tail_size] == keys).any(axis=1))
            found.append(tail_hits + (self._size - self._tail_size))
        return np.unique(np.concatenate(found)) if found else np.empty(0, dtype=np.int64)

    def candidates(self, signature: Signature, keys: BandKeys | None = None) -> list[int]:
        """Ids sharing at least one band with the signature, unranked (LSH candidates), in increasing order."""
        ids: list[int] = np.unique(self._ids[self.candidate_rows(signature, keys)]).tolist()
        return ids

    def query(self, signature: Signature, threshold: float | None = None, keys: BandKeys | None = None) -> list[Match]:
        """Indexed documents whose estimated Jaccard similarity is at or above the threshold, best first.

        The bands are tuned for DEFAULT_THRESHOLD: a much lower threshold filters the same candidates and so
        misses many pairs between it and DEFAULT_THRESHOLD."""
        rows = self.candidate_rows(signature, keys)
        matches = rank(signature, self._ids[rows], self._signatures[rows], self.threshold if threshold is None else threshold)
        unique: dict[int, Match] = {}
        for match in matches:
            unique.setdefault(match.doc_id, match)
        return list(unique.values())
