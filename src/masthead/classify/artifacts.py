"""Where the shipped model lives in the package, and how its version is derived from the artifact bytes."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from masthead.classify.normalize import SCRIPT_MAP_FILE

HEADS_FILE = "heads.npz"
MANIFEST_FILE = "manifest.json"
CARD_FILE = "MODEL_CARD.md"


def package_dir() -> Path:
    return Path(str(resources.files(__package__)))


def content_hash(heads_path: Path, script_map_path: Path) -> str:
    """Hash of the array contents (not the zip bytes, whose timestamps vary) and the script map."""
    digest = hashlib.sha256()
    with np.load(heads_path) as data:
        for name in sorted(data.files):
            digest.update(name.encode())
            digest.update(np.ascontiguousarray(data[name]).tobytes())
    digest.update(script_map_path.read_bytes())
    return digest.hexdigest()[:10]


@dataclass(frozen=True)
class Manifest:
    version: str
    categories: tuple[str, ...]
    chunk_chars: int
    hash_bits: int
    ngram_orders: tuple[int, ...]
    max_over_chunks: tuple[str, ...]
    training_files: tuple[str, ...]
    features: str
    training_fingerprint: str = ""  # corpus.fingerprint of the examples the heads were fitted on

    def write(self, path: Path) -> None:
        payload: dict[str, Any] = {key: list(value) if isinstance(value, tuple) else value
                                   for key, value in self.__dict__.items()}
        path.write_text(json.dumps(payload, indent=2, sort_keys=True) + "\n", encoding="utf-8")

    @classmethod
    def read(cls, path: Path) -> Manifest:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return cls(version=raw["version"], categories=tuple(raw["categories"]), chunk_chars=raw["chunk_chars"],
                   hash_bits=raw["hash_bits"], ngram_orders=tuple(raw["ngram_orders"]),
                   max_over_chunks=tuple(raw["max_over_chunks"]), training_files=tuple(raw["training_files"]),
                   features=raw.get("features", "u64-char-0"),
                   training_fingerprint=raw.get("training_fingerprint", ""))


def script_map_path() -> Path:
    return package_dir() / SCRIPT_MAP_FILE
