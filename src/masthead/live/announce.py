"""The pipeline's after-commit hook for live delivery: ring this node's hub and tell the other nodes."""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from masthead.context import Context
from masthead.live import payload
from masthead.live.hub import Hub
from masthead.pipeline.worker import AfterCommit

if TYPE_CHECKING:
    from masthead.live.redis_bridge import RedisBridge

log = logging.getLogger(__name__)


def connect_redis(url: str) -> RedisBridge | None:
    """The bridge to other nodes, or None when no Redis is configured (Redis is then never imported)."""
    if not url:
        return None
    from masthead.live.redis_bridge import RedisBridge

    return RedisBridge(url)


def announce_published(hub: Hub | None, bridge: RedisBridge | None, *, ctx: Context | None = None,
                       post_json: payload.PostJson | None = None) -> AfterCommit:
    """With Redis, `ctx` and `post_json`, a commit that only published posts (at `published_seq`) sends them in
    its ping, read back once here, so that no hub reads them; any other commit sends the plain ping."""
    async def announce(changed: int, published_seq: int | None = None) -> None:
        if not changed:
            return
        found = None
        if published_seq is not None and bridge is not None and ctx is not None and post_json is not None:
            found = await _read_payload(ctx, published_seq, post_json)
        if hub is not None:
            if found is None:
                hub.notify()
            else:
                hub.offer(found[0])
        if bridge is not None:
            await (bridge.announce() if found is None else bridge.announce(found[1]))
    return announce


async def _read_payload(ctx: Context, feed_seq: int,
                        post_json: payload.PostJson) -> tuple[payload.Published, bytes] | None:
    limit = ctx.settings.live_payload_bytes
    if limit <= 0:
        return None
    try:
        async with ctx.db.read() as connection:
            return await payload.read_published(connection, feed_seq, ctx.clock.now(), post_json,
                                                max_posts=ctx.settings.pipeline_batch_size, limit=limit)
    except Exception:  # the commit stands; the nodes read it themselves
        log.exception("could not read back the posts published at feed_seq %d for the ping", feed_seq)
        return None
