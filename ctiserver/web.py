"""HTTP adapter of the CTI server: the agent websocket.

Every request authenticates. For now an agent presents its API token (query ``token`` or
``Authorization: Bearer``); session login comes with the agent console.
"""
from __future__ import annotations

import asyncio
import json
import logging
from typing import Awaitable, Callable

from aiohttp import WSMsgType, web

from crm_core.users import UserInfo

from .hub import Client, ClientHub

log = logging.getLogger(__name__)

Authenticator = Callable[[str], Awaitable[UserInfo | None]]
MAX_WS_MESSAGE = 64 * 1024

hub_key = web.AppKey("hub", ClientHub)
auth_key = web.AppKey("authenticate", Authenticator)
on_agent_key = web.AppKey("on_agent", Callable[[UserInfo], None])


def request_token(request: web.Request) -> str:
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return header[7:].strip()
    return request.query.get("token", "")


async def current_user(request: web.Request) -> UserInfo:
    token = request_token(request)
    user = await request.app[auth_key](token) if token else None
    if user is None:
        raise web.HTTPUnauthorized(text="a valid token is required")
    return user


async def agent_socket(request: web.Request) -> web.WebSocketResponse:
    user = await current_user(request)
    socket = web.WebSocketResponse(heartbeat=30, max_msg_size=MAX_WS_MESSAGE)
    await socket.prepare(request)
    hub = request.app[hub_key]
    client = Client(socket=socket, user_id=user.id, role=user.role)
    hub.add(client)
    request.app[on_agent_key](user)
    pump = asyncio.ensure_future(client.pump())
    await socket.send_json({"type": "hello", "user": user.username, "interface": user.interface})
    try:
        async for message in socket:
            if message.type == WSMsgType.TEXT:
                await _answer(socket, message.data)
            elif message.type == WSMsgType.ERROR:
                break
    finally:
        hub.remove(client)
        pump.cancel()
    return socket


async def _answer(socket: web.WebSocketResponse, data: str) -> None:
    """Agents may ping; anything else is refused with a clear error, and the socket lives on."""
    try:
        request = json.loads(data)
        kind = request["type"]
    except (ValueError, KeyError, TypeError):
        await socket.send_json({"type": "error", "error": "expected a JSON object with a 'type'"})
        return
    if kind == "ping":
        await socket.send_json({"type": "pong"})
    else:
        await socket.send_json({"type": "error", "error": f"unknown request type {kind!r}"})


def add_routes(app: web.Application, hub: ClientHub, authenticate: Authenticator,
               on_agent: Callable[[UserInfo], None]) -> None:
    app[hub_key] = hub
    app[auth_key] = authenticate
    app[on_agent_key] = on_agent
    app.router.add_get("/ws/agent", agent_socket)
