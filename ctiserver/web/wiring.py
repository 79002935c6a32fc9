"""Wiring of the web hub: the agents' websocket route and its hub."""
from __future__ import annotations

from collections.abc import Callable

from aiohttp import web

from crm_core.values import UserInfo
from ctiserver.web.agentsocket import Authenticator, agent_socket, auth_key, hub_key, on_agent_key
from ctiserver.web.hub import ClientHub


def add_agent_socket(app: web.Application, hub: ClientHub, authenticate: Authenticator,
                     on_agent: Callable[[UserInfo], None]) -> None:
    app[hub_key] = hub
    app[auth_key] = authenticate
    app[on_agent_key] = on_agent
    app.router.add_get("/ws/agent", agent_socket)
    app.on_shutdown.append(lambda _: hub.close_all())
