from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

import masthead.classify.features as features_module
from masthead.classify.features import N_FEATURES, chunk_text, featurize


def _norms(matrix: sp.spmatrix) -> np.ndarray:
    return np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1))).ravel()


def test_each_block_of_each_text_is_one_unit_length_row_by_default() -> None:
    features = featurize(["hello world", "你好，世界", ""])
    assert features.matrix.shape == (3, N_FEATURES)
    assert features.chunk_doc.tolist() == [0, 1, 2]
    np.testing.assert_allclose(_norms(features.kind("characters")), [1.0, 1.0, 0.0], atol=1e-5)
    np.testing.assert_allclose(_norms(features.kind("words")), [1.0, 0.0, 0.0], atol=1e-5)


def test_latin_words_and_word_pairs_are_features() -> None:
    words = featurize(["hello world hello", "It's a 2024 test, über-cool!", "新闻 news"]).kind("words")
    # hello, world + (hello world), (world hello); it's a 0000 test über cool + five pairs; news
    assert words.getnnz(axis=1).tolist() == [4, 11, 1]


def test_word_pairs_never_span_two_texts() -> None:
    together = featurize(["red", "blue"]).kind("words")
    assert together.getnnz(axis=1).tolist() == [1, 1]


def test_ngrams_never_span_two_texts() -> None:
    together = featurize(["abc def", "ghi"]).matrix
    apart = sp.vstack([featurize(["abc def"]).matrix, featurize(["ghi"]).matrix]).tocsr()
    assert (together != apart).nnz == 0


def test_the_product_with_weights_equals_the_summed_matrix_product() -> None:
    texts = ["Parliament passes the budget", "国务院召开常务会议 news", "", "spam spam spam spam"]
    features = featurize(texts, chunk_chars=10)
    weights = np.random.default_rng(0).normal(size=(N_FEATURES, 3)).astype(np.float32)
    np.testing.assert_allclose(features.dot(weights), features.matrix @ weights, atol=1e-5)


def test_big_and_small_blocks_give_the_same_product(monkeypatch: pytest.MonkeyPatch) -> None:
    features = featurize(["Parliament passes the budget", "国务院召开常务会议", "", "one two"])
    weights = np.random.default_rng(1).normal(size=(N_FEATURES, 2)).astype(np.float32)
    small = features.dot(weights)
    monkeypatch.setattr(features_module, "CSC_ABOVE_SLOTS_PER_ENTRY", N_FEATURES)
    assert isinstance(features.blocks[0].dot_matrix(), sp.csc_matrix)
    np.testing.assert_allclose(features.dot(weights), small, atol=1e-5)


def test_batches_larger_than_one_hashing_block_match_small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = ["alpha beta", "伽马", "delta epsilon zeta", "", "eta"]
    expected = featurize(texts).matrix
    monkeypatch.setattr(features_module, "MAX_BLOCK_ROWS", 2)
    blocked = featurize(texts)
    assert blocked.chunk_doc.tolist() == [0, 1, 2, 3, 4]
    assert abs(blocked.matrix - expected).max() < 1e-6


def test_long_texts_are_cut_into_chunks() -> None:
    features = featurize(["x" * 1000, "short"], chunk_chars=400)
    assert features.chunk_doc.tolist() == [0, 0, 0, 1]


def test_every_line_is_a_chunk_and_a_fragment_joins_the_line_after_it() -> None:
    text = "Title line\n\n" + "a" * 150 + "\n" + "b" * 150 + "\n1.\nshort tail"
    assert chunk_text(text, 300) == ["Title line", "a" * 150, "b" * 150, "1. short tail"]
    assert chunk_text("", 300) == [""]


def test_a_short_last_line_after_short_headlines_stands_alone() -> None:
    headlines = [f"Headline number {index} of the day" for index in range(12)]
    assert chunk_text("\n\n".join([*headlines, "harmful tail"]), 300)[-1] == "harmful tail"


def test_features_are_deterministic_and_case_insensitive() -> None:
    first = featurize(["Terror ATTACK"]).matrix
    second = featurize(["terror attack"]).matrix
    assert (first != second).nnz == 0


def test_a_word_hashes_alike_wherever_it_stands() -> None:
    words = featurize(["news", "big news today", "a\nnews"]).kind("words")
    news = set(words[0].indices)
    assert len(news) == 1
    assert news <= set(words[1].indices) and news <= set(words[2].indices)
