"""Shingles as stable 32-bit hashes, computed with numpy: character 3-grams for Chinese, word 3-grams otherwise.

Hashes are pure functions of the folded text (no Python `hash`, no per-shingle objects), so signatures are the
same in every process and on every machine.
"""
from __future__ import annotations

from functools import cache

import numpy as np
import numpy.typing as npt

from masthead.reprint.normalize import SEPARATOR, fold_table, folded_code_points, strip_boilerplate

SHINGLE_WIDTH = 3  # tokens per shingle: characters for Chinese, words otherwise
# A text is treated as Chinese when at least this share of its letters and digits are CJK characters.
CJK_SHARE = 0.3

U64 = np.uint64
_WORD_BASE = 0x100000001B3  # odd, so invertible modulo 2**64
_WORD_BASE_INVERSE = pow(_WORD_BASE, -1, 2**64)
_SHINGLE_MULTIPLIERS = (0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9)


def mix64(values: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """splitmix64's finaliser, in place on a fresh array."""
    values ^= values >> U64(30)
    values *= U64(0xBF58476D1CE4E5B9)
    values ^= values >> U64(27)
    values *= U64(0x94D049BB133111EB)
    values ^= values >> U64(31)
    return values


_FIRST_CJK = 0x3040


@cache
def _cjk_table() -> npt.NDArray[np.bool_]:
    table = np.zeros(0x110000, dtype=np.bool_)
    for first, last in ((_FIRST_CJK, 0x30FF), (0x3400, 0x9FFF), (0xAC00, 0xD7AF), (0xF900, 0xFAFF), (0x20000, 0x3134F)):
        table[first : last + 1] = True  # kana, CJK ideographs and extension A, hangul, compatibility, B-G
    return table


class _Powers:
    """base**0, base**1, ... modulo 2**64, grown on demand and kept."""

    def __init__(self, base: int) -> None:
        self.base = base
        self.values = np.empty(0, dtype=U64)

    def __call__(self, count: int) -> npt.NDArray[np.uint64]:
        if count > self.values.size:
            size = max(count, 2 * self.values.size, 4096)
            powers = np.full(size, self.base, dtype=U64)
            powers[0] = 1
            self.values = np.cumprod(powers, dtype=U64)
        return self.values[:count]


_powers = _Powers(_WORD_BASE)
_inverse_powers = _Powers(_WORD_BASE_INVERSE)


def _word_tokens(points: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint64]:
    """One polynomial hash per run of letters and digits, independent of where the word sits."""
    word = points != SEPARATOR
    edges = np.diff(np.concatenate(([False], word, [False])).astype(np.int8))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)
    prefix = np.zeros(len(points) + 1, dtype=U64)
    np.cumsum(points.astype(U64) * _powers(len(points)), dtype=U64, out=prefix[1:])
    unshift = _inverse_powers(len(points) + 1)[starts]
    return (prefix[ends] - prefix[starts]) * unshift


def tokens(text: str) -> npt.NDArray[np.uint64]:
    """Characters of a CJK-dominant text, words of any other, as unmixed 64-bit token values."""
    points = folded_code_points(text)
    letters = points[points != SEPARATOR]
    if letters.size and np.count_nonzero(_cjk_table()[letters]) >= CJK_SHARE * letters.size:
        characters: npt.NDArray[np.uint64] = letters.astype(U64)
        return characters
    return _word_tokens(points)


def shingle_hashes(text: str) -> npt.NDArray[np.uint32]:
    """The shingles of a text as 32-bit hashes, repeats included; a text shorter than one shingle is one shingle."""
    values = mix64(tokens(text) + U64(1))
    if values.size == 0:
        return np.empty(0, dtype=np.uint32)
    width = min(SHINGLE_WIDTH, values.size)
    span = values.size - width + 1
    combined = values[:span] * U64(_SHINGLE_MULTIPLIERS[0])
    for offset in range(1, width):
        combined += values[offset : offset + span] * U64(_SHINGLE_MULTIPLIERS[offset])
    hashes: npt.NDArray[np.uint32] = mix64(combined).astype(np.uint32)
    return hashes


def shingle_hashes_many(texts: list[str]) -> list[npt.NDArray[np.uint32]]:
    """`shingle_hashes` for many texts at once, equal to it text by text."""
    hashes, documents = batch_shingle_hashes(texts)
    order = np.argsort(documents, kind="stable")
    counts = np.bincount(documents, minlength=len(texts))
    return np.split(hashes[order], np.cumsum(counts)[:-1]) if texts else []


