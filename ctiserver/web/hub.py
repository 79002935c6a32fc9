"""Websocket fan-out: who is connected, and an ordered outbox per connection.

Messages are JSON text, serialised once however many clients get them. A message can also be
an awaitable that yields the payload (a screen pop waiting for its CRM lookup): the client's
outbox keeps order, so an "answered" update never overtakes the pop it belongs to. A client
that cannot keep up is disconnected rather than allowed to grow the server's memory.
"""
from __future__ import annotations

import asyncio
import json
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Awaitable, Protocol, Union

from ctiserver.web.messages import Message

log = logging.getLogger(__name__)

Outgoing = Union[str, Awaitable[Any]]


class Socket(Protocol):
    async def send_str(self, data: str) -> None: ...
    async def close(self, *, code: int = ..., message: bytes = ...) -> Any: ...


WRITE_NOW_LIMIT = 256 * 1024
"""Bytes already waiting in a client's transport past which a broadcast goes to its outbox."""


@dataclass(eq=False)
class Client:
    socket: Socket
    user_id: int
    role: str
    outbox: asyncio.Queue[Outgoing] = field(default_factory=lambda: asyncio.Queue(maxsize=1000))
    closed: bool = False
    transport: asyncio.WriteTransport | None = None
    """Set for sockets without per-message compression: see write_now and pump."""

    def write_now(self, frame: bytes) -> bool:
        """Write a ready-made websocket frame straight to the transport when nothing is queued
        before it and the client keeps up: one write instead of a task switch per client,
        which is what fan-out to thousands of wallboards costs. False: use put()."""
        return self.outbox.empty() and self._write(frame)

    def _write(self, frames: bytes) -> bool:
        transport = self.transport
        if (transport is None or transport.is_closing()
                or transport.get_write_buffer_size() > WRITE_NOW_LIMIT):
            return False
        transport.write(frames)
        return True

    def put(self, message: Outgoing) -> bool:
        try:
            self.outbox.put_nowait(message)
            return True
        except asyncio.QueueFull:
            return False

    async def pump(self) -> None:
        """Send the outbox in order until the client goes away. With a transport (no
        per-message compression), the texts queued behind one go out with it in one write."""
        carried: Outgoing | None = None
        while True:
            item = carried if carried is not None else await self.outbox.get()
            carried = None
            if not isinstance(item, str):
                try:
                    payload = await item
                except Exception:
                    log.exception("message for user %s could not be built", self.user_id)
                    payload = None
                if payload is None:
                    self.outbox.task_done()
                    continue
                item = _text(payload)
            texts = [item]
            while self.transport is not None and not self.outbox.empty():
                queued = self.outbox.get_nowait()
                if not isinstance(queued, str):
                    if not _built(queued):
                        carried = queued  # awaited and sent next, in its turn
                        break
                    built = queued.result()
                    if built is None:
                        self.outbox.task_done()
                        continue
                    queued = _text(built)
                texts.append(queued)
            try:
                if len(texts) > 1 and self._write(b"".join(map(text_frame, texts))):
                    continue
                for text in texts:
                    await self.socket.send_str(text)
            finally:
                for _ in texts:
                    self.outbox.task_done()


def _built(item: Outgoing) -> bool:
    """A message whose building (a pop's CRM lookup) has finished without failing."""
    return (isinstance(item, asyncio.Future) and item.done() and not item.cancelled()
            and item.exception() is None)


def _text(payload: Message | str) -> str:
    return payload if isinstance(payload, str) else json.dumps(payload.payload(),
                                                               ensure_ascii=False)


def text_frame(text: str) -> bytes:
    """An unmasked, final, uncompressed websocket text frame (RFC 6455 section 5.2), as a
    server sends it."""
    payload = text.encode()
    size = len(payload)
    if size < 126:
        header = bytes((0x81, size))
    elif size < 1 << 16:
        header = bytes((0x81, 126)) + size.to_bytes(2, "big")
    else:
        header = bytes((0x81, 127)) + size.to_bytes(8, "big")
    return header + payload


class ClientHub:
    def __init__(self) -> None:
        self._by_user: dict[int, set[Client]] = defaultdict(set)
        self._by_role: dict[str, set[Client]] = defaultdict(set)

    def add(self, client: Client) -> None:
        self._by_user[client.user_id].add(client)
        self._by_role[client.role].add(client)

    def remove(self, client: Client) -> None:
        client.closed = True
        self._by_user[client.user_id].discard(client)
        self._by_role[client.role].discard(client)
        if not self._by_user[client.user_id]:
            del self._by_user[client.user_id]

    def __len__(self) -> int:
        return sum(len(clients) for clients in self._by_user.values())

    def connected(self, user_id: int | None) -> bool:
        return user_id in self._by_user

    async def flushed(self) -> None:
        """Wait until every message handed over so far has been sent."""
        clients = [c for group in self._by_user.values() for c in group]
        await asyncio.gather(*(c.outbox.join() for c in clients))

    async def close_all(self) -> None:
        """Server shutdown: tell every console to reconnect later (1001 going away)."""
        clients = [c for group in self._by_user.values() for c in group]
        await asyncio.gather(
            *(c.socket.close(code=1001, message=b"server shutdown") for c in clients),
            return_exceptions=True,
        )

    def to_user(self, user_id: int, message: Message | Awaitable[Message | None]) -> None:
        clients = self._by_user.get(user_id)
        if clients:
            self._deliver(clients, message)

    def to_roles(self, roles: tuple[str, ...], message: Message) -> None:
        clients = set().union(*(self._by_role.get(role, ()) for role in roles))
        if clients:
            self._deliver(clients, message)

    def _deliver(self, clients: set[Client], message: Message | Awaitable[Message | None]) -> None:
        if isinstance(message, Message):
            text: Outgoing = json.dumps(message.payload(), ensure_ascii=False)
        elif len(clients) > 1:  # a pop for an agent at several consoles: serialised once too
            text = asyncio.ensure_future(_serialised(message))
        else:
            text = message
        for client in list(clients):
            if not client.put(text):
                log.warning("user %s cannot keep up; disconnecting", client.user_id)
                self.remove(client)
                asyncio.ensure_future(client.socket.close(code=1013, message=b"too slow"))


async def _serialised(message: Awaitable[Message | None]) -> str | None:
    built = await message
    return None if built is None else json.dumps(built.payload(), ensure_ascii=False)
