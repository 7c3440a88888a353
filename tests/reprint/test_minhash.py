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
    assert hashlib.blake2b(to_bytes(signature), digest_size=8).hexdigest() == "bda1fbc87df1ab1e"
    assert index_version() == "minhash3-k3-p128-b32x4-97cfc495bb95-2229b048"


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
    assert band_keys(signature)[:2] == [-4939826350040042392, -2725028958220473945]
