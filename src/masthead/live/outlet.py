"""How bytes reach one live connection.

Under uvicorn, once the response (or the WebSocket handshake) has gone out through ASGI, the hub writes each
batch straight to the connection's transport: the same bytes object for every connection, one write per batch,
and a connection whose unsent bytes pass the bound is dropped instead of slowing the others. Anywhere else (an
in-process test client, another server, a WebSocket with per-message compression, whose frames differ per
connection) a bounded queue feeds ASGI `send` from the connection's own task."""
from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections import deque
from typing import Any

from starlette.types import Message, Scope, Send

from masthead.live.wire import (
    SSE,
    Wire,
    http_chunk,
    websocket_close_frame,
    websocket_text_frame,
)

# The ASGI server's own `send`, put in the scope by the application before any middleware wraps it.
RAW_SEND = "masthead.raw_send"
# A dropped connection's last bytes may take this long to leave before the connection is cut.
FAREWELL_SECONDS = 5.0
SLOW_CONSUMER = "slow_consumer"
TRY_AGAIN_LATER = 1013
GONE = "gone"
SHUTTING_DOWN = "shutting_down"
_CHUNKED_HTTP_SERVERS = {"uvicorn.protocols.http.h11_impl", "uvicorn.protocols.http.httptools_impl"}
_WEBSOCKET_SERVERS = {"uvicorn.protocols.websockets.websockets_sansio_impl",
                      "uvicorn.protocols.websockets.websockets_impl"}


class Outlet(ABC):
    """`deliver` hands over a batch packed by `pack` without waiting and says why the connection must end, if it
    must; `send` waits for room (for catching up, before the hub delivers to this connection)."""

    __slots__ = ("asgi_send", "wire", "limit")

    def __init__(self, send: Send, wire: Wire, limit: int) -> None:
        self.asgi_send = send
        self.wire = wire
        self.limit = limit

    @abstractmethod
    def pack(self, messages: list[bytes]) -> Any:
        """The batch in the form this outlet hands over (bytes for a transport, a list for a queue)."""

    @abstractmethod
    def deliver(self, packed: Any) -> str | None:
        """Hand the packed batch over without waiting; the reason to end the connection, if it must end."""

    async def send(self, messages: list[bytes]) -> None:
        if self.wire is SSE:
            await self.asgi_send({"type": "http.response.body", "body": b"".join(messages), "more_body": True})
        else:
            for message in messages:
                await self.asgi_send({"type": "websocket.send", "text": message.decode()})

    async def pump(self) -> None:
        """Move delivered batches to the client until cancelled (only a queue needs to)."""
        await asyncio.Future()

    async def end(self, reason: str) -> None:
        """Tell the client why the server ends its connection: a comment closing the SSE stream, or a
        WebSocket close with code 1013 (try again later) and the reason."""
        if self.wire is SSE:
            await self.asgi_send({"type": "http.response.body", "body": SSE.farewell(reason), "more_body": True})
        else:
            await self.asgi_send({"type": "websocket.close", "code": TRY_AGAIN_LATER, "reason": reason})


class TransportOutlet(Outlet):
    __slots__ = ("transport",)

    def __init__(self, send: Send, wire: Wire, limit: int, transport: asyncio.Transport) -> None:
        super().__init__(send, wire, limit)
        self.transport = transport

    def pack(self, messages: list[bytes]) -> bytes:
        if self.wire is SSE:
            return http_chunk(b"".join(messages))
        return b"".join([websocket_text_frame(message) for message in messages])

    def deliver(self, packed: bytes) -> str | None:
        transport = self.transport
        if transport.is_closing():
            return GONE
        transport.write(packed)
        return SLOW_CONSUMER if transport.get_write_buffer_size() > self.limit else None

    async def end(self, reason: str) -> None:
        """Queue the farewell behind what the client has not read, close, and cut the connection if the
        client does not read that much within FAREWELL_SECONDS (waiting on ASGI here could wait forever)."""
        if self.wire is SSE:
            self.transport.write(http_chunk(SSE.farewell(reason)))
        else:
            self.transport.write(websocket_close_frame(TRY_AGAIN_LATER, reason))
        self.transport.close()
        asyncio.get_running_loop().call_later(FAREWELL_SECONDS, self.transport.abort)


class QueueOutlet(Outlet):
    __slots__ = ("queue", "queued_bytes", "ready")

    def __init__(self, send: Send, wire: Wire, limit: int) -> None:
        super().__init__(send, wire, limit)
        self.queue: deque[list[bytes]] = deque()
        self.queued_bytes = 0
        self.ready = asyncio.Event()

    def pack(self, messages: list[bytes]) -> list[bytes]:
        return [b"".join(messages)] if self.wire is SSE else messages

    def deliver(self, packed: list[bytes]) -> str | None:
        self.queue.append(packed)
        self.queued_bytes += sum(len(message) for message in packed)
        self.ready.set()
        return SLOW_CONSUMER if self.queued_bytes > self.limit else None

    async def pump(self) -> None:
        while True:
            await self.ready.wait()
            self.ready.clear()
            while self.queue:
                packed = self.queue.popleft()
                await self.send(packed)
                self.queued_bytes -= sum(len(message) for message in packed)


def open_outlet(scope: Scope, send: Send, wire: Wire, limit: int) -> Outlet:
    """The fastest outlet this connection allows; call after the response start (or `accept`) has been sent."""
    transport = _shared_transport(scope, wire)
    if transport is None:
        return QueueOutlet(send, wire, limit)
    return TransportOutlet(send, wire, limit, transport)


def _shared_transport(scope: Scope, wire: Wire) -> asyncio.Transport | None:
    """The connection's transport, when the server frames this response the way `TransportOutlet.pack` does."""
    owner = getattr(scope.get(RAW_SEND), "__self__", None)
    transport = getattr(owner, "transport", None)
    if owner is None or not isinstance(transport, asyncio.Transport):
        return None
    module = type(owner).__module__
    if wire is SSE:
        # uvicorn chunks a body of unknown length for HTTP/1.1 clients (h11 by its rules, httptools by flag).
        chunked = scope.get("http_version") == "1.1" and getattr(owner, "chunked_encoding", True) is True
        return transport if module in _CHUNKED_HTTP_SERVERS and chunked else None
    if module not in _WEBSOCKET_SERVERS:
        return None
    extensions = getattr(getattr(owner, "conn", owner), "extensions", None)
    return transport if extensions == [] else None


def is_disconnect(message: Message) -> bool:
    return message["type"] in ("http.disconnect", "websocket.disconnect")
