"""The bytes the hub shares between connections parse as what each protocol expects."""
from __future__ import annotations

import asyncio
import socket
import struct

import pytest
from starlette.types import Message
from websockets.frames import Frame, Opcode
from websockets.streams import StreamReader

from masthead.live.outlet import SLOW_CONSUMER, TransportOutlet
from masthead.live.wire import SSE, WS, http_chunk, websocket_close_frame, websocket_text_frame


def _parse_frame(data: bytes) -> Frame:
    reader = StreamReader()
    reader.feed_data(data)
    reader.feed_eof()
    parser = Frame.parse(reader.read_exact, mask=False, max_size=None, extensions=[])
    with pytest.raises(StopIteration) as done:
        next(parser)
    frame: Frame = done.value.value
    return frame


@pytest.mark.parametrize("size", [0, 125, 126, 65535, 65536, 200_000])
def test_websocket_frames_of_every_length_class_parse(size: int) -> None:
    payload = WS.message("post", "MS4yLjM", b'"' + b"x" * size + b'"')
    frame = _parse_frame(websocket_text_frame(payload))
    assert frame.opcode is Opcode.TEXT and frame.fin and frame.data == payload


def test_server_sent_events_and_their_chunks() -> None:
    message = SSE.message("post", "MS4yLjM", b'{"id":"2"}')
    assert message == b'id: MS4yLjM\nevent: post\ndata: {"id":"2"}\n\n'
    assert http_chunk(message) == b"%x\r\n" % len(message) + message + b"\r\n"
    assert SSE.heartbeat("anything") == b": heartbeat\n\n"
    assert SSE.farewell("slow_consumer") == b": disconnected: slow_consumer\n\n"


async def test_a_transport_outlet_reports_a_slow_consumer_and_says_why_it_ends() -> None:
    loop = asyncio.get_running_loop()
    client, server = socket.socketpair()
    for sock in (client, server):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    transport, _ = await loop.connect_accepted_socket(asyncio.Protocol, server)
    assert isinstance(transport, asyncio.Transport)

    async def no_asgi(message: Message) -> None:
        raise AssertionError("a transport outlet delivers without ASGI")
    outlet = TransportOutlet(no_asgi, WS, 64 * 1024, transport)
    event = WS.message("post", "MS4yLjM", b'"' + b"x" * 100_000 + b'"')
    packed = outlet.pack([event])
    assert outlet.deliver(packed) == SLOW_CONSUMER  # the client reads nothing: past the bound at once
    await outlet.end(SLOW_CONSUMER)
    client.setblocking(False)
    received = b""
    while chunk := await loop.sock_recv(client, 65536):
        received += chunk
    client.close()
    assert received == packed + websocket_close_frame(1013, SLOW_CONSUMER)
    close = _parse_frame(received[len(packed):])
    assert close.opcode is Opcode.CLOSE and close.data == struct.pack("!H", 1013) + b"slow_consumer"
