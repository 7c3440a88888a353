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

from masthead.classify.normalize import normalized_codes

HASH_BITS = 18
N_FEATURES = 1 << HASH_BITS
NGRAM_ORDERS = (1, 2, 3, 4)
MERGE_BELOW_CHARS = 100
MAX_BLOCK_ROWS = (1 << (32 - HASH_BITS)) - 1
_PRIME = np.uint64(1_000_003)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_SHIFT = np.uint64(64 - HASH_BITS)


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
    """Rows are hashed in blocks of at most MAX_BLOCK_ROWS so that row and n-gram fit one uint32 sort key."""
    if len(texts) > MAX_BLOCK_ROWS:
        blocks = [_hashed_rows(texts[start : start + MAX_BLOCK_ROWS]) for start in range(0, len(texts), MAX_BLOCK_ROWS)]
        return sp.vstack(blocks, format="csr")
    codes, lengths = normalized_codes(texts)
    row_bits = np.arange(len(texts), dtype=np.uint32) << np.uint32(HASH_BITS)
    keys = np.sort(_ngram_keys(codes.astype(np.uint64), np.repeat(row_bits, lengths + 1)))
    starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
    counts = np.diff(np.concatenate((starts, [keys.size])))
    unique = keys[starts]
    rows = (unique >> np.uint32(HASH_BITS)).astype(np.int64)
    columns = (unique & np.uint32(N_FEATURES - 1)).astype(np.int32)
    values = (1.0 + np.log(counts)).astype(np.float32)
    norms = np.sqrt(np.bincount(rows, weights=values * values, minlength=len(texts))).astype(np.float32)
    values /= norms[rows]
    indptr = np.concatenate(([0], np.cumsum(np.bincount(rows, minlength=len(texts)))))
    return sp.csr_matrix((values, columns, indptr), shape=(len(texts), N_FEATURES))


def _ngram_keys(codes: npt.NDArray[np.uint64], row_of_pos: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint32]:
    """Row index in the high bits, hashed n-gram in the low HASH_BITS; the 0 separators keep n-grams inside
    one text."""
    parts = []
    rolling = codes.copy()
    valid = codes != 0
    for order in range(1, max(NGRAM_ORDERS) + 1):
        if order > 1:
            rolling = rolling[:-1] * _PRIME + codes[order - 1 :]
            valid = valid[:-1] & (codes[order - 1 :] != 0)
        if order in NGRAM_ORDERS:
            hashed = (((rolling + np.uint64(order)) * _GOLDEN) >> _SHIFT).astype(np.uint32)
            parts.append((row_of_pos[: rolling.size] | hashed)[valid])
    return np.concatenate(parts)
