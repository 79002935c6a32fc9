"""HTTP adapter of the CTI server: the agent websocket.

Every request authenticates. With the agent console mounted, its middleware has already
resolved the user (session cookie or API token) into ``request[USER]``; on a bare CTI app the
socket checks the API token itself (``Authorization: Bearer`` or, websockets only, ``?token=``).
"""
from __future__ import annotations

import asyncio
import json
import logging
from typing import Awaitable, Callable

from aiohttp import WSMsgType, web

from agent_console.auth import SESSION_CHECK, USER, SessionCheck, request_token
from crm_core.values import UserInfo
from ctiserver.calls import agent_messages as msg

from ctiserver.web.hub import Client, ClientHub

log = logging.getLogger(__name__)

Authenticator = Callable[[str], Awaitable[UserInfo | None]]

MAX_WS_MESSAGE = 64 * 1024
"""Larger requests get an error reply; the socket stays open."""
MAX_WS_FRAME = 1024 * 1024
"""Past this aiohttp closes the socket (1009 message too big) rather than buffer it."""

SESSION_ENDED = 4401
"""Websocket close code when the browser session behind it has ended: log in again."""

hub_key = web.AppKey("hub", ClientHub)
auth_key = web.AppKey("authenticate", Authenticator)
on_agent_key = web.AppKey("on_agent", Callable[[UserInfo], None])


async def current_user(request: web.Request) -> UserInfo:
    if USER in request:
        user = request[USER]
    else:
        token = request_token(request)
        user = await request.app[auth_key](token) if token else None
    if user is None:
        raise web.HTTPUnauthorized(text="a valid session or token is required")
    return user


async def agent_socket(request: web.Request) -> web.WebSocketResponse:
    user = await current_user(request)
    socket = web.WebSocketResponse(heartbeat=30, max_msg_size=MAX_WS_FRAME)
    await socket.prepare(request)
    hub = request.app[hub_key]
    # Without per-message compression, queued messages can go out as ready-made frames.
    client = Client(socket=socket, user_id=user.id, role=user.role,
                    transport=None if socket.compress else request.transport)
    hub.add(client)
    request.app[on_agent_key](user)
    await socket.send_json(msg.Hello(user.username, user.interface).payload())
    try:
        await converse(request, client)
    finally:
        hub.remove(client)
    return socket


async def converse(request: web.Request, client: Client) -> None:
    """Pump the client's outbox and answer what it sends until the socket closes."""
    socket = client.socket
    pump = asyncio.ensure_future(client.pump())
    try:
        async for message in socket:
            if message.type == WSMsgType.ERROR:
                break
            if not await answer(socket, message, request.get(SESSION_CHECK)):
                await socket.close(code=SESSION_ENDED, message=b"session ended")
    finally:
        pump.cancel()


def _parse(message: web.WSMessage) -> tuple[str | None, str | None]:
    """(request type, None) or (None, error)."""
    if message.type != WSMsgType.TEXT:
        return None, "expected a text message"
    if len(message.data) > MAX_WS_MESSAGE:
        return None, f"message too large (at most {MAX_WS_MESSAGE} bytes)"
    try:
        kind = json.loads(message.data)["type"]
    except (ValueError, KeyError, TypeError):
        return None, "expected a JSON object with a 'type'"
    return (kind, None) if isinstance(kind, str) else (None, "'type' must be a string")


async def answer(
    socket: web.WebSocketResponse, message: web.WSMessage, session_check: SessionCheck | None
) -> bool:
    """Agents may ping (which keeps a browser session alive); anything else is refused with a
    clear error, and the socket lives on. False: the session has ended."""
    kind, error = _parse(message)
    if error:
        await socket.send_json(msg.Error(error).payload())
    elif kind == "ping":
        if session_check and not await session_check():
            return False
        await socket.send_json(msg.Pong().payload())
    else:
        await socket.send_json(msg.Error(f"unknown request type {kind!r}").payload())
    return True
