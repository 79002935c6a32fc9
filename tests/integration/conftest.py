"""The whole product on the real Asterisk sandbox and real PostgreSQL."""
from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass, field

import aiohttp
import pytest
import pytest_asyncio
from sqlalchemy import select

from asterisk_conf.simulation import queue_add
from callcenter.runtime import Running, start_services
from crm_core.models import Call


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def cti(settings, db, asterisk, ami_secret) -> Running:
    running = await start_services(settings, db, ami_secret=ami_secret)
    try:
        await asyncio.wait_for(running.server.ami.connected.wait(), 20)
    except asyncio.TimeoutError:
        pytest.fail("the CTI server did not connect to the Asterisk sandbox's AMI")
    yield running
    await running.stop()


@dataclass
class AgentSocket:
    """An agent's console websocket, recording what it receives and when."""

    ws: aiohttp.ClientWebSocketResponse
    messages: list[tuple[float, dict]] = field(default_factory=list)
    task: asyncio.Task | None = None

    def of_type(self, kind: str) -> list[dict]:
        return [m for _, m in self.messages if m["type"] == kind]

    def first(self, kind: str, call_id: str) -> tuple[int, float, dict] | None:
        for index, (at, message) in enumerate(self.messages):
            if message["type"] == kind and message.get("call_id") == call_id:
                return index, at, message
        return None


@pytest_asyncio.fixture(loop_scope="session")
async def open_socket(cti):
    session = aiohttp.ClientSession()
    sockets: list[AgentSocket] = []

    async def connect(token: str) -> AgentSocket:
        ws = await session.ws_connect(f"{cti.url}/ws/agent?token={token}")
        hello = await ws.receive_json(timeout=5)
        assert hello["type"] == "hello"
        agent = AgentSocket(ws)

        async def read() -> None:
            async for message in ws:
                if message.type == aiohttp.WSMsgType.TEXT:
                    agent.messages.append((time.monotonic(), message.json()))

        agent.task = asyncio.ensure_future(read())
        sockets.append(agent)
        return agent

    yield connect
    for agent in sockets:
        await agent.ws.close()
        agent.task.cancel()
    await session.close()


async def add_members(cti, queue: str, exts: list[str]) -> None:
    for ext in exts:
        await cti.server.ami.send(queue_add(queue, ext))


async def remove_members(cti, queue: str, exts: list[str]) -> None:
    from asterisk_conf.simulation import agent_member

    for ext in exts:
        await cti.server.ami.send(
            {"Action": "QueueRemove", "Queue": queue, "Interface": agent_member(ext)[0]}
        )


async def wait_for_calls(db, keys: set[str], timeout: float = 60) -> dict[str, Call]:
    """CRM rows for these call keys, once all are written."""
    deadline = time.monotonic() + timeout
    while True:
        async with db.sessionmaker() as session:
            rows = (await session.scalars(select(Call).where(Call.call_key.in_(keys)))).all()
        found = {row.call_key: row for row in rows}
        if set(found) == keys or time.monotonic() > deadline:
            return found
        await asyncio.sleep(0.3)


def new_number() -> str:
    return "+4930" + str(uuid.uuid4().int)[:7]