def batch_shingle_hashes(texts: list[str]) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.int64]]:
    """The shingle hashes of all texts together, and the position in texts each belongs to: what
    `shingle_hashes` gives text by text, with a few numpy calls over the whole batch."""
    if not texts:
        return np.empty(0, dtype=np.uint32), np.empty(0, dtype=np.int64)
    values, tokens_per_doc = _batch_tokens(texts)
    token_doc = np.repeat(np.arange(len(texts), dtype=np.int64), tokens_per_doc)
    span = max(values.size - SHINGLE_WIDTH + 1, 0)
    whole = np.flatnonzero(token_doc[:span] == token_doc[SHINGLE_WIDTH - 1 :])  # shingles inside one text
    combined = values[whole] * U64(_SHINGLE_MULTIPLIERS[0])
    for offset in range(1, SHINGLE_WIDTH):
        combined += values[whole + offset] * U64(_SHINGLE_MULTIPLIERS[offset])
    hashes, documents = mix64(combined), token_doc[whole]
    short = np.flatnonzero((tokens_per_doc > 0) & (tokens_per_doc < SHINGLE_WIDTH))
    if short.size:
        firsts = np.cumsum(tokens_per_doc)[short] - tokens_per_doc[short]
        hashes = np.concatenate((hashes, _short_text_hashes(values, firsts, tokens_per_doc[short])))
        documents = np.concatenate((documents, short))
    return hashes.astype(np.uint32), documents


def _batch_tokens(texts: list[str]) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.int64]]:
    """The mixed token values of all texts (as `tokens` gives them, + 1, mixed) in order, and how many each has."""
    stripped = [strip_boilerplate(text) for text in texts]
    lengths = np.fromiter(map(len, stripped), dtype=np.int64, count=len(texts)) + 1  # each text and a separator
    points = fold_table()[np.frombuffer((" ".join(stripped) + " ").encode("utf-32-le"), dtype=np.uint32)]
    doc_starts = np.cumsum(lengths) - lengths
    letter = points != SEPARATOR
    letters_per_doc = np.add.reduceat(letter, doc_starts)
    cjk_per_doc = _cjk_per_doc(points, doc_starts)
    chinese = (letters_per_doc > 0) & (cjk_per_doc >= CJK_SHARE * letters_per_doc)
    single = letter & np.repeat(chinese, lengths)  # a character of a Chinese text is a token by itself
    token_start = letter.copy()
    token_start[1:] &= ~letter[:-1]
    token_start |= single
    token_end = letter.copy()
    token_end[:-1] &= ~letter[1:]
    token_end |= single
    starts = np.flatnonzero(token_start)
    ends = np.flatnonzero(token_end) + 1
    prefix = np.empty(points.size + 1, dtype=U64)  # polynomial hashes of every prefix of the batch
    prefix[0] = 0
    np.multiply(points, _powers(points.size), out=prefix[1:])
    np.cumsum(prefix[1:], out=prefix[1:])
    values = mix64((prefix[ends] - prefix[starts]) * _inverse_powers(points.size + 1)[starts] + U64(1))
    return values, np.add.reduceat(token_start, doc_starts)


def _cjk_per_doc(points: npt.NDArray[np.uint32], doc_starts: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """CJK characters in each text; only code points from the first CJK block on are looked up (few, in
    most texts that are not Chinese)."""
    high = np.flatnonzero(points >= _FIRST_CJK)
    cjk = high[_cjk_table()[points[high]]]
    bounds = np.searchsorted(cjk, np.append(doc_starts, points.size))
    return np.diff(bounds)


def _short_text_hashes(values: npt.NDArray[np.uint64], firsts: npt.NDArray[np.int64], counts: npt.NDArray[np.int64]
                       ) -> npt.NDArray[np.uint64]:
    """The one shingle of each text with fewer tokens than SHINGLE_WIDTH: all its tokens."""
    combined = values[firsts] * U64(_SHINGLE_MULTIPLIERS[0])
    for offset in range(1, SHINGLE_WIDTH - 1):
        present = counts > offset
        combined[present] += values[firsts[present] + offset] * U64(_SHINGLE_MULTIPLIERS[offset])
    return mix64(combined)
