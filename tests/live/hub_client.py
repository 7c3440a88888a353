"""An in-process live client for hub tests: the real hub, the real catch-up reads, an outlet that records."""
from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

from starlette.types import Message

from masthead.live.hub import Hub, Listener
from masthead.live.outlet import SLOW_CONSUMER, Outlet
from masthead.live.stream import StreamPosition, StreamScope
from masthead.live.wire import WS


class RecordingOutlet(Outlet):
    """Keeps what reaches the client; while `stalled`, delivered bytes pile up as unsent, as with a client that
    stopped reading."""

    def __init__(self, limit: int) -> None:
        super().__init__(self._never, WS, limit)
        self.messages: list[bytes] = []
        self.packed: list[Any] = []
        self.stalled = False
        self.unsent = 0

    @staticmethod
    async def _never(message: Message) -> None:
        raise AssertionError("the recording outlet sends nothing through ASGI")

    def pack(self, messages: list[bytes]) -> list[bytes]:
        return list(messages)

    def deliver(self, packed: list[bytes]) -> str | None:
        self.packed.append(packed)
        if self.stalled:
            self.unsent += sum(len(message) for message in packed)
            return SLOW_CONSUMER if self.unsent > self.limit else None
        self.messages.extend(packed)
        return None

    async def send(self, messages: list[bytes]) -> None:
        self.messages.extend(messages)

    def events(self) -> list[dict[str, Any]]:
        return [json.loads(message) for message in self.messages]

    def post_ids(self) -> list[str]:
        return [event["data"]["id"] for event in self.events() if event["event"] == "post"]


class HubClient:
    def __init__(self, hub: Hub, scope: StreamScope, start: StreamPosition | None = None, limit: int = 1 << 20):
        self.outlet = RecordingOutlet(limit)
        self.listener = Listener(scope, WS, self.outlet)
        self._leave = asyncio.Event()
        self.task: asyncio.Task[str | None] = asyncio.ensure_future(hub.serve(self.listener, start, self._receive))

    async def _receive(self) -> Message:
        await self._leave.wait()
        return {"type": "websocket.disconnect", "code": 1000}

    async def joined(self) -> HubClient:
        await until(lambda: self.listener.group is not None or self.task.done())
        assert self.listener.group is not None, self.task
        return self

    async def leave(self) -> str | None:
        self._leave.set()
        return await asyncio.wait_for(self.task, 5)


async def until(condition: Callable[[], bool], turns: int = 10_000) -> None:
    """Let other tasks run until `condition` holds (they wait on the database, so give them real turns)."""
    for _ in range(turns):
        if condition():
            return
        await asyncio.sleep(0.001)
    raise AssertionError("condition never held")
