"""Facts supplied directly for tests about workflows rather than models."""
from __future__ import annotations

from collections.abc import Sequence

from masthead.classify import CATEGORIES
from masthead.pipeline.stages import PostWork


class PoliticalScores:
    """Facts supplied directly (the classifiers run, but these tests are about the workflow, not the models):
    titles mentioning an election read as political news, and nothing scores as harmful."""

    name = "test.scores"

    async def run(self, batch: Sequence[PostWork]) -> None:
        for work in batch:
            scores = work.fact_group("scores")
            scores.update({category: 0.0 for category in CATEGORIES})
            scores["political_news"] = 0.96 if "election" in work.post.title.lower() else 0.02
