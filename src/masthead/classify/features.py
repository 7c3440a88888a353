"""Hashed character and word n-gram features, computed for a whole batch at once with numpy.

A text (or each chunk of it) becomes two sparse blocks hashed into the same 2**HASH_BITS slots: character
n-grams of every script (NGRAM_ORDERS) and Latin-script word n-grams (WORD_ORDERS). Each block holds sublinear
counts (1 + log count) and is L2-normalised on its own, so a Chinese text (no words) and an English text weigh
their characters alike. Text is normalised first (see `normalize`).

Hashing is uint32 arithmetic on code points. The row and the hash share one uint32 sort key, hash in the high
bits, so one sort both counts each n-gram in each row and orders the entries by column: the result is a CSC
matrix whose product with the (slots × heads) weight table reads that table front to back.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from masthead.classify.normalize import normalized_codes

FEATURE_SCHEME = "u32-char-word-1"  # bump whenever hashing or weighting changes
HASH_BITS = 18
N_FEATURES = 1 << HASH_BITS
NGRAM_ORDERS = (1, 2, 3)
WORD_ORDERS = (1, 2)
WORD_WEIGHT = 1.0
# A line this short (a list marker, "（完）", a date) is a fragment: it joins the line after it instead of standing
# alone. Every longer line is a chunk of its own, so a harmful paragraph is never averaged with the lines before it.
MERGE_BELOW_CHARS = 8
CHUNK_CHARS = 300  # what the shipped model cuts posts into (recorded in its manifest)
# The document calibration was fitted on posts of up to this many chunks; a longer post is calibrated as one of
# this length, so padding a post with lines cannot push a harmful one's score down without limit.
MAX_POST_CHUNKS = 24
ROW_BITS = 32 - HASH_BITS
MAX_BLOCK_ROWS = 1 << ROW_BITS
CSC_ABOVE_SLOTS_PER_ENTRY = 4
_ROW_MASK = np.uint32(MAX_BLOCK_ROWS - 1)
_ROW_SHIFT = np.uint32(ROW_BITS)
_SHIFT = np.uint32(32 - HASH_BITS)
_HASH_MASK = ~_ROW_MASK
_PRIME = np.uint32(1_000_003)
_CHAR_MIX = np.uint32(0x9E3779B1)
_WORD_MIX = np.uint32(0x85EBCA6B)
_WORD_SALT = np.uint32(0x27D4EB2F)
_POSITIONS = 32
_WORD_TABLE_SIZE = 0x250


@dataclass(frozen=True)
class Block:
    """The entries of one kind (`characters` or `words`) for rows first_row .. first_row + n_rows - 1 of a batch,
    ordered by column; `rows` count from first_row."""

    kind: str
    first_row: int
    n_rows: int
    rows: npt.NDArray[np.int32]
    columns: npt.NDArray[np.int32]
    values: npt.NDArray[np.float32]

    def dot_matrix(self) -> sp.csc_matrix | sp.csr_matrix:
        """CSC for a big block (reads the weight table in order); CSR for a small one, whose cost then does not
        grow with the number of slots."""
        shape = (self.n_rows, N_FEATURES)
        if self.values.size * CSC_ABOVE_SLOTS_PER_ENTRY >= N_FEATURES:
            indptr = np.zeros(N_FEATURES + 1, dtype=np.int32)
            np.cumsum(np.bincount(self.columns, minlength=N_FEATURES), out=indptr[1:])
            return sp.csc_matrix((self.values, self.rows, indptr), shape=shape)
        order = np.argsort(self.rows, kind="stable")
        indptr = np.zeros(self.n_rows + 1, dtype=np.int32)
        np.cumsum(np.bincount(self.rows, minlength=self.n_rows), out=indptr[1:])
        return sp.csr_matrix((self.values[order], self.columns[order], indptr), shape=shape)


@dataclass(frozen=True)
class ChunkFeatures:
    """The blocks of one row per chunk; `chunk_doc[i]` is the index of the text chunk i came from
    (non-decreasing) and `chunk_length[i]` its length in characters."""

    blocks: tuple[Block, ...]
    chunk_doc: npt.NDArray[np.int64]
    chunk_length: npt.NDArray[np.float32]

    def kind(self, kind: str) -> sp.csr_matrix:
        """One kind of entries only, as a CSR matrix over all rows."""
        return self._summed([block for block in self.blocks if block.kind == kind])

    @property
    def matrix(self) -> sp.csr_matrix:
        """All blocks summed into one canonical CSR matrix, as training wants it."""
        return self._summed(list(self.blocks))

    def _summed(self, blocks: list[Block]) -> sp.csr_matrix:
        rows = np.concatenate([block.rows.astype(np.int64) + block.first_row for block in blocks])
        columns = np.concatenate([block.columns for block in blocks])
        values = np.concatenate([block.values for block in blocks])
        matrix = sp.coo_matrix((values, (rows, columns)), shape=(self.chunk_doc.size, N_FEATURES)).tocsr()
        matrix.sum_duplicates()
        return matrix

    def dot(self, weights: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """matrix @ weights without building the summed matrix."""
        product = np.zeros((self.chunk_doc.size, weights.shape[1]), dtype=np.float32)
        for block in self.blocks:
            product[block.first_row : block.first_row + block.n_rows] += block.dot_matrix() @ weights
        return product


def chunk_text(text: str, chunk_chars: int) -> list[str]:
    """Lines (paragraphs) cut to at most `chunk_chars`, each its own chunk, except that a fragment shorter than
    MERGE_BELOW_CHARS joins the line after it: a harmful last line after a dozen headlines stands alone, as it
    would be read, instead of sharing (and being diluted by) a chunk with them."""
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
        flat: Sequence[str] = texts
        chunk_doc = np.arange(len(texts), dtype=np.int64)
    else:
        pieces = [chunk_text(text, chunk_chars) for text in texts]
        counts = np.fromiter((len(chunks) for chunks in pieces), dtype=np.int64, count=len(pieces))
        flat = [chunk for chunks in pieces for chunk in chunks]
        chunk_doc = np.repeat(np.arange(len(texts), dtype=np.int64), counts)
    blocks = tuple(block for start in range(0, len(flat), MAX_BLOCK_ROWS)
                   for block in _hashed_blocks(flat[start : start + MAX_BLOCK_ROWS], start))
    lengths = np.fromiter((len(text) for text in flat), dtype=np.float32, count=len(flat))
    return ChunkFeatures(blocks, chunk_doc, lengths)


def _hashed_blocks(texts: Sequence[str], first_row: int) -> tuple[Block, Block]:
    """Character and word blocks of at most MAX_BLOCK_ROWS texts, so that row and hash fit one uint32 key."""
    codes, lengths = normalized_codes(texts)
    row_of_position = np.repeat(np.arange(len(texts), dtype=np.uint32), lengths + 1)
    return (_block("characters", _char_keys(codes, row_of_position), first_row, len(texts), 1.0),
            _block("words", _word_keys(codes, row_of_position), first_row, len(texts), WORD_WEIGHT))


def _block(kind: str, keys: npt.NDArray[np.uint32], first_row: int, rows: int, weight: float) -> Block:
    """Sublinear counts of each (hash, row) key, each row scaled to L2 norm `weight`."""
    keys.sort()
    first = np.empty(keys.size, dtype=bool)
    first[:1] = True
    np.not_equal(keys[1:], keys[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    unique = keys[starts]
    # Most n-grams occur once in a row (value 1): only the repeated ones need a logarithm and a weighted count.
    counts = _run_lengths(starts, keys.size)
    repeated = np.flatnonzero(counts > 1)
    values = np.ones(unique.size, dtype=np.float32)
    repeated_values = 1.0 + np.log(counts[repeated].astype(np.float32))
    values[repeated] = repeated_values
    # Both fields fit 31 bits, so the int32 views of these uint32 arrays hold the same numbers.
    row = np.bitwise_and(unique, _ROW_MASK).view(np.int32)
    squares = np.bincount(row, minlength=rows).astype(np.float64)
    squares += np.bincount(row[repeated], weights=np.square(repeated_values) - 1.0, minlength=rows)
    norms = np.sqrt(squares)
    scale = np.divide(weight, norms, out=np.zeros_like(norms), where=norms > 0).astype(np.float32)
    values *= scale.take(row)
    np.right_shift(unique, _ROW_SHIFT, out=unique)
    return Block(kind, first_row, rows, row, unique.view(np.int32), values)


def _run_lengths(starts: npt.NDArray[np.intp], total: int) -> npt.NDArray[np.intp]:
    """Lengths of the runs that begin at `starts` (increasing) and together cover 0 .. total - 1."""
    lengths = np.empty_like(starts)
    np.subtract(starts[1:], starts[:-1], out=lengths[:-1])
    lengths[-1:] = total - starts[-1:]
    return lengths


def _run_ends(starts: npt.NDArray[np.intp], total: int) -> npt.NDArray[np.intp]:
    """Last index of each run that begins at `starts` (increasing, starts[0] == 0) within 0 .. total - 1."""
    ends = np.empty_like(starts)
    np.subtract(starts[1:], 1, out=ends[:-1])
    ends[-1:] = total - 1
    return ends


def _char_keys(codes: npt.NDArray[np.uint32], row_of_position: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint32]:
    """Hashed character n-grams in the high bits, row in the low bits; the 0 separators keep n-grams inside one
    text."""
    parts = []
    rolling = codes.copy()
    letter = codes != 0
    valid = letter.copy()
    for order in range(1, max(NGRAM_ORDERS) + 1):
        if order > 1:
            rolling = rolling[:-1]
            rolling *= _PRIME
            rolling += codes[order - 1 :]
            valid = valid[:-1]
            valid &= letter[order - 1 :]
        if order in NGRAM_ORDERS:
            # (h >> _SHIFT) << _ROW_SHIFT is h with its low bits cleared, as the two shifts are equal.
            hashed = rolling + np.uint32(order)
            hashed *= _CHAR_MIX
            hashed &= _HASH_MASK
            hashed |= row_of_position[: rolling.size]
            parts.append(hashed[valid])
    return np.concatenate(parts)


@lru_cache(maxsize=1)
def _word_characters() -> npt.NDArray[np.bool_]:
    """Letters a-z and Latin letters with diacritics (after lower-casing), the folded digit 0 and the apostrophe;
    the last entry (False) stands for every code point beyond the table."""
    table = np.zeros(_WORD_TABLE_SIZE + 1, dtype=bool)
    table[ord("a") : ord("z") + 1] = True
    table[0xE0:_WORD_TABLE_SIZE] = True
    table[[ord("0"), ord("'")]] = True
    return table


@lru_cache(maxsize=1)
def _position_keys() -> npt.NDArray[np.uint32]:
    """Odd multipliers, one per position in a word (positions past the last share it)."""
    mixed = (np.arange(1, _POSITIONS + 1, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(32)
    return mixed.astype(np.uint32) | np.uint32(1)


def _word_keys(codes: npt.NDArray[np.uint32], row_of_position: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint32]:
    """Hashed words and pairs of consecutive words of the same text, like `_char_keys`."""
    positions = np.flatnonzero(_word_characters().take(codes, mode="clip"))
    if positions.size == 0:
        return np.zeros(0, dtype=np.uint32)
    starts_word = np.empty(positions.size, dtype=bool)
    starts_word[0] = True
    np.not_equal(positions[1:], positions[:-1] + 1, out=starts_word[1:])
    word_starts = np.flatnonzero(starts_word)
    offset = np.arange(positions.size) - np.repeat(word_starts, _run_lengths(word_starts, positions.size))
    mixed = codes[positions] * _position_keys()[np.minimum(offset, _POSITIONS - 1)]
    # Each word's sum (mod 2**32) is the difference of running sums at the ends of it and of the word before.
    running_at_end = np.cumsum(mixed, dtype=np.uint32)[_run_ends(word_starts, positions.size)]
    words = running_at_end.copy()
    words[1:] -= running_at_end[:-1]
    word_row = row_of_position[positions[word_starts]]
    parts = []
    if 1 in WORD_ORDERS:
        hashed = ((words ^ _WORD_SALT) * _WORD_MIX) >> _SHIFT
        parts.append((hashed << _ROW_SHIFT) | word_row)
    if 2 in WORD_ORDERS:
        same_text = word_row[1:] == word_row[:-1]
        hashed = ((words[:-1] * _PRIME + words[1:] + _WORD_SALT) * _WORD_MIX) >> _SHIFT
        parts.append(((hashed << _ROW_SHIFT) | word_row[1:])[same_text])
    return np.concatenate(parts)
