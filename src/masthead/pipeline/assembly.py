"""The stages a post passes through, in order. Later capabilities add their stage here."""
from __future__ import annotations

from masthead.context import Context
from masthead.pipeline.decide import PolicyDecide
from masthead.pipeline.stages import AnalysePost, Classify, Stage
from masthead.pipeline.worker import AfterCommit, PipelineWorker
from masthead.policy import PolicyHolder
from masthead.reprint.stage import DetectReprint
from masthead.verification.stage import AnalyseAuthor


def build_stages(ctx: Context, holder: PolicyHolder | None = None, *, dry_run: bool = False) -> list[Stage]:
    """The worker's stages; with `dry_run`, the same stages storing nothing (every stage but the decision's
    policy-text record only reads)."""
    return [AnalysePost(), Classify(), AnalyseAuthor(ctx), DetectReprint(ctx),
            PolicyDecide(ctx, holder, record_text=not dry_run)]


def build_worker(ctx: Context, *, after_commit: list[AfterCommit] | None = None,
                 holder: PolicyHolder | None = None) -> PipelineWorker:
    return PipelineWorker(ctx, build_stages(ctx, holder), after_commit=after_commit or [])
