"""An in-memory, incremental MinHash LSH index (used by the CLI, the benchmark and tests).

Band keys live in sorted runs merged like a log-structured merge tree, plus a small unsorted tail, so adding
is amortised O(log n) and a query is a few binary searches per run. The persistent index keeps the same data
as rows: (band_key, doc_id) and (doc_id, signature bytes); see `band_keys` and `to_bytes` in `minhash`.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from masthead.reprint.matching import Match, rank
from masthead.reprint.minhash import BANDS, DEFAULT_THRESHOLD, NUM_PERM, Signature, band_key_matrix

BandKeys = npt.NDArray[np.int64]
_TAIL_DOCS = 1024
_KEY_CHUNK = 65536
_NO_ROWS = np.empty(0, dtype=np.int64)


def _keys_of(signature: Signature) -> BandKeys:
    keys: BandKeys = band_key_matrix(signature.reshape(1, NUM_PERM))[0]
    return keys


class _Run:
    """Band keys sorted ascending, with the signature row each came from."""

    __slots__ = ("keys", "rows")

    def __init__(self, keys: npt.NDArray[np.int64], rows: npt.NDArray[np.int64]) -> None:
        order = np.argsort(keys, kind="stable")
        self.keys = keys[order]
        self.rows = rows[order]

    @classmethod
    def merged(cls, first: _Run, second: _Run) -> _Run:
        return cls(np.concatenate((first.keys, second.keys)), np.concatenate((first.rows, second.rows)))

    def lookup(self, keys: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        starts = np.searchsorted(self.keys, keys, side="left")
        hits = np.flatnonzero(self.keys[np.minimum(starts, self.keys.size - 1)] == keys)
        if hits.size == 0:
            return _NO_ROWS
        ends = np.searchsorted(self.keys, keys[hits], side="right")
        return np.concatenate([self.rows[start:end] for start, end in zip(starts[hits].tolist(), ends.tolist())])


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
        runs = sum(run.keys.nbytes + run.rows.nbytes for run in self._runs)
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
        rows = np.repeat(np.arange(first, first + count, dtype=np.int64), BANDS)
        keys = np.concatenate(
            [band_key_matrix(signatures[start : start + _KEY_CHUNK]).reshape(-1) for start in range(0, count, _KEY_CHUNK)]
        )
        self._push(_Run(keys, rows))

    def _flush_tail(self) -> None:
        if self._tail_size == 0:
            return
        first = self._size - self._tail_size
        rows = np.repeat(np.arange(first, self._size, dtype=np.int64), BANDS)
        self._push(_Run(self._tail[: self._tail_size].reshape(-1).copy(), rows))
        self._tail_size = 0

    def _push(self, run: _Run) -> None:
        self._runs.append(run)
        while len(self._runs) > 1 and self._runs[-2].keys.size <= self._runs[-1].keys.size:
            last = self._runs.pop()
            self._runs[-1] = _Run.merged(self._runs[-1], last)

    def candidate_rows(self, signature: Signature, keys: BandKeys | None = None) -> npt.NDArray[np.int64]:
        keys = _keys_of(signature) if keys is None else keys
        found = [run.lookup(keys) for run in self._runs]
        if self._tail_size:
            tail_hits = np.flatnonzero((self._tail[: self._tail_size] == keys).any(axis=1))
            found.append(tail_hits + (self._size - self._tail_size))
        return np.unique(np.concatenate(found)) if found else np.empty(0, dtype=np.int64)

    def candidates(self, signature: Signature, keys: BandKeys | None = None) -> list[int]:
        """Ids sharing at least one band with the signature, unranked (LSH candidates)."""
        return [int(doc_id) for doc_id in np.unique(self._ids[self.candidate_rows(signature, keys)])]

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
