"""Text classifiers: language plus seven calibrated topic and harm probabilities for every post."""
from __future__ import annotations

from masthead.classify.classifier import CATEGORIES, Classification, Classifier, load_classifier

__all__ = ["CATEGORIES", "Classification", "Classifier", "load_classifier"]
