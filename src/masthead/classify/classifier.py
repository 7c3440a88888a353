"""The shipped classifier: language, then seven calibrated scores per text from chunked hashed n-grams."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

from masthead.classify.artifacts import HEADS_FILE, MANIFEST_FILE, Manifest, package_dir
from masthead.classify.features import FEATURE_SCHEME, HASH_BITS, MAX_POST_CHUNKS, NGRAM_ORDERS, featurize
from masthead.classify.heads import LinearHeads
from masthead.classify.langid import detect_languages

CATEGORIES: tuple[str, ...] = ("political_news", "social_news", "terrorism", "sexual", "violence", "hate", "rumor")


@dataclass(frozen=True)
class Classification:
    lang: str
    scores: dict[str, float]


class Classifier:
    """Harm categories take the maximum chunk logit, so a harmful paragraph at the end of a long post counts, and
    calibrate it with the post's chunk count, so that the maximum over many chunks of ordinary text is not read as
    evidence; topic categories average chunk logits (weighted by chunk length), so one aside does not make an article political news."""

    def __init__(self, heads: LinearHeads, manifest: Manifest) -> None:
        if (manifest.categories != CATEGORIES or manifest.features != FEATURE_SCHEME or manifest.hash_bits != HASH_BITS
                or manifest.ngram_orders != NGRAM_ORDERS):
            raise ValueError("classifier artifacts do not match this code's categories or features")
        self.version = manifest.version
        self.heads = heads
        self.chunk_chars = manifest.chunk_chars
        self._max_columns = np.array([category in manifest.max_over_chunks for category in CATEGORIES])

    def probabilities(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """(len(texts), 7) calibrated probabilities in CATEGORIES order."""
        if not texts:
            return np.zeros((0, len(CATEGORIES)), dtype=np.float32)
        features = featurize(texts, self.chunk_chars)
        logits = self.heads.logits(features)
        starts = np.flatnonzero(np.r_[True, features.chunk_doc[1:] != features.chunk_doc[:-1]])
        counts = np.diff(np.r_[starts, features.chunk_doc.size]).astype(np.float32)
        # Topic heads: the mean weighted by chunk length, so that a short title standing as its own chunk does not
        # weigh as much as the article under it.
        weights = np.maximum(features.chunk_length, 1.0)[:, None]
        mean_logits = np.add.reduceat(logits * weights, starts, axis=0) / np.add.reduceat(weights, starts, axis=0)
        max_logits = np.maximum.reduceat(logits, starts, axis=0)
        document_logits = np.where(self._max_columns, max_logits, mean_logits)
        return self.heads.calibrate(document_logits, np.log(np.minimum(counts, MAX_POST_CHUNKS))[:, None])

    def classify(self, texts: Sequence[str]) -> list[Classification]:
        probabilities = self.probabilities(texts).tolist()
        return [Classification(lang=lang, scores=dict(zip(CATEGORIES, row)))
                for lang, row in zip(detect_languages(texts), probabilities)]


def load_from(directory: Path) -> Classifier:
    return Classifier(LinearHeads.load(directory / HEADS_FILE), Manifest.read(directory / MANIFEST_FILE))


@lru_cache(maxsize=1)
def load_classifier() -> Classifier:
    return load_from(package_dir())
