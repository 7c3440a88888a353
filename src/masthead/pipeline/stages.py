"""Named pipeline stages. Each turns what is known about a batch of posts into more facts or a verdict and
has no side effects outside its PostWork, so a batch interrupted anywhere can simply run again."""
from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from masthead.classify import Classifier, load_classifier
from masthead.domain.posts import analysed_text
from masthead.policy import Verdict
from masthead.store.pipeline import ClaimedPost


@dataclass
class PostWork:
    post: ClaimedPost
    facts: dict[str, Any] = field(default_factory=dict)
    versions: dict[str, Any] = field(default_factory=dict)
    verdict: Verdict | None = None
    # The post's reprint signature (for the index) and, for an undeclared copy, (original post, similarity).
    signature: Any = None
    detected_original: tuple[int, float] | None = None

    def fact_group(self, name: str) -> dict[str, Any]:
        group: dict[str, Any] = self.facts.setdefault(name, {})
        return group


class Stage(Protocol):
    name: str

    async def run(self, batch: Sequence[PostWork]) -> None: ...


class AnalysePost:
    """Post facts every later stage can count on: length, declared reprint and originality."""

    name = "analyse.post"

    async def run(self, batch: Sequence[PostWork]) -> None:
        for work in batch:
            post = work.fact_group("post")
            post["length"] = len(work.post.body)
            post["is_reprint"] = work.post.reprint_of is not None
            post["declared_original"] = work.post.original


class Classify:
    """Language and the seven calibrated scores. The model runs in a thread so the event loop (and with it
    the API in the same process) stays responsive while a batch is scored."""

    name = "analyse.classify"

    def __init__(self, classifier: Classifier | None = None) -> None:
        self.classifier = classifier or load_classifier()

    async def run(self, batch: Sequence[PostWork]) -> None:
        texts = [analysed_text(work.post.title, work.post.body) for work in batch]
        results = await asyncio.to_thread(self.classifier.classify, texts)
        for work, result in zip(batch, results, strict=True):
            work.fact_group("post")["lang"] = result.lang
            work.fact_group("scores").update(result.scores)
            work.versions["model"] = self.classifier.version
