"""A pipeline worker for the crash test: it works normally until its third batch, then announces that it is
in the middle of that batch (claimed, not committed) and stalls there so the test can SIGKILL it."""
from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path

from masthead.context import Context
from masthead.pipeline.assembly import build_stages
from masthead.pipeline.stages import PostWork
from masthead.pipeline.worker import PipelineWorker
from masthead.settings import load_settings


class StallOnBatch:
    name = "test.stall"

    def __init__(self, marker: Path, batch_number: int) -> None:
        self.marker = marker
        self.batch_number = batch_number
        self.seen = 0

    async def run(self, batch: Sequence[PostWork]) -> None:
        self.seen += 1
        if self.seen == self.batch_number:
            # Written aside, then renamed: the test must never read a half-written marker.
            partial = self.marker.with_suffix(".partial")
            partial.write_text(",".join(str(work.post.post_id) for work in batch))
            partial.rename(self.marker)
            await asyncio.sleep(3600)


async def main(marker: Path) -> None:
    ctx = Context.create(load_settings())
    stages = [*build_stages(ctx)]
    stages.insert(1, StallOnBatch(marker, batch_number=3))
    await PipelineWorker(ctx, stages, worker_id="stalling").run_forever(asyncio.Event())


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1])))
