"""Named pipeline stages. Each turns what is known about a batch of posts into more facts or a verdict and
has no side effects outside its PostWork, so a batch interrupted anywhere can simply run again."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from masthead.domain.language import detect_languages
from masthead.policy import Verdict
from masthead.store.pipeline import ClaimedPost


@dataclass
class PostWork:
    post: ClaimedPost
    facts: dict[str, Any] = field(default_factory=dict)
    versions: dict[str, Any] = field(default_factory=dict)
    verdict: Verdict | None = None

    def fact_group(self, name: str) -> dict[str, Any]:
        group: dict[str, Any] = self.facts.setdefault(name, {})
        return group


class Stage(Protocol):
    name: str

    async def run(self, batch: Sequence[PostWork]) -> None: ...


class AnalyseLanguage:
    """Post facts every later stage can count on: language, length, declared reprint and originality."""

    name = "analyse.language"

    async def run(self, batch: Sequence[PostWork]) -> None:
        languages = detect_languages([work.post.title + "\n" + work.post.body for work in batch])
        for work, lang in zip(batch, languages, strict=True):
            post = work.fact_group("post")
            post["lang"] = lang
            post["length"] = len(work.post.body)
            post["is_reprint"] = work.post.reprint_of is not None
            post["declared_original"] = work.post.original
