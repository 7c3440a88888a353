from __future__ import annotations

import numpy as np
import pytest

from masthead.reprint.index import MemoryIndex, earliest_neighbours
from masthead.reprint.minhash import BANDS, NUM_PERM, sign


def _random_signatures(count: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 2**32, size=(count, NUM_PERM), dtype=np.uint32)


def test_incremental_adds_and_bulk_adds_answer_alike() -> None:
    signatures = _random_signatures(3000, 1)
    incremental, bulk = MemoryIndex(), MemoryIndex()
    for doc_id, signature in enumerate(signatures):
        incremental.add(doc_id, signature)
    bulk.add_many(np.arange(1500), signatures[:1500])
    for doc_id in range(1500, 3000):
        bulk.add(doc_id, signatures[doc_id])
    assert len(incremental) == len(bulk) == 3000
    for probe in (0, 1023, 1024, 2047, 2999):
        near = signatures[probe].copy()
        near[: NUM_PERM // 4] = 7  # three quarters of the minima agree
        expected = [(probe, 0.75)]
        assert [(m.doc_id, m.similarity) for m in incremental.query(near)] == expected
        assert [(m.doc_id, m.similarity) for m in bulk.query(near)] == expected
        assert incremental.candidates(near) == [probe]


def test_matches_come_best_first_and_respect_the_threshold() -> None:
    text = " ".join(f"sentence {n} about the harbour, the budget and the council meeting." for n in range(30))
    index = MemoryIndex(threshold=0.5)
    for doc_id, variant in enumerate((text, text[: len(text) * 2 // 3], text[: len(text) // 5], "unrelated words only here")):
        signature = sign(variant)
        assert signature is not None
        index.add(doc_id, signature)
    query = sign(text)
    assert query is not None
    matches = index.query(query)
    assert [match.doc_id for match in matches] == [0, 1]
    assert matches[0].similarity == 1.0 > matches[1].similarity >= 0.5
    assert [match.doc_id for match in index.query(query, threshold=1.0)] == [0]


def test_rows_of_band_keys_and_signature_bytes_answer_like_the_memory_index() -> None:
    # What the database tables hold: (band_key BIGINT, doc_id) and (doc_id, signature BLOB).
    from masthead.reprint.matching import rank
    from masthead.reprint.minhash import band_keys, from_bytes, to_bytes

    signatures = _random_signatures(500, 2)
    band_rows: dict[int, list[int]] = {}
    signature_rows: dict[int, bytes] = {}
    memory = MemoryIndex()
    for doc_id, signature in enumerate(signatures):
        for key in band_keys(signature):
            band_rows.setdefault(key, []).append(doc_id)
        signature_rows[doc_id] = to_bytes(signature)
        memory.add(doc_id, signature)
    near = signatures[42].copy()
    near[:32] = 0
    found = sorted({doc_id for key in band_keys(near) for doc_id in band_rows.get(key, [])})
    stored = np.stack([from_bytes(signature_rows[doc_id]) for doc_id in found])
    assert rank(near, found, stored, memory.threshold) == memory.query(near)
    assert [match.doc_id for match in memory.query(near)] == [42]


def test_runs_merge_like_a_binary_counter_so_adding_stays_logarithmic() -> None:
    # Merging whenever the older run was at most twice the newer rewrote the whole index every other flush.
    index = MemoryIndex()
    for doc_id, signature in enumerate(_random_signatures(5 * 1024, 3)):
        index.add(doc_id, signature)
    assert [run.rows.size // BANDS for run in index._runs] == [4096, 1024]


def test_querying_and_adding_a_batch_equals_querying_then_adding_one_by_one() -> None:
    originals = _random_signatures(600, 4)
    near = originals[np.random.default_rng(5).integers(0, 600, size=900)].copy()
    near[:, : NUM_PERM // 4] = _random_signatures(900, 6)[:, : NUM_PERM // 4]
    stream = np.concatenate((originals, near, near[:50], near[:50], near[:50]))  # exact repeats, in one batch too
    doc_ids = np.concatenate((np.arange(len(stream) - 10), np.full(10, 3)))  # and an id added again
    one_by_one, batched = MemoryIndex(), MemoryIndex()
    expected = []
    for doc_id, signature in zip(doc_ids.tolist(), stream):
        expected.append(one_by_one.query(signature))
        one_by_one.add(doc_id, signature)
    found = []
    for first in range(0, len(stream), 300):  # batches that straddle tail flushes
        found += batched.query_and_add_many(doc_ids[first : first + 300], stream[first : first + 300])
    assert found == expected
    assert sum(map(len, found)) > 1000
    assert len(batched) == len(stream)
    assert [m.doc_id for m in batched.query(stream[700])] == [m.doc_id for m in one_by_one.query(stream[700])]
    assert batched.query_and_add_many([], np.empty((0, NUM_PERM), dtype=np.uint32)) == []


def test_a_run_finds_every_equal_key_across_the_whole_signed_range(monkeypatch: pytest.MonkeyPatch) -> None:
    from masthead.reprint import index
    from masthead.reprint.index import _Run

    rng = np.random.default_rng(8)
    extremes = np.array([-(2**63), -(2**63) + 1, -1, 0, 1, 2**63 - 2, 2**63 - 1], dtype=np.int64)
    keys = np.concatenate((rng.integers(-(2**63), 2**63 - 1, size=5000, dtype=np.int64), extremes, np.full(40, 12345)))
    run = _Run(keys, np.arange(keys.size, dtype=np.int32))
    probes = np.concatenate((keys[::7], extremes, [12345, 777], rng.integers(-(2**63), 2**63 - 1, size=50, dtype=np.int64)))
    positions, rows = run.lookup_many(probes)
    expected = sorted((p, r) for p, probe in enumerate(probes.tolist()) for r in np.flatnonzero(keys == probe).tolist())
    assert sorted(zip(positions.tolist(), rows.tolist())) == expected
    assert _Run(keys[:1], np.zeros(1, dtype=np.int32)).lookup(keys[:1]).tolist() == [0]
    searched = [sorted(run.lookup(probes[i : i + 32]).tolist()) for i in range(0, probes.size, 32)]
    monkeypatch.setattr(index, "_SEARCHED_RUN_KEYS", 0)  # a single query's lookup through the directory
    assert [sorted(run.lookup(probes[i : i + 32]).tolist()) for i in range(0, probes.size, 32)] == searched
    assert sum(map(len, searched)) == len(expected)


def test_best_match_is_the_first_of_rank_ties_included() -> None:
    from masthead.reprint.matching import best_match, rank

    rng = np.random.default_rng(3)
    for trial in range(200):
        count = int(rng.integers(1, 12))
        # Few distinct values per column make equal similarities (ties) common.
        pool = rng.integers(0, 3, size=(count, NUM_PERM), dtype=np.uint32)
        query = rng.integers(0, 3, size=NUM_PERM, dtype=np.uint32)
        ids = rng.permutation(1000)[:count].tolist()
        for threshold in (0.0, 0.3, 0.35, 1.0):
            ranked = rank(query, ids, pool, threshold)
            assert best_match(query, ids, pool, threshold) == (ranked[0] if ranked else None), (trial, threshold)
    assert best_match(query, [], np.empty((0, NUM_PERM), dtype=np.uint32), 0.5) is None


@pytest.mark.parametrize("limit", [1, 3, 64])
def test_earliest_neighbours_are_the_first_earlier_documents_sharing_a_band(limit: int) -> None:
    rng = np.random.default_rng(7)
    # Few distinct keys, so documents share bands often, floods included (a key that every document has).
    keys = rng.integers(0, 40, size=(120, BANDS), dtype=np.int64)
    keys[:, 0] = 99
    found = earliest_neighbours(keys, limit)
    for document in range(len(keys)):
        sharing = [other for other in range(document) if set(keys[other]) & set(keys[document])]
        assert found[document] == sharing[:limit]


def test_band_rows_are_the_distinct_key_and_post_pairs_in_index_order() -> None:
    from masthead.store.reprints import _band_rows

    keys = np.array([[5, -3, 5], [7, -3, 2]], dtype=np.int64)  # a key repeated within one post
    assert _band_rows(keys, [11, 4]) == sorted({(5, 11), (-3, 11), (7, 4), (-3, 4), (2, 4)})


def test_querying_a_batch_equals_querying_one_by_one() -> None:
    originals = _random_signatures(2500, 9)
    index = MemoryIndex()
    for doc_id, signature in enumerate(originals[:2000]):
        index.add(doc_id % 1900, signature)  # some ids twice, and a tail not yet flushed
    index.add_many(np.arange(2000, 2500), originals[2000:])
    probes = originals[np.random.default_rng(10).integers(0, 2500, size=700)].copy()
    probes[:, : NUM_PERM // 4] = _random_signatures(700, 11)[:, : NUM_PERM // 4]
    probes = np.concatenate((probes, _random_signatures(100, 12), originals[:5]))
    expected = [index.query(probe) for probe in probes]
    for threshold in (None, 0.7):
        assert index.query_many(probes, threshold) == [index.query(probe, threshold) for probe in probes]
    assert index.query_many(probes) == expected
    assert sum(map(len, expected)) > 700
    assert index.query_many(np.empty((0, NUM_PERM), dtype=np.uint32)) == []
    assert MemoryIndex().query_many(probes[:3]) == [[], [], []]
