"""Driving and watching the whole product on the real Asterisk sandbox and PostgreSQL: agents in
queues, an agent's console socket, the calls the tracker ends (what the CRM writer is handed),
their CRM rows and queue_log's own account of them."""
from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import ClassVar

import aiohttp
import pytest
from sqlalchemy import select

from asterisk_conf.sandbox import Sandbox
from asterisk_conf.simulation import agent_member, queue_add
from crm_core.db import Database
from crm_core.models import Call
from crm_core.values import CallRecord
from ctiserver.acd.queue_log import QueueCallSummary, parse_queue_log, summarize_calls
from ctiserver.ami import events as ev
from ctiserver.calls.agent_messages import AgentMessage
from ctiserver.calls.tracker import CallEnded
from ctiserver.server import CTIServer

from tests.helpers.waiting import BusWatch, poll_until


def new_number() -> str:
    return "+4930" + str(uuid.uuid4().int)[:7]


async def add_members(cti, queue: str, exts: Iterable[str]) -> None:
    for ext in exts:
        await cti.server.ami.send(queue_add(queue, ext))


async def remove_members(cti, queue: str, exts: Iterable[str]) -> None:
    for ext in exts:
        await cti.server.ami.send(
            {"Action": "QueueRemove", "Queue": queue, "Interface": agent_member(ext)[0]}
        )


# --- an agent's console socket ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Marker(AgentMessage):
    """A message of the tests' own on the agent socket, sent through the hub like any other:
    what was sent to the socket before it arrives before it."""

    type: ClassVar[str] = "test-marker"
    id: str


@dataclass
class AgentSocket:
    """An agent's console websocket, recording what it receives and when."""

    ws: aiohttp.ClientWebSocketResponse
    messages: list[tuple[float, dict]] = field(default_factory=list)
    task: asyncio.Task | None = None
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    def received(self, message: dict) -> None:
        self.messages.append((time.monotonic(), message))
        self.arrived.set()

    def of_type(self, kind: str) -> list[dict]:
        return [m for _, m in self.messages if m["type"] == kind]

    def first(self, kind: str, call_id: str | None = None) -> tuple[int, float, dict] | None:
        """(index, arrival time, message) of the first KIND message (about CALL_ID)."""
        for index, (at, message) in enumerate(self.messages):
            if message["type"] == kind and (call_id is None or message.get("call_id") == call_id):
                return index, at, message
        return None

    async def wait_for(self, kind: str, call_id: str | None = None,
                       timeout: float = 20) -> tuple[int, float, dict]:
        """The first KIND message (about CALL_ID), already received or arriving in TIMEOUT."""
        deadline = time.monotonic() + timeout
        while (found := self.first(kind, call_id)) is None:
            left = deadline - time.monotonic()
            if left <= 0:
                pytest.fail(f"no {kind} message for {call_id} in {timeout}s: {self.messages}")
            self.arrived.clear()
            try:
                await asyncio.wait_for(self.arrived.wait(), left)
            except asyncio.TimeoutError:
                pass
        return found

    async def quiet_until_marker(self, server: CTIServer, user_id: int, timeout: float = 10) -> list[dict]:
        """Everything this socket received up to a marker sent to USER_ID's consoles now: a
        "nothing arrived" check that waits for a later message instead of sleeping."""
        marker = Marker(uuid.uuid4().hex)
        server.hub.to_user(user_id, marker)
        index, _, _ = await self.wait_for_marker(marker.id, timeout)
        return [m for _, m in self.messages[:index]]

    async def wait_for_marker(self, marker_id: str, timeout: float) -> tuple[int, float, dict]:
        deadline = time.monotonic() + timeout
        while True:
            for index, (at, message) in enumerate(self.messages):
                if message.get("type") == Marker.type and message.get("id") == marker_id:
                    return index, at, message
            left = deadline - time.monotonic()
            if left <= 0:
                pytest.fail(f"the marker never reached the socket: {self.messages}")
            self.arrived.clear()
            try:
                await asyncio.wait_for(self.arrived.wait(), left)
            except asyncio.TimeoutError:
                pass


# --- calls the tracker ends ----------------------------------------------------------------------


class EndedCalls:
    """The tracker's CallEnded notices on a CTI server's bus while open: exactly the records the
    CRM writer is handed (the calls domain subscribes ``writer.add`` to them)."""

    def __init__(self, server: CTIServer) -> None:
        self.server = server
        self.watch = BusWatch(server.bus)

    def close(self) -> None:
        self.watch.close()

    def __enter__(self) -> EndedCalls:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def records(self) -> list[CallRecord]:
        return [notice.record for notice in self.watch.of(CallEnded)]

    def counts(self) -> Counter[str]:
        """How often each call key was ended (handed to the writer)."""
        return Counter(record.call_key for record in self.records)

    async def all_of(self, keys: Iterable[str], timeout: float = 60) -> dict[str, CallRecord]:
        """The records of KEYS, once the tracker has ended every one of them."""
        wanted = set(keys)

        def done() -> dict[str, CallRecord] | None:
            found = {r.call_key: r for r in self.records if r.call_key in wanted}
            return found if set(found) == wanted else None
        return await self.watch.until(
            done, f"the calls to end: {sorted(wanted - {r.call_key for r in self.records})}",
            timeout)

    async def rows(self, db: Database, keys: Iterable[str], timeout: float = 60) -> dict[str, Call]:
        """The CRM rows of KEYS: once each call ended and the writer has written what it was
        handed (``CallRecordWriter.drained``)."""
        keys = set(keys)
        await self.all_of(keys, timeout)
        await asyncio.wait_for(self.server.writer.drained(), timeout)
        async with db.sessionmaker() as session:
            found = (await session.scalars(select(Call).where(Call.call_key.in_(keys)))).all()
        return {row.call_key: row for row in found}

    async def marker(self, queue: str, ext: str, timeout: float = 10) -> None:
        """An AMI round trip through the same event stream (a QueueMemberAdded for EXT in QUEUE,
        then its removal): once it is on the bus, so is every notice the events before it made."""
        interface = agent_member(ext)[0]
        await self.server.ami.send(queue_add(queue, ext))
        await self.watch.first(ev.QueueMemberChanged, "the marker member", timeout,
                               kind="added", queue=queue, interface=interface)
        await self.server.ami.send({"Action": "QueueRemove", "Queue": queue, "Interface": interface})
        await self.watch.first(ev.QueueMemberChanged, "the marker member's removal", timeout,
                               kind="removed", queue=queue, interface=interface)


# --- queue_log ---------------------------------------------------------------------------------


async def queue_log_calls(asterisk: Sandbox, mark: int, channel_ids: Iterable[str],
                          timeout: float = 90) -> dict[str, QueueCallSummary]:
    """queue_log's summary of these calls, once each has its final line. Asterisk appends to a
    file (no event says a line is there): polled, failing on the timeout."""
    keys = {f"{cid};2" for cid in channel_ids}

    def complete() -> dict[str, QueueCallSummary] | None:
        summary = summarize_calls(parse_queue_log(asterisk.read_queue_log_since(mark)))
        done = {k: s for k, s in summary.items() if k in keys and s.outcome
                and (s.outcome != "answered" or s.talk_seconds is not None)}
        return done if len(done) == len(keys) else None
    return await poll_until(complete, f"queue_log lines of {len(keys)} calls", timeout)
