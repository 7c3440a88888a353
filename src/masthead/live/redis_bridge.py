"""Between nodes: after a commit a worker publishes a ping on one Redis channel (with the posts it published, when
they fit: masthead.live.payload); every server node holds one subscription and hands each ping to its local hub.
Imported only when MASTHEAD_REDIS_URL is set."""
from __future__ import annotations

import asyncio
import logging

import redis.asyncio as redis

from masthead.live import payload
from masthead.live.hub import Hub

log = logging.getLogger(__name__)

CHANNEL = "masthead:feed"
PLAIN_PING = b"1"
RECONNECT_SECONDS = 1.0


class RedisBridge:
    def __init__(self, url: str) -> None:
        self.client = redis.Redis.from_url(url)

    async def announce(self, message: bytes = PLAIN_PING) -> None:
        try:
            await self.client.publish(CHANNEL, message)
        except (redis.RedisError, OSError) as exc:
            # Streams still poll the database, so a lost ping only delays delivery.
            log.warning("could not announce new posts on Redis: %s", exc)

    async def relay(self, hub: Hub, stop: asyncio.Event) -> None:
        """Hand `hub` every ping until `stop` is set, reconnecting after errors."""
        while not stop.is_set():
            try:
                async with self.client.pubsub() as pubsub:
                    await pubsub.subscribe(CHANNEL)
                    hub.notify()  # anything announced while we were not listening is read now
                    while not stop.is_set():
                        message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=0.5)
                        if message is not None:
                            deliver(hub, message["data"])
            except (redis.RedisError, OSError) as exc:
                log.warning("Redis subscription lost (%s); retrying", exc)
                await asyncio.sleep(RECONNECT_SECONDS)

    async def close(self) -> None:
        await self.client.aclose()


def deliver(hub: Hub, message: bytes) -> None:
    published = payload.decode(message)
    if published is None:
        hub.notify()
    else:
        hub.offer(published)
