"""The AMI link: panoramisk's protocol and actions, with the guards Asterisk 22 needs.

panoramisk 1.4 handles action ids, responses and event lists well; this module adds what it
lacks (see docs/asterisk.md): UTF-8 decoded per whole message, typed events
delivered synchronously in arrival order, a timeout on every action, ``Async`` forced on
Originate, a watchdog that notices a dead or half-open connection, reconnection with
back-off, and a resync hook after every (re)connect. Actions still pending when the link
drops fail at once instead of being replayed later (a replayed Originate is a second call).
"""
from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Mapping
from typing import Any, Awaitable, Callable

from panoramisk.actions import Action
from panoramisk.ami_protocol import AMIProtocol
from panoramisk.message import Message

from callcenter.errors import Refused
from ctiserver.ami import actions, results
from ctiserver.ami.actions import AmiAction, Originate
from ctiserver.ami.stream import AmiStreamParser
from ctiserver.ami.events import BUILDERS, AmiEvent, parse_event

log = logging.getLogger(__name__)

EventSink = Callable[[AmiEvent], None]


class AmiError(Refused):
    """An action failed, timed out, or the link is down."""


class CtiAmiProtocol(AMIProtocol):
    """panoramisk's protocol with our framing: whole-message UTF-8 and typed events."""

    encoding = "utf-8"

    def __init__(self, client: "AmiClient") -> None:
        self.client = client

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        self.factory = self.client
        self.stream = AmiStreamParser(BUILDERS)
        self.lost: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def data_received(self, data: bytes) -> None:  # type: ignore[override]
        for fields in self.stream.feed(data):
            action_id = fields.get("ActionID")
            if action_id is not None and action_id in self.responses:
                # Event-list items and OriginateResponse complete their action's future;
                # OriginateResponse is an event the server needs as well.
                self.handle_message(Message(fields))
                if fields.get("Event") != "OriginateResponse":
                    continue
            if "Event" in fields:
                self.client.deliver(fields)

    def connection_lost(self, exc: Exception | None) -> None:
        for action in list(self.responses.values()):
            if not action.future.done():
                action.future.set_exception(AmiError(
                    "AMI link lost during {action}", action=action["Action"]))
        self.responses.clear()
        self.closed = True
        if not self.lost.done():
            self.lost.set_result(None)


class AmiClient:
    """One supervised AMI session. ``run()`` keeps it connected until ``stop()``."""

    def __init__(
        self,
        *,
        host: str,
        port: int,
        username: str,
        secret: str,
        on_event: EventSink,
        on_connected: Callable[["AmiClient"], Awaitable[None]] | None = None,
        action_timeout: float = 5.0,
        ping_interval: float = 5.0,
        reconnect_delay: float = 1.0,
    ) -> None:
        self.host, self.port = host, port
        self._username, self._secret = username, secret
        self._on_event = on_event
        self._on_connected = on_connected
        self.action_timeout = action_timeout
        self.ping_interval = ping_interval
        self.reconnect_delay = reconnect_delay
        self.protocol: CtiAmiProtocol | None = None
        self.connected = asyncio.Event()
        self.connections = 0
        self._stopping = False

    # --- called by the protocol ------------------------------------------------------

    def deliver(self, fields: dict[str, str]) -> None:
        try:
            event = parse_event(fields)
        except (KeyError, ValueError) as exc:
            log.warning("AMI event %s lacks %s; skipped: %r", fields.get("Event"), exc, fields)
            return
        if event is not None:
            self._on_event(event)

    # --- actions ----------------------------------------------------------------------------

    async def send(
        self, action: AmiAction | Mapping[str, Any], *, timeout: float | None = None,
        listing: bool = False,
    ) -> Any:
        """Send one action (typed, or raw headers for tools and tests); its response, or for an
        event list (``listing``) every message up to the list's Complete event. Raises AmiError.
        Said explicitly because panoramisk's guesses are wrong for Asterisk 22 (it waits for
        more after QueueAdd or Originate)."""
        if isinstance(action, AmiAction):
            action = action.message()
        protocol = self.protocol
        if protocol is None or protocol.closed:
            raise AmiError("AMI link is down")
        request = Action(action, as_list=listing)
        try:
            response = await asyncio.wait_for(
                protocol.send(request, as_list=request.as_list), timeout or self.action_timeout
            )
        except asyncio.TimeoutError as exc:
            protocol.responses.pop(request.id, None)
            raise AmiError("AMI action {action} timed out", action=action.get("Action")) from exc
        first = response[0] if isinstance(response, list) else response
        if first.get("Response") == "Error":
            raise AmiError("{action}: {message}", action=action.get("Action"),
                           message=first.get("Message", "error"))
        return response

    async def originate(self, action: Originate | Mapping[str, Any]) -> str:
        """Asynchronous Originate: returns the ChannelId; the outcome arrives as an
        OriginateResult event. A synchronous Originate would block the whole session."""
        fields = action.message() if isinstance(action, Originate) else dict(action)
        channel_id = fields.get("ChannelId") or str(uuid.uuid4())
        await self.send(
            {**fields, "Action": "Originate", "Async": "true", "ChannelId": channel_id}
        )
        return channel_id

    async def channels(self) -> list[results.ListedChannel]:
        return results.channels(await self.event_list(actions.CoreShowChannels()))

    async def queue_status(self, queue: str | None = None) -> results.QueueStatusResult:
        return results.queue_status(await self.event_list(actions.QueueStatus(queue)))

    async def queue_summary(self, queue: str | None = None) -> list[results.QueueSummaryEntry]:
        return results.queue_summary(await self.event_list(actions.QueueSummary(queue)))

    async def event_list(self, action: AmiAction | Mapping[str, Any]) -> list[dict[str, str]]:
        """Items of an EventList action (CoreShowChannels, QueueStatus...), completion excluded."""
        response = await self.send(action, timeout=self.action_timeout * 4, listing=True)
        messages = response if isinstance(response, list) else [response]
        return [
            dict(m) for m in messages
            if "Event" in m and m.get("EventList") != "Complete"
        ]

    # --- lifecycle --------------------------------------------------------------------------

    async def run(self) -> None:
        while not self._stopping:
            try:
                await self._session()
            except (OSError, AmiError, asyncio.TimeoutError) as exc:
                if not self._stopping:
                    log.warning("AMI %s:%s: %s", self.host, self.port, exc)
            finally:
                self.connected.clear()
                if self.protocol is not None and not self.protocol.closed:
                    self.protocol.transport.abort()
            if not self._stopping:
                await asyncio.sleep(self.reconnect_delay)

    def stop(self) -> None:
        self._stopping = True
        if self.protocol is not None and not self.protocol.closed:
            self.protocol.transport.abort()

    async def _session(self) -> None:
        loop = asyncio.get_running_loop()
        _, protocol = await asyncio.wait_for(
            loop.create_connection(lambda: CtiAmiProtocol(self), self.host, self.port),
            self.action_timeout,
        )
        self.protocol = protocol
        await self.send(actions.Login(self._username, self._secret))
        self.connections += 1
        log.info("AMI connected to %s:%s", self.host, self.port)
        if self._on_connected is not None:
            await self._on_connected(self)
        self.connected.set()
        await self._watch(protocol)

    async def _watch(self, protocol: CtiAmiProtocol) -> None:
        """Ping until the link fails: a half-open TCP connection never reports itself."""
        while not protocol.lost.done():
            done, _ = await asyncio.wait({protocol.lost}, timeout=self.ping_interval)
            if done:
                raise AmiError("connection closed by Asterisk")
            await self.send(actions.Ping())
