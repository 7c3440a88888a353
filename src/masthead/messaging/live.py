"""Live delivery of private messages: each connected device waits on its own wake-up, and reads its envelopes
from the database by cursor, so a reconnecting device gets exactly what it missed, once."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Iterable
from dataclasses import dataclass

from masthead.context import Context
from masthead.domain.models import Account
from masthead.messaging.service import access_own_device
from masthead.messaging.store import Envelope, envelopes_after

BATCH = 200


class DeviceHub:
    """Wakes only the streams of the devices a message was sent to (one message need not wake every stream).
    Node-local: streams on other nodes, or after a send in another process, notice within the poll interval."""

    def __init__(self) -> None:
        self._waiting: dict[int, set[asyncio.Event]] = {}

    def notify(self, device_ids: Iterable[int]) -> None:
        for device_id in device_ids:
            for ring in self._waiting.get(device_id, ()):
                ring.set()

    def listen(self, device_id: int) -> asyncio.Event:
        ring = asyncio.Event()
        self._waiting.setdefault(device_id, set()).add(ring)
        return ring

    def forget(self, device_id: int, ring: asyncio.Event) -> None:
        rings = self._waiting.get(device_id)
        if rings is not None:
            rings.discard(ring)
            if not rings:
                del self._waiting[device_id]


@dataclass(frozen=True)
class MessageEvent:
    kind: str  # message | heartbeat
    cursor: int
    envelope: Envelope | None = None


async def message_events(ctx: Context, hub: DeviceHub, account: Account, device_id: int,
                         after: int) -> AsyncGenerator[MessageEvent, None]:
    """Endless: the device's envelopes after cursor `after`, then each new one, with heartbeats when quiet."""
    settings = ctx.settings
    await access_own_device(ctx, account, device_id)
    ring = hub.listen(device_id)
    idle = 0.0
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
            if envelopes:
                idle = 0.0
            wait = min(settings.live_poll_seconds, settings.live_heartbeat_seconds)
            try:
                await asyncio.wait_for(ring.wait(), wait)
                idle = 0.0
            except TimeoutError:
                idle += wait
            if idle >= settings.live_heartbeat_seconds:
                idle = 0.0
                yield MessageEvent("heartbeat", after)
    finally:
        hub.forget(device_id, ring)
