"""The bytes the hub shares between connections parse as what each protocol expects."""
from __future__ import annotations

import pytest
from websockets.frames import Frame, Opcode
from websockets.streams import StreamReader

from masthead.live.wire import SSE, WS, http_chunk, websocket_text_frame


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
