from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from masthead.classify.features import N_FEATURES, chunk_text, featurize


def test_each_text_is_one_unit_length_row_by_default() -> None:
    features = featurize(["hello world", "你好，世界", ""])
    assert features.matrix.shape == (3, N_FEATURES)
    assert features.chunk_doc.tolist() == [0, 1, 2]
    norms = np.sqrt(np.asarray(features.matrix.multiply(features.matrix).sum(axis=1))).ravel()
    np.testing.assert_allclose(norms, [1.0, 1.0, 0.0], atol=1e-5)


def test_ngrams_never_span_two_texts() -> None:
    together = featurize(["abc", "def"]).matrix
    apart = sp.vstack([featurize(["abc"]).matrix, featurize(["def"]).matrix]).tocsr()
    assert (together != apart).nnz == 0


def test_long_texts_are_cut_into_chunks() -> None:
    features = featurize(["x" * 1000, "short"], chunk_chars=400)
    assert features.chunk_doc.tolist() == [0, 0, 0, 1]


def test_a_title_joins_its_first_paragraph_but_a_paragraph_after_a_long_one_stands_alone() -> None:
    text = "Title\n\n" + "a" * 150 + "\n" + "b" * 150 + "\nshort tail"
    assert chunk_text(text, 300) == ["Title " + "a" * 150, "b" * 150, "short tail"]
    assert chunk_text("", 300) == [""]


def test_features_are_deterministic_and_case_insensitive() -> None:
    first = featurize(["Terror ATTACK"]).matrix
    second = featurize(["terror attack"]).matrix
    assert (first != second).nnz == 0
