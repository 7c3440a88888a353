from __future__ import annotations

import hashlib

import numpy as np
import pytest

from masthead.reprint.minhash import (
    BANDS,
    NUM_PERM,
    SIGNATURE_BYTES,
    band_keys,
    from_bytes,
    index_version,
    sign,
    sign_many,
    sign_shingles,
    similarity,
    to_bytes,
)
from masthead.reprint.shingles import shingle_hashes

SAMPLE = "轉載自新華網\n深圳地鐵將設立ＶＩＰ頭等車廂　買雙倍票可享坐票。\nLeicester say they will not be rushed into making a bid for Andy Farrell."
ARTICLE = " ".join(
    f"Paragraph {n}: the regional council voted on the budget for roads, schools and the harbour number {n}."
    for n in range(40)
)


def test_signatures_and_version_are_pinned_across_processes_and_releases() -> None:
    # A change here means stored signatures no longer compare with new ones: bump SCHEME and rebuild the index.
    signature = sign(SAMPLE)
    assert signature is not None
    assert hashlib.blake2b(to_bytes(signature), digest_size=8).hexdigest() == "f070ad747b5ae4f8"
    assert index_version() == "minhash4oph-k3-p128-b32x4-97cfc495bb95-6fc3e475"


def test_chinese_uses_character_shingles_and_english_word_shingles() -> None:
    assert np.unique(shingle_hashes("深圳地铁将设立")).size == 5
    assert np.unique(shingle_hashes("the council met on tuesday")).size == 3
    repeated = shingle_hashes("the council the council the council")
    assert (repeated.size, np.unique(repeated).size) == (4, 2)
    assert shingle_hashes("hi").size == 1
    assert shingle_hashes("，。！ ...").size == 0
    assert sign("，。！ ...") is None


def test_similarity_estimates_jaccard() -> None:
    words = ARTICLE.split()
    first, second = sign(" ".join(words[:300])), sign(" ".join(words[100:]))
    a, b = set(zip(words[:300], words[1:300], words[2:300])), set(zip(words[100:], words[101:], words[102:]))
    exact = len(a & b) / len(a | b)
    assert first is not None and second is not None
    assert similarity(first, second) == pytest.approx(exact, abs=0.1)


def test_a_short_quote_in_a_long_article_is_not_a_reprint() -> None:
    quote = " ".join(ARTICLE.split()[200:230])
    original, quoting = sign(ARTICLE), sign(f"As the minutes put it: {quote} We disagree with all of it.")
    assert original is not None and quoting is not None
    assert similarity(original, quoting) < 0.2


def test_bytes_round_trip_and_band_keys_fit_a_bigint_column() -> None:
    signature = sign(ARTICLE)
    assert signature is not None
    data = to_bytes(signature)
    assert len(data) == SIGNATURE_BYTES
    assert np.array_equal(from_bytes(data), signature)
    keys = band_keys(signature)
    assert len(keys) == len(set(keys)) == BANDS
    assert all(-(2**63) <= key < 2**63 for key in keys)
    with pytest.raises(ValueError):
        from_bytes(data[:-1])
    assert signature.shape == (NUM_PERM,)


def test_batch_signing_equals_signing_one_by_one() -> None:
    texts = [SAMPLE, ARTICLE, "", "hi", "，。", "深圳", "a b", "a b c", "长" * 40000, ARTICLE[:500]]
    for text, batched in zip(texts, sign_many(texts)):
        alone = sign(text)
        assert (alone is None and batched is None) or (
            alone is not None and batched is not None and np.array_equal(alone, batched)
        )
    assert sign_many([]) == []


def test_band_keys_are_pinned_for_stored_rows() -> None:
    signature = sign(SAMPLE)
    assert signature is not None
    assert band_keys(signature)[:2] == [4611164580898144895, -8911413364574308567]


def _sets_with_jaccard(size: int, jaccard: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, float]:
    shared = round(2 * jaccard * size / (1 + jaccard))
    values = rng.choice(2**32, size=2 * size, replace=False).astype(np.uint32)
    first, second = values[:size], np.concatenate((values[:shared], values[size : 2 * size - shared]))
    return first, second, shared / (2 * size - shared)


@pytest.mark.parametrize("size", [3, 40, 300, 3000])
def test_one_permutation_signatures_estimate_jaccard_without_bias_at_any_size(size: int) -> None:
    # Short posts leave most bins empty before densification; long articles fill them all.
    rng = np.random.default_rng(size)
    errors = []
    for jaccard in (0.2, 0.5, 0.8) * 40:
        first, second, exact = _sets_with_jaccard(size, jaccard, rng)
        signatures = sign_shingles(first), sign_shingles(second)
        assert signatures[0] is not None and signatures[1] is not None
        errors.append(similarity(*signatures) - exact)
    assert abs(float(np.mean(errors))) < 0.015
    assert float(np.std(errors)) < 0.06  # NUM_PERM independent permutations give about 0.044 at J = 0.5


def _signed(values: np.ndarray) -> np.ndarray:
    signature = sign_shingles(values.astype(np.uint32))
    assert signature is not None
    return signature


def test_every_bin_is_filled_and_signatures_ignore_order_and_repeats() -> None:
    values = np.array([7, 123456789, 42], dtype=np.uint32)
    alone = [_signed(values[i : i + 1]) for i in range(3)]
    assert all(np.unique(signature).size == 1 for signature in alone)  # one shingle fills every bin
    assert set(_signed(values).tolist()) <= {int(signature[0]) for signature in alone}
    assert np.array_equal(_signed(np.concatenate((values[::-1], values))), _signed(values))
    assert sign_shingles(np.empty(0, dtype=np.uint32)) is None


def test_batch_shingles_equal_shingles_text_by_text() -> None:
    from masthead.reprint.shingles import batch_shingle_hashes, shingle_hashes_many

    texts = ["a b", SAMPLE, "", "hi", "深圳", "，。", ARTICLE, "one two three", "Source: x\r\ny z w", "长" * 500]
    hashes, documents = batch_shingle_hashes(texts)
    for position, text in enumerate(texts):
        assert np.array_equal(np.sort(hashes[documents == position]), np.sort(shingle_hashes(text)))
    assert all(np.array_equal(many, shingle_hashes(text)) for many, text in zip(shingle_hashes_many(texts), texts))
    assert shingle_hashes_many([]) == [] and batch_shingle_hashes([])[0].size == 0


def test_an_empty_bin_takes_the_first_filled_bin_of_its_probe_order() -> None:
    from masthead.reprint.minhash import _EMPTY, _densified, _scheme

    _, order, _ = _scheme()
    rng = np.random.default_rng(9)
    minima = rng.integers(0, 2**32, size=(40, NUM_PERM), dtype=np.uint64)
    for row, filled in enumerate(np.linspace(1, NUM_PERM, 40).astype(int)):  # from one bin filled to all
        minima[row, rng.permutation(NUM_PERM)[filled:]] = _EMPTY
    densified = _densified(minima)
    for row in range(len(minima)):
        for position in range(NUM_PERM):
            source = next(int(b) for b in [position, *order[:, position]] if minima[row, b] != _EMPTY)
            assert densified[row, position] == minima[row, source]
