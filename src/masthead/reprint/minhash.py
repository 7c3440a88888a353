"""MinHash signatures with fixed seeds, their Jaccard estimate, and their storable forms (bytes, band keys).

A signature is NUM_PERM uint32 values from one-permutation hashing with optimal densification (Shrivastava,
ICML 2017): each shingle hash is mixed once; its top bits choose one of NUM_PERM bins and the rest is its
value; a bin keeps its smallest value. An empty bin takes the value of the first non-empty bin in a fixed
random order of the bins of its own, the same for every document: the paper probes uniformly random bins
until one is non-empty, and only the order in which such probes first reach each bin matters, so a random
permutation per bin gives the same distribution and always ends. Two signatures then agree in a bin with
probability equal to the Jaccard similarity of their shingle sets, as with NUM_PERM independent
permutations, for one hash per shingle instead of NUM_PERM. Band keys are signed 64-bit integers (a BIGINT column in SQLite
and PostgreSQL), one per band, with the band number mixed in so a single (band_key -> post) table serves all
bands.
"""
from __future__ import annotations

import hashlib
from functools import cache

import numpy as np
import numpy.typing as npt

from masthead.reprint.normalize import fold_table_digest
from masthead.reprint.shingles import SHINGLE_WIDTH, batch_shingle_hashes, mix64, shingle_hashes

# Bump SCHEME whenever shingling or signing changes in a way the digests below do not see.
SCHEME = "minhash4oph"
NUM_PERM = 128
BANDS = 32
ROWS = NUM_PERM // BANDS  # even: a band is hashed as pairs of minima
SEED = 20141
SIGNATURE_BYTES = NUM_PERM * 4
# At 0.5 a copy shares half of all distinct shingles with its original. The tests' edited copies (typos,
# reordering, added furniture, 75-90% truncation, mixed scripts) sit at 0.6-1.0 and distinct articles below
# 0.1, as does a paragraph quoted from a long article; 32 bands of 4 catch a pair at 0.6 with p = 0.99.
DEFAULT_THRESHOLD = 0.5
# Empty bins try this many bins of their probe order one by one; those still empty then search all of it.
_FIRST_PROBES = 12

Signature = npt.NDArray[np.uint32]
U64 = np.uint64
_BIN_SHIFT = U64(64 - (NUM_PERM - 1).bit_length())
_EMPTY = U64(2**32)


@cache
def _scheme() -> tuple[int, npt.NDArray[np.int64], npt.NDArray[np.uint8]]:
    """The salt mixed into every shingle hash; the probe orders, column b being bin b's (a random permutation
    of the bins: the order in which a sequence of uniform random probes first reaches each bin); and their
    inverse, rank[b, c] being bin c's place in bin b's probe order."""
    state = np.random.Generator(np.random.PCG64(SEED))
    salt = int(state.integers(0, 2**63, dtype=np.int64))
    order = np.stack([state.permutation(NUM_PERM) for _ in range(NUM_PERM)]).astype(np.int64)
    rank = np.empty((NUM_PERM, NUM_PERM), dtype=np.uint8)
    np.put_along_axis(rank, order, np.arange(NUM_PERM, dtype=np.uint8)[None, :].repeat(NUM_PERM, axis=0), axis=1)
    return salt, np.ascontiguousarray(order.T), rank


@cache
def index_version() -> str:
    """Changes whenever normalisation, shingling, hashing or banding change; record it with decisions."""
    salt, order, _ = _scheme()
    digest = hashlib.blake2b(salt.to_bytes(8, "little") + order.astype(np.uint8).tobytes(), digest_size=4).hexdigest()
    return f"{SCHEME}-k{SHINGLE_WIDTH}-p{NUM_PERM}-b{BANDS}x{ROWS}-{fold_table_digest()}-{digest}"


def _binned_minima(shingles: npt.NDArray[np.uint32], documents: npt.NDArray[np.int64], count: int
                   ) -> npt.NDArray[np.uint64]:
    """(count, NUM_PERM): each document's smallest value per bin, _EMPTY where no shingle fell."""
    salt, _, _ = _scheme()
    mixed = mix64(shingles.astype(U64) + U64(salt))
    slots = documents * NUM_PERM + (mixed >> _BIN_SHIFT).astype(np.int64)
    minima = np.full(count * NUM_PERM, _EMPTY, dtype=U64)
    np.minimum.at(minima, slots, mixed & U64(0xFFFFFFFF))
    return minima.reshape(count, NUM_PERM)


def _densified(minima: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint32]:
    """Give every empty bin of a row with any value the value of the first non-empty bin in its probe order."""
    _, order, rank = _scheme()
    flat = minima.reshape(-1)
    filled = flat != _EMPTY
    empty = np.flatnonzero(~filled & np.repeat(filled.reshape(minima.shape).any(axis=1), NUM_PERM))
    row_starts = empty - empty % NUM_PERM
    bins = empty % NUM_PERM
    source = np.empty(empty.size, dtype=np.int64)
    pending = np.arange(empty.size)
    for probe in range(_FIRST_PROBES):
        candidates = row_starts[pending] + order[probe][bins[pending]]
        hit = filled[candidates]
        source[pending[hit]] = candidates[hit]
        pending = pending[~hit]
    if pending.size:
        ranks = np.where(filled.reshape(minima.shape)[row_starts[pending] // NUM_PERM], rank[bins[pending]], NUM_PERM)
        source[pending] = row_starts[pending] + ranks.argmin(axis=1)
    signatures = flat.astype(np.uint32)
    signatures[empty] = flat[source]
    return signatures.reshape(minima.shape)


def sign_shingles(shingles: npt.NDArray[np.uint32]) -> Signature | None:
    """The signature of a set of shingle hashes (repeats allowed), or None for an empty set."""
    if shingles.size == 0:
        return None
    signature: Signature = _densified(_binned_minima(shingles, np.zeros(shingles.size, dtype=np.int64), 1))[0]
    return signature


def sign_many(texts: list[str]) -> list[Signature | None]:
    """`sign` for many texts, identical text by text, with the per-call numpy overhead paid once per batch."""
    shingles, documents = batch_shingle_hashes(texts)
    if shingles.size == 0:
        return [None] * len(texts)
    signatures = _densified(_binned_minima(shingles, documents, len(texts)))
    signed = np.bincount(documents, minlength=len(texts)) > 0
    return [signature.copy() if present else None for signature, present in zip(signatures, signed.tolist())]


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
