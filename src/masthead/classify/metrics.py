"""Quality figures for one binary task: precision, recall and F1 at 0.5, AUPRC, expected calibration error."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from sklearn.metrics import average_precision_score, f1_score, precision_recall_fscore_support

CALIBRATION_BINS = 10


@dataclass(frozen=True)
class Quality:
    precision: float
    recall: float
    f1: float
    macro_f1: float
    auprc: float
    ece: float
    recall_at_policy: float = float("nan")  # recall at the lowest score the default policy holds (harm heads)


def expected_calibration_error(labels: npt.NDArray[np.int64], probabilities: npt.NDArray[np.float64]) -> float:
    """Mean |accuracy - confidence| over ten equal-width probability bins, weighted by bin size."""
    bins = np.minimum((probabilities * CALIBRATION_BINS).astype(np.int64), CALIBRATION_BINS - 1)
    total = 0.0
    for index in range(CALIBRATION_BINS):
        members = bins == index
        if members.any():
            total += members.sum() * abs(labels[members].mean() - probabilities[members].mean())
    return float(total / labels.size)


def quality(labels: npt.NDArray[np.int64], probabilities: npt.NDArray[np.float64],
            policy_threshold: float | None = None) -> Quality:
    predicted = (probabilities >= 0.5).astype(np.int64)
    precision, recall, f1, _ = precision_recall_fscore_support(labels, predicted, average="binary", zero_division=0)
    has_both = 0 < labels.sum() < labels.size
    return Quality(
        precision=float(precision), recall=float(recall), f1=float(f1),
        macro_f1=float(f1_score(labels, predicted, average="macro", zero_division=0)),
        auprc=float(average_precision_score(labels, probabilities)) if has_both else float("nan"),
        ece=expected_calibration_error(labels, probabilities),
        recall_at_policy=(float((probabilities[labels == 1] >= policy_threshold).mean())
                          if policy_threshold is not None and labels.sum() else float("nan")),
    )
