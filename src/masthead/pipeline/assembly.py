"""The stages a post passes through, in order. Later capabilities add their stage here."""
from __future__ import annotations

from masthead.context import Context
from masthead.pipeline.stages import AnalyseLanguage, Decide, PublishEverything, Stage
from masthead.pipeline.worker import AfterCommit, PipelineWorker


def build_stages(ctx: Context) -> list[Stage]:
    return [AnalyseLanguage(), Decide(PublishEverything())]


def build_worker(ctx: Context, *, after_commit: list[AfterCommit] | None = None) -> PipelineWorker:
    return PipelineWorker(ctx, build_stages(ctx), after_commit=after_commit or [])
