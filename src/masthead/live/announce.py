"""The pipeline's after-commit hook for live delivery: ring this node's hub and tell the other nodes."""
from __future__ import annotations

from typing import TYPE_CHECKING

from masthead.live.hub import Hub
from masthead.pipeline.worker import AfterCommit

if TYPE_CHECKING:
    from masthead.live.redis_bridge import RedisBridge


def connect_redis(url: str) -> RedisBridge | None:
    """The bridge to other nodes, or None when no Redis is configured (Redis is then never imported)."""
    if not url:
        return None
    from masthead.live.redis_bridge import RedisBridge

    return RedisBridge(url)


def announce_published(hub: Hub | None, bridge: RedisBridge | None) -> AfterCommit:
    async def announce(changed: int) -> None:
        if not changed:
            return
        if hub is not None:
            hub.notify()
        if bridge is not None:
            await bridge.announce()
    return announce
