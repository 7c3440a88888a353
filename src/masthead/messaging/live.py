"""Live delivery of private messages: each connected device waits on its own wake-up, and reads its envelopes
from the database by cursor, so a reconnecting device gets exactly what it missed, once."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Iterable
from dataclasses import dataclass

from masthead.context import Context
from masthead.domain.models import Account
from masthead.messaging.service import access_own_device
from masthead.messaging.store import Envelope, envelopes_after, latest_seq, recipients_after

BATCH = 200
POLL_BATCH = 10_000


class DeviceHub:
    """Wakes only the streams of the devices a message was sent to (one message need not wake every stream).
    A send on this node rings at once; for sends on other nodes one poller per node (not one per stream) reads
    which devices got envelopes every MASTHEAD_LIVE_POLL_SECONDS, while any stream is open."""

    def __init__(self) -> None:
        self._waiting: dict[int, set[asyncio.Event]] = {}
        self._poller: asyncio.Task[None] | None = None

    def notify(self, device_ids: Iterable[int]) -> None:
        for device_id in device_ids:
            for ring in self._waiting.get(device_id, ()):
                ring.set()

    def listen(self, device_id: int) -> asyncio.Event:
        ring = asyncio.Event()
        self._waiting.setdefault(device_id, set()).add(ring)
        return ring

    async def start_polling(self, ctx: Context) -> None:
        """Make sure this node's poller runs; it has read the latest position before this returns, so a stream
        that reads the database afterwards misses nothing."""
        if self._poller is not None and not self._poller.done():
            return
        async with ctx.db.read() as connection:
            after = await latest_seq(connection)
        self._poller = asyncio.create_task(self._poll(ctx, after))

    async def _poll(self, ctx: Context, after: int) -> None:
        while self._waiting:
            await asyncio.sleep(ctx.settings.live_poll_seconds)
            async with ctx.db.read() as connection:
                found = await recipients_after(connection, after, POLL_BATCH)
            if found:
                after = found[-1][1]
                self.notify({device_id for device_id, _ in found})

    def forget(self, device_id: int, ring: asyncio.Event) -> None:
        rings = self._waiting.get(device_id)
        if rings is not None:
            rings.discard(ring)
            if not rings:
                del self._waiting[device_id]
        if not self._waiting and self._poller is not None:
            self._poller.cancel()
            self._poller = None


@dataclass(frozen=True)
class MessageEvent:
    kind: str  # message | heartbeat
    cursor: int
    envelope: Envelope | None = None


async def message_events(ctx: Context, hub: DeviceHub, account: Account, device_id: int,
                         after: int) -> AsyncGenerator[MessageEvent, None]:
    """Endless: the device's envelopes after cursor `after`, then each new one, with heartbeats when quiet."""
    await access_own_device(ctx, account, device_id)
    ring = hub.listen(device_id)
    await hub.start_polling(ctx)
    try:
        while True:
            ring.clear()  # before reading: a send that commits after this read rings again
            async with ctx.db.read() as connection:
                envelopes = await envelopes_after(connection, device_id, after, BATCH)
            for envelope in envelopes:
                after = envelope.seq
                yield MessageEvent("message", after, envelope)
            if len(envelopes) == BATCH:
                continue
            # Quiet: heartbeats without reading the database (the ring covers sends here and, via the poller,
            # elsewhere), so a thousand idle streams cost nothing.
            while True:
                try:
                    await asyncio.wait_for(ring.wait(), ctx.settings.live_heartbeat_seconds)
                    break
                except TimeoutError:
                    yield MessageEvent("heartbeat", after)
    finally:
        hub.forget(device_id, ring)
