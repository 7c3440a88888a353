"""The node-local wake-up: streams sleep on it and the pipeline (or the Redis bridge) rings it after a commit.
It carries no data; every stream reads what is new from the database, which is what makes resuming exact."""
from __future__ import annotations

import asyncio


class Hub:
    def __init__(self) -> None:
        self._ring = asyncio.Event()
        self.version = 0

    def notify(self) -> None:
        self.version += 1
        ring, self._ring = self._ring, asyncio.Event()
        ring.set()

    async def wait(self, seen_version: int, timeout: float) -> int:
        """Return once something happened since `seen_version`, or after `timeout`; the current version."""
        if self.version == seen_version:
            try:
                await asyncio.wait_for(self._ring.wait(), timeout)
            except TimeoutError:
                pass
        return self.version
