"""MinHash signatures with fixed seeds, their Jaccard estimate, and their storable forms (bytes, band keys).

A signature is NUM_PERM uint32 minima of affine permutations (mod 2**32) of the 32-bit shingle hashes. Band keys are signed
64-bit integers (a BIGINT column in SQLite and PostgreSQL), one per band, with the band number mixed in so a
single (band_key -> post) table serves all bands.
"""
from __future__ import annotations

import hashlib
from functools import cache

import numpy as np
import numpy.typing as npt

from masthead.reprint.normalize import fold_table_digest
from masthead.reprint.shingles import SHINGLE_WIDTH, shingle_hashes, shingle_hashes_many

# Bump SCHEME whenever shingling or signing changes in a way the digests below do not see.
SCHEME = "minhash3"
NUM_PERM = 128
BANDS = 32
ROWS = NUM_PERM // BANDS  # even: a band is hashed as pairs of minima
SEED = 20141
SIGNATURE_BYTES = NUM_PERM * 4
# At 0.5 a copy shares half of all distinct shingles with its original. The tests' edited copies (typos,
# reordering, added furniture, 75-90% truncation, mixed scripts) sit at 0.6-1.0 and distinct articles below
# 0.1, as does a paragraph quoted from a long article; 32 bands of 4 catch a pair at 0.6 with p = 0.99.
DEFAULT_THRESHOLD = 0.5
# Shingles are signed in chunks so that the (NUM_PERM x chunk) work array stays in cache.
_CHUNK = 2048
_BATCH_SHINGLES = 4096

Signature = npt.NDArray[np.uint32]
U64 = np.uint64


@cache
def _permutations() -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint32]]:
    """Affine maps x -> a*x + b modulo 2**32 with odd a: 32-bit lanes keep the (NUM_PERM x n) work vectorised."""
    state = np.random.Generator(np.random.PCG64(SEED))
    multipliers = state.integers(0, 2**32, size=(NUM_PERM, 1), dtype=np.uint32) | np.uint32(1)
    offsets = state.integers(0, 2**32, size=(NUM_PERM, 1), dtype=np.uint32)
    return multipliers, offsets


@cache
def index_version() -> str:
    """Changes whenever normalisation, shingling, permutations or banding change; record it with decisions."""
    multipliers, offsets = _permutations()
    digest = hashlib.blake2b(multipliers.tobytes() + offsets.tobytes(), digest_size=4).hexdigest()
    return f"{SCHEME}-k{SHINGLE_WIDTH}-p{NUM_PERM}-b{BANDS}x{ROWS}-{fold_table_digest()}-{digest}"


def sign_shingles(shingles: npt.NDArray[np.uint32]) -> Signature | None:
    """The signature of a set of shingle hashes (repeats allowed), or None for an empty set."""
    if shingles.size == 0:
        return None
    multipliers, offsets = _permutations()
    minima = np.full(NUM_PERM, np.iinfo(np.uint32).max, dtype=np.uint32)
    for start in range(0, shingles.size, _CHUNK):
        products = multipliers * shingles[start : start + _CHUNK]
        products += offsets
        np.minimum(minima, products.min(axis=1), out=minima)
    return minima


def sign_many(texts: list[str]) -> list[Signature | None]:
    """`sign` for many texts, identical text by text, with the per-call numpy overhead paid once per batch."""
    shingles = shingle_hashes_many(texts)
    signed = [position for position, values in enumerate(shingles) if values.size]
    result: list[Signature | None] = [None] * len(texts)
    multipliers, offsets = _permutations()
    batch: list[int] = []
    batch_size = 0
    for position in signed + [-1]:
        if position >= 0 and batch_size + shingles[position].size <= _BATCH_SHINGLES or (position >= 0 and not batch):
            batch.append(position)
            batch_size += shingles[position].size
            continue
        if batch:
            values = np.concatenate([shingles[member] for member in batch])
            starts = np.concatenate(([0], np.cumsum([shingles[member].size for member in batch])[:-1]))
            products = multipliers * values
            products += offsets
            minima = np.minimum.reduceat(products, starts, axis=1)
            for column, member in enumerate(batch):
                result[member] = np.ascontiguousarray(minima[:, column])
        if position >= 0:
            batch, batch_size = [position], shingles[position].size
    return result


def sign(text: str) -> Signature | None:
    """Normalise, shingle and sign a text; None when it has no letters or digits at all."""
    return sign_shingles(shingle_hashes(text))


def similarity(first: Signature, second: Signature) -> float:
    """Estimated Jaccard similarity: the share of permutations whose minima agree."""
    return float(np.count_nonzero(first == second)) / NUM_PERM


def similarities(signature: Signature, others: npt.NDArray[np.uint32]) -> npt.NDArray[np.float64]:
    """Estimated Jaccard similarity of one signature to each row of a (n, NUM_PERM) matrix."""
    agreeing: npt.NDArray[np.float64] = np.count_nonzero(others == signature, axis=1) / NUM_PERM
    return agreeing


def to_bytes(signature: Signature) -> bytes:
    """Little-endian uint32s, SIGNATURE_BYTES long: what a BLOB/BYTEA column holds."""
    return signature.astype("<u4").tobytes()


def from_bytes(data: bytes) -> Signature:
    if len(data) != SIGNATURE_BYTES:
        raise ValueError(f"a signature is {SIGNATURE_BYTES} bytes, got {len(data)}")
    return np.frombuffer(data, dtype="<u4").astype(np.uint32)


_BAND_SALT = np.arange(1, BANDS + 1, dtype=U64) * U64(0x9E3779B97F4A7C15)


def band_key_matrix(signatures: npt.NDArray[np.uint32]) -> npt.NDArray[np.int64]:
    """(n, NUM_PERM) signatures -> (n, BANDS) signed 64-bit band keys."""
    pairs = np.ascontiguousarray(signatures, dtype="<u4").view("<u8").astype(U64).reshape(len(signatures), BANDS, ROWS // 2)
    keys = _BAND_SALT ^ (pairs[:, :, 0] * U64(0xC2B2AE3D27D4EB4F))
    for pair in range(1, ROWS // 2):
        keys ^= pairs[:, :, pair] * U64(0x165667B19E3779F9)
    keys ^= keys >> U64(31)
    keys *= U64(0xBF58476D1CE4E5B9)
    keys ^= keys >> U64(29)
    return keys.view(np.int64)


def band_keys(signature: Signature) -> list[int]:
    """The BANDS band keys of one signature as Python ints in the signed 64-bit range."""
    return [int(key) for key in band_key_matrix(signature.reshape(1, NUM_PERM))[0]]
