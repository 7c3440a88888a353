"""Hashed character n-gram features, computed for a whole batch at once with numpy.

A text (or each chunk of it) becomes a sparse vector of sublinear n-gram counts (1 + log count), hashed into
2**HASH_BITS slots and L2-normalised. Text is normalised first (see `normalize`).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from masthead.classify.normalize import normalize

HASH_BITS = 18
N_FEATURES = 1 << HASH_BITS
NGRAM_ORDERS = (1, 2, 3, 4)
MERGE_BELOW_CHARS = 100
_PRIME = np.uint64(1_000_003)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_SHIFT = np.uint64(64 - HASH_BITS)
_ROW_SHIFT = np.uint64(HASH_BITS)


@dataclass(frozen=True)
class ChunkFeatures:
    """One CSR row per chunk; `chunk_doc[i]` is the index of the text that chunk i came from (non-decreasing)."""

    matrix: sp.csr_matrix
    chunk_doc: npt.NDArray[np.int64]


def chunk_text(text: str, chunk_chars: int) -> list[str]:
    """Lines (paragraphs) cut to at most `chunk_chars`; a line joins the chunk before it only while that chunk is
    shorter than MERGE_BELOW_CHARS, so a title joins its first paragraph but a short paragraph after a long one
    stands alone and is not diluted by it."""
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        line = line.strip()
        for start in range(0, len(line), chunk_chars):
            piece = line[start : start + chunk_chars]
            if current and len(current) < MERGE_BELOW_CHARS and len(current) + len(piece) < chunk_chars:
                current = f"{current} {piece}"
                continue
            if current:
                chunks.append(current)
            current = piece
    chunks.append(current)
    return chunks


def featurize(texts: Sequence[str], chunk_chars: int | None = None) -> ChunkFeatures:
    """One row per text, or with `chunk_chars` one row per chunk of each text."""
    if chunk_chars is None:
        return ChunkFeatures(_hashed_rows(texts), np.arange(len(texts), dtype=np.int64))
    pieces = [chunk_text(text, chunk_chars) for text in texts]
    counts = np.fromiter((len(chunks) for chunks in pieces), dtype=np.int64, count=len(pieces))
    flat = [chunk for chunks in pieces for chunk in chunks]
    return ChunkFeatures(_hashed_rows(flat), np.repeat(np.arange(len(texts), dtype=np.int64), counts))


def _hashed_rows(texts: Sequence[str]) -> sp.csr_matrix:
    normalised = [normalize(text) for text in texts]
    lengths = np.fromiter((len(text) for text in normalised), dtype=np.int64, count=len(normalised))
    codes = np.frombuffer(("\x00".join(normalised) + "\x00").encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    row_of_pos = np.repeat(np.arange(len(normalised), dtype=np.uint64), lengths + 1)
    unique, counts = np.unique(_ngram_keys(codes, row_of_pos), return_counts=True)
    rows = (unique >> _ROW_SHIFT).astype(np.int64)
    columns = (unique & np.uint64(N_FEATURES - 1)).astype(np.int32)
    values = (1.0 + np.log(counts)).astype(np.float32)
    norms = np.sqrt(np.bincount(rows, weights=values * values, minlength=len(normalised))).astype(np.float32)
    values /= norms[rows]
    indptr = np.concatenate(([0], np.cumsum(np.bincount(rows, minlength=len(normalised)))))
    return sp.csr_matrix((values, columns, indptr), shape=(len(normalised), N_FEATURES))


def _ngram_keys(codes: npt.NDArray[np.uint64], row_of_pos: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """Row index in the high bits, hashed n-gram in the low HASH_BITS; the NUL separators keep n-grams inside
    one text."""
    parts = []
    rolling = codes.copy()
    valid = codes != 0
    for order in range(1, max(NGRAM_ORDERS) + 1):
        if order > 1:
            rolling = rolling[:-1] * _PRIME + codes[order - 1 :]
            valid = valid[:-1] & (codes[order - 1 :] != 0)
        if order in NGRAM_ORDERS:
            hashed = ((rolling + np.uint64(order)) * _GOLDEN) >> _SHIFT
            parts.append(((row_of_pos[: rolling.size] << _ROW_SHIFT) | hashed)[valid])
    return np.concatenate(parts)
