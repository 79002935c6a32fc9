"""Ready-made websocket frames must be byte-identical to what aiohttp's own writer sends."""

import pytest
from aiohttp import WSMsgType
from aiohttp._websocket.writer import WebSocketWriter

from ctiserver.web.hub import text_frame


class Collect:
    def __init__(self) -> None:
        self.data = b""

    def write(self, data: bytes) -> None:
        self.data += data

    def is_closing(self) -> bool:
        return False


class Protocol:
    _paused = False


@pytest.mark.parametrize("size", [0, 125, 126, 65535, 65536, 200_000])
@pytest.mark.asyncio(loop_scope="session")
async def test_text_frame_equals_aiohttps_writer(size):
    text = ("Jürgen 张伟 " * (size // 8 + 1))[:size]
    transport = Collect()
    writer = WebSocketWriter(Protocol(), transport, use_mask=False, compress=0)
    await writer.send_frame(text.encode(), WSMsgType.TEXT)
    assert text_frame(text) == transport.data
