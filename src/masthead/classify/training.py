"""Fitting all seven heads and writing the shipped artifacts."""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from masthead.classify.artifacts import HEADS_FILE, MANIFEST_FILE, Manifest, content_hash
from masthead.classify.classifier import CATEGORIES, Classifier
from masthead.classify.corpus import TRAINING_FILES, Example
from masthead.classify.features import CHUNK_CHARS, FEATURE_SCHEME, HASH_BITS, NGRAM_ORDERS
from masthead.classify.fitting import fit_many, regularisation
from masthead.classify.heads import LinearHeads
from masthead.classify.normalize import SCRIPT_MAP_FILE

MAX_OVER_CHUNKS: tuple[str, ...] = ("terrorism", "sexual", "violence", "hate", "rumor")


def fit_heads(tasks: Mapping[str, Sequence[Example]]) -> LinearHeads:
    fitted = fit_many([(tasks[category], regularisation(category), category in MAX_OVER_CHUNKS)
                       for category in CATEGORIES])
    return LinearHeads(
        weights=np.stack([head.weights for head in fitted], axis=1),
        bias=np.array([head.bias for head in fitted], dtype=np.float32),
        platt_a=np.array([head.platt_a for head in fitted], dtype=np.float32),
        platt_b=np.array([head.platt_b for head in fitted], dtype=np.float32),
        platt_length=np.array([head.platt_length for head in fitted], dtype=np.float32),
    )


def write_artifacts(heads: LinearHeads, directory: Path, date: dt.date, training_fingerprint: str = "") -> Manifest:
    """Saves the heads and a manifest whose version names the date and a hash of the stored arrays."""
    heads.save(directory / HEADS_FILE)
    digest = content_hash(directory / HEADS_FILE, directory / SCRIPT_MAP_FILE)
    manifest = Manifest(
        version=f"clf-{date:%Y.%m.%d}-{digest}", categories=CATEGORIES, chunk_chars=CHUNK_CHARS,
        hash_bits=HASH_BITS, ngram_orders=NGRAM_ORDERS, max_over_chunks=MAX_OVER_CHUNKS,
        training_files=TRAINING_FILES, features=FEATURE_SCHEME, training_fingerprint=training_fingerprint,
    )
    manifest.write(directory / MANIFEST_FILE)
    return manifest


def make_classifier(heads: LinearHeads, scratch: Path, version: str) -> Classifier:
    """A classifier over the quantised form of `heads`, exactly as it would ship."""
    stored = heads.quantised(scratch / HEADS_FILE)
    manifest = Manifest(version=version, categories=CATEGORIES, chunk_chars=CHUNK_CHARS, hash_bits=HASH_BITS,
                        ngram_orders=NGRAM_ORDERS, max_over_chunks=MAX_OVER_CHUNKS, training_files=TRAINING_FILES,
                        features=FEATURE_SCHEME)
    return Classifier(stored, manifest)
