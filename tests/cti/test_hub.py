"""Ready-made websocket frames must be byte-identical to what aiohttp's own server sends: a real
aiohttp websocket handler sends the text, a raw socket reads the frame off the wire."""
from __future__ import annotations

import asyncio
import base64
import os

import pytest
from aiohttp import web

from ctiserver.web.hub import text_frame


async def frame_aiohttp_sends(text: str) -> bytes:
    """The bytes of the one frame an aiohttp WebSocketResponse puts on the wire for TEXT (the
    client offers no compression, as browsers without permessage-deflate)."""
    async def handler(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_str(text)
        await ws.close()
        return ws

    app = web.Application()
    app.router.add_get("/ws", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    host, port = runner.addresses[0][:2]
    reader, writer = await asyncio.open_connection(host, port)
    try:
        key = base64.b64encode(os.urandom(16)).decode()
        writer.write((f"GET /ws HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
                      f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                      "Sec-WebSocket-Version: 13\r\n\r\n").encode())
        response = await reader.readuntil(b"\r\n\r\n")
        assert response.startswith(b"HTTP/1.1 101 "), response
        head = await reader.readexactly(2)
        length, extended = head[1] & 0x7F, b""
        if length in (126, 127):
            extended = await reader.readexactly(2 if length == 126 else 8)
            length = int.from_bytes(extended, "big")
        return head + extended + await reader.readexactly(length)
    finally:
        writer.close()
        await runner.cleanup()


@pytest.mark.parametrize("size", [0, 125, 126, 65535, 65536, 200_000])
@pytest.mark.asyncio(loop_scope="session")
async def test_text_frame_equals_what_aiohttp_sends(size):
    text = ("Jürgen 张伟 " * (size // 8 + 1))[:size]
    assert text_frame(text) == await frame_aiohttp_sends(text)
