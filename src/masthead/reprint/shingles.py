"""Shingles as stable 64-bit hashes, computed with numpy: character 3-grams for Chinese, word 3-grams otherwise.

Hashes are pure functions of the folded text (no Python `hash`, no per-shingle objects), so signatures are the
same in every process and on every machine.
"""
from __future__ import annotations

import numpy as np
import numpy.typing as npt

from masthead.reprint.normalize import SEPARATOR, folded_code_points

SHINGLE_WIDTH = 3  # tokens per shingle: characters for Chinese, words otherwise
# A text is treated as Chinese when at least this share of its letters and digits are CJK characters.
CJK_SHARE = 0.3

U64 = np.uint64
_WORD_BASE = 0x100000001B3  # odd, so invertible modulo 2**64
_WORD_BASE_INVERSE = pow(_WORD_BASE, -1, 2**64)
_SHINGLE_MULTIPLIERS = (0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9)


def _mix(values: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """splitmix64's finaliser, in place on a fresh array."""
    values ^= values >> U64(30)
    values *= U64(0xBF58476D1CE4E5B9)
    values ^= values >> U64(27)
    values *= U64(0x94D049BB133111EB)
    values ^= values >> U64(31)
    return values


def _is_cjk(points: npt.NDArray[np.uint32]) -> npt.NDArray[np.bool_]:
    return (
        ((points >= 0x3040) & (points <= 0x30FF))  # kana
        | ((points >= 0x3400) & (points <= 0x9FFF))  # CJK unified ideographs and extension A
        | ((points >= 0xAC00) & (points <= 0xD7AF))  # hangul
        | ((points >= 0xF900) & (points <= 0xFAFF))
        | ((points >= 0x20000) & (points <= 0x3134F))
    )


def _powers(base: int, count: int) -> npt.NDArray[np.uint64]:
    powers = np.full(count, base, dtype=U64)
    powers[0] = 1
    return np.cumprod(powers, dtype=U64)


def _word_tokens(points: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint64]:
    """One polynomial hash per run of letters and digits, independent of where the word sits."""
    word = points != SEPARATOR
    edges = np.diff(np.concatenate(([False], word, [False])).astype(np.int8))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)
    prefix = np.zeros(len(points) + 1, dtype=U64)
    np.cumsum(points.astype(U64) * _powers(_WORD_BASE, len(points)), dtype=U64, out=prefix[1:])
    unshift = _powers(_WORD_BASE_INVERSE, len(points) + 1)[starts]
    return (prefix[ends] - prefix[starts]) * unshift


def tokens(text: str) -> npt.NDArray[np.uint64]:
    """Characters of a CJK-dominant text, words of any other, as unmixed 64-bit token values."""
    points = folded_code_points(text)
    letters = points[points != SEPARATOR]
    if letters.size and np.count_nonzero(_is_cjk(letters)) >= CJK_SHARE * letters.size:
        characters: npt.NDArray[np.uint64] = letters.astype(U64)
        return characters
    return _word_tokens(points)


def shingle_hashes(text: str) -> npt.NDArray[np.uint64]:
    """The distinct shingles of a text as 64-bit hashes; a text shorter than one shingle is one shingle."""
    values = _mix(tokens(text) + U64(1))
    if values.size == 0:
        return values
    width = min(SHINGLE_WIDTH, values.size)
    span = values.size - width + 1
    combined = values[:span] * U64(_SHINGLE_MULTIPLIERS[0])
    for offset in range(1, width):
        combined += values[offset : offset + span] * U64(_SHINGLE_MULTIPLIERS[offset])
    return np.unique(_mix(combined))
