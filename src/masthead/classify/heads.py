"""The linear heads: one hashed-n-gram logistic regression per category with Platt calibration."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from masthead.classify.features import ChunkFeatures

FloatArray = npt.NDArray[np.float32]


@dataclass(frozen=True)
class LinearHeads:
    """`weights` is (n_features, n_categories); a chunk's probability is sigmoid(a * (x·w + bias) + b)."""

    weights: FloatArray
    bias: FloatArray
    platt_a: FloatArray
    platt_b: FloatArray

    def logits(self, features: ChunkFeatures) -> FloatArray:
        return features.dot(self.weights) + self.bias

    def calibrate(self, logits: FloatArray) -> FloatArray:
        scaled = np.clip(self.platt_a * logits + self.platt_b, -40.0, 40.0)
        return (1.0 / (1.0 + np.exp(-scaled))).astype(np.float32)

    def save(self, path: Path) -> None:
        """Weights are stored as int8 with one scale per category, which keeps the artifact near 2 MB."""
        scale = np.maximum(np.abs(self.weights).max(axis=0), 1e-12) / 127.0
        quantised = np.round(self.weights / scale).astype(np.int8)
        np.savez_compressed(path, weights=quantised, scale=scale.astype(np.float32), bias=self.bias,
                            platt_a=self.platt_a, platt_b=self.platt_b)

    @classmethod
    def load(cls, path: Path) -> LinearHeads:
        with np.load(path) as data:
            weights = data["weights"].astype(np.float32) * data["scale"]
            return cls(weights=weights, bias=data["bias"], platt_a=data["platt_a"], platt_b=data["platt_b"])

    def quantised(self, path: Path) -> LinearHeads:
        """Round-trip through the stored form, so evaluation scores exactly what ships."""
        self.save(path)
        return LinearHeads.load(path)
