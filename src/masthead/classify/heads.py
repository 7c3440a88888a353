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
    """`weights` is (n_features, n_categories); a text of n chunks whose (max or mean) chunk logit is z has the
    probability sigmoid(a * z + b + length * log n). `length` is 0 for heads calibrated on single texts."""

    weights: FloatArray
    bias: FloatArray
    platt_a: FloatArray
    platt_b: FloatArray
    platt_length: FloatArray

    def logits(self, features: ChunkFeatures) -> FloatArray:
        return features.dot(self.weights) + self.bias

    def calibrate(self, logits: FloatArray, log_chunks: FloatArray | None = None) -> FloatArray:
        """`logits` is (texts, categories); `log_chunks` (texts, 1) the log of each text's chunk count."""
        scaled: FloatArray = self.platt_a * logits + self.platt_b
        if log_chunks is not None:
            scaled = scaled + self.platt_length * log_chunks
        scaled = np.clip(scaled, -40.0, 40.0)
        return (1.0 / (1.0 + np.exp(-scaled))).astype(np.float32)

    def save(self, path: Path) -> None:
        """Weights are stored as int8 with one scale per category, which keeps the artifact near 2 MB."""
        scale = np.maximum(np.abs(self.weights).max(axis=0), 1e-12) / 127.0
        quantised = np.round(self.weights / scale).astype(np.int8)
        np.savez_compressed(path, weights=quantised, scale=scale.astype(np.float32), bias=self.bias,
                            platt_a=self.platt_a, platt_b=self.platt_b, platt_length=self.platt_length)

    @classmethod
    def load(cls, path: Path) -> LinearHeads:
        with np.load(path) as data:
            weights = data["weights"].astype(np.float32) * data["scale"]
            length = data["platt_length"] if "platt_length" in data.files else np.zeros_like(data["platt_a"])
            return cls(weights=weights, bias=data["bias"], platt_a=data["platt_a"], platt_b=data["platt_b"],
                       platt_length=length)

    def quantised(self, path: Path) -> LinearHeads:
        """Round-trip through the stored form, so evaluation scores exactly what ships."""
        self.save(path)
        return LinearHeads.load(path)
