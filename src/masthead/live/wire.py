"""The bytes of live events, built once per event and shared by every connection that receives it.

Server-Sent Events: `id: <cursor>`, `event: <name>`, `data: <json>` and a blank line; heartbeats are comments.
WebSocket: one JSON text message `{"event", "id", "data"}` per event. Over HTTP/1.1 an SSE body travels in
chunks, and a server's WebSocket frames are unmasked, so the framed bytes are the same for every connection too."""
from __future__ import annotations

import struct
from abc import ABC, abstractmethod
from typing import Final


class Wire(ABC):
    """How one kind of connection spells an event."""

    name: str

    @abstractmethod
    def message(self, kind: str, cursor: str, data: bytes) -> bytes:
        """One event's bytes."""

    @abstractmethod
    def heartbeat(self, cursor: str) -> bytes:
        """A keep-alive that changes nothing on the client."""


class ServerSentEvents(Wire):
    name = "sse"
    RETRY_MILLISECONDS: Final = 2000

    def message(self, kind: str, cursor: str, data: bytes) -> bytes:
        return b"id: %s\nevent: %s\ndata: %s\n\n" % (cursor.encode(), kind.encode(), data)

    def heartbeat(self, cursor: str) -> bytes:
        return b": heartbeat\n\n"

    def preamble(self) -> bytes:
        return b"retry: %d\n\n" % self.RETRY_MILLISECONDS

    @staticmethod
    def farewell(reason: str) -> bytes:
        """A comment naming why the server ends the stream (EventSource reconnects with Last-Event-ID)."""
        return b": disconnected: %s\n\n" % reason.encode()


class WebSocketMessages(Wire):
    name = "ws"

    def message(self, kind: str, cursor: str, data: bytes) -> bytes:
        return b'{"event":"%s","id":"%s","data":%s}' % (kind.encode(), cursor.encode(), data)

    def heartbeat(self, cursor: str) -> bytes:
        return self.message("heartbeat", cursor, b"null")


SSE: Final = ServerSentEvents()
WS: Final = WebSocketMessages()


def http_chunk(body: bytes) -> bytes:
    """One chunk of an HTTP/1.1 chunked body."""
    return b"%x\r\n%s\r\n" % (len(body), body)


def websocket_text_frame(payload: bytes) -> bytes:
    """One unfragmented, unmasked text frame (RFC 6455 section 5.2), as a server sends it."""
    size = len(payload)
    if size < 126:
        return struct.pack("!BB", 0x81, size) + payload
    if size < 1 << 16:
        return struct.pack("!BBH", 0x81, 126, size) + payload
    return struct.pack("!BBQ", 0x81, 127, size) + payload


def websocket_close_frame(code: int, reason: str) -> bytes:
    """A server's close frame with a status code and a short reason (at most 123 bytes)."""
    payload = struct.pack("!H", code) + reason.encode()[:123]
    return struct.pack("!BB", 0x88, len(payload)) + payload
