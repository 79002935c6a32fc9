"""Wallboard push: live statistics to supervisors' and admins' websockets, no polling.

Any change marks the figures dirty, naming the queues and agents it touched; the publisher
then sends at once, unless it sent less than ``min_interval`` ago (bursts of events coalesce
into one update). An update carries only the touched queue tiles and agents, plus the "all"
tile (``"full": false``): with thousands of wallboards the bytes on the wire are the cost.
Every ``refresh`` seconds, and to a new client, the whole snapshot goes out (``"full": true``),
since waits and times in state grow with the clock. Each update carries ``event_at``: when
the oldest change it reflects arrived.

A supervisor sees the agents of the teams they lead; an admin sees everyone. Clients with the
same view share one serialised message.
"""
from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Awaitable, Callable, Iterable

from aiohttp import web

from crm_core.values import UserInfo

from ctiserver.acd.wallboard_messages import Stats
from ctiserver.web.messages import Message
from ctiserver.web.hub import Client, text_frame
from ctiserver.web.agentsocket import MAX_WS_FRAME, converse, current_user

log = logging.getLogger(__name__)

Snapshot = Callable[[float], dict]
View = frozenset[str] | None
"""Agent interfaces a wallboard client may see; None: all."""
Visibility = Callable[[UserInfo], Awaitable[View]]
WALLBOARD_ROLES = ("supervisor", "admin")


class WallboardPublisher:
    def __init__(self, snapshot: Snapshot, *, min_interval: float = 0.05, refresh: float = 1.0) -> None:
        self._snapshot = snapshot
        self.min_interval = min_interval
        self.refresh = refresh
        self._clients: dict[Client, View] = {}
        self._dirty_since: float | None = None
        self._queues: set[str] = set()
        self._agents: set[str] = set()
        self._full_due = True
        self._last_full = 0.0
        self._wake = asyncio.Event()
        self._last_sent = 0.0
        self.sent = 0

    def add(self, client: Client, view: View) -> None:
        self._clients[client] = view
        now = time.time()
        stats = Stats(event_at=now, changed=False, full=True, snapshot=self._snapshot(now))
        client.put(json.dumps(_for_view(stats.payload(), view), ensure_ascii=False))

    def remove(self, client: Client) -> None:
        self._clients.pop(client, None)

    def __len__(self) -> int:
        return len(self._clients)

    async def close_all(self) -> None:
        await asyncio.gather(
            *(c.socket.close(code=1001, message=b"server shutdown") for c in list(self._clients)),
            return_exceptions=True,
        )

    def notify(self, message: Message, agent: str | None) -> None:
        """A message of its own (a keyword alert) to the wallboards that see AGENT (unknown:
        the admins')."""
        text = json.dumps(message.payload(), ensure_ascii=False)
        for client, view in list(self._clients.items()):
            if view is None or (agent is not None and agent in view):
                client.put(text)

    def changed(self, queues: Iterable[str] | None = None, agents: Iterable[str] = ()) -> None:
        """Something changed; ``queues`` None: anything may have (send everything)."""
        if self._dirty_since is None:
            self._dirty_since = time.time()
        if queues is None:
            self._full_due = True
        else:
            self._queues.update(queues)
            self._agents.update(agents)
        self._wake.set()

    async def run(self) -> None:
        while True:
            await self._next_round()
            if self._clients:
                self.publish()

    async def _next_round(self) -> None:
        # asyncio.wait, not wait_for: wait_for can swallow a cancellation on Python 3.11.
        waiter = asyncio.ensure_future(self._wake.wait())
        try:
            await asyncio.wait({waiter}, timeout=self.refresh)
        finally:
            waiter.cancel()
        self._wake.clear()
        pause = self._last_sent + self.min_interval - time.monotonic()
        if pause > 0:
            await asyncio.sleep(pause)

    def publish(self) -> None:
        now = time.time()
        full = self._full_due or now - self._last_full >= self.refresh
        if not full and self._dirty_since is None:
            return
        snapshot = Stats(event_at=self._dirty_since or now, changed=self._dirty_since is not None,
                         full=full, snapshot=self._snapshot(now)).payload()
        if full:
            self._last_full, self._full_due = now, False
        else:
            snapshot["queues"] = {q: t for q, t in snapshot["queues"].items() if q in self._queues}
            snapshot["agents"] = {a: v for a, v in snapshot["agents"].items() if a in self._agents}
            snapshot.pop("definitions", None)
        self._dirty_since = None
        self._queues.clear()
        self._agents.clear()
        self._last_sent = time.monotonic()
        messages: dict[View, tuple[str, bytes]] = {}
        for client, view in list(self._clients.items()):
            message = messages.get(view)
            if message is None:
                text = json.dumps(_for_view(snapshot, view), ensure_ascii=False)
                message = messages[view] = (text, text_frame(text))
            if not client.write_now(message[1]) and not client.put(message[0]):
                log.warning("wallboard of user %s cannot keep up; disconnecting", client.user_id)
                self.remove(client)
                asyncio.ensure_future(client.socket.close(code=1013, message=b"too slow"))
        self.sent += 1


def _for_view(snapshot: dict, view: View) -> dict:
    if view is None:
        return snapshot
    agents = snapshot.get("agents", {})
    return {**snapshot, "agents": {k: v for k, v in agents.items() if k in view}}


publisher_key = web.AppKey("wallboard_publisher", WallboardPublisher)
visibility_key = web.AppKey("wallboard_visibility", Visibility)


async def wallboard_socket(request: web.Request) -> web.WebSocketResponse:
    user = await current_user(request)
    if user.role not in WALLBOARD_ROLES:
        raise web.HTTPForbidden(text="the wallboard is for supervisors and admins")
    view = await request.app[visibility_key](user)
    # No per-message deflate: compressing one update separately for every wallboard costs
    # more CPU than its bytes are worth on a LAN.
    socket = web.WebSocketResponse(heartbeat=30, max_msg_size=MAX_WS_FRAME, compress=False)
    await socket.prepare(request)
    publisher = request.app[publisher_key]
    client = Client(socket=socket, user_id=user.id, role=user.role, transport=request.transport)
    publisher.add(client, view)
    try:
        await converse(request, client)
    finally:
        publisher.remove(client)
    return socket


def add_routes(app: web.Application, publisher: WallboardPublisher, visibility: Visibility) -> None:
    app[publisher_key] = publisher
    app[visibility_key] = visibility
    app.router.add_get("/ws/wallboard", wallboard_socket)
