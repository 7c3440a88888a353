"""The reference model every figure is compared with: TF-IDF character n-grams + logistic regression."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline

SEED = 20261128


def fit_baseline(texts: Sequence[str], labels: npt.NDArray[np.int64]) -> Pipeline:
    pipeline = make_pipeline(
        TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=2, dtype=np.float32),
        LogisticRegression(C=4.0, solver="liblinear", max_iter=200, random_state=SEED),
    )
    pipeline.fit(list(texts), labels)
    return pipeline


def baseline_probabilities(pipeline: Pipeline, texts: Sequence[str]) -> npt.NDArray[np.float64]:
    return np.asarray(pipeline.predict_proba(list(texts))[:, 1], dtype=np.float64)
