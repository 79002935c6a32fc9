"""What the IVR collected, on the real Asterisk and PostgreSQL: a simulated caller raises
UserEvent CcCollected before the queue, the routing's FastAGI script records the overflow, our
code records more while the agent rings; the pop, its update and the CRM row carry it all."""
from __future__ import annotations

import asyncio
import time
import uuid

import pytest
from sqlalchemy import func, select

from asterisk_conf.simulation import agent_member, caller_originate
from crm_core.models import Call
from crm_core.queues import apply_queue_config, create_queue
from crm_core.users import create_user
from ctiserver.acd.routeagi import OVERFLOWED_FROM

from tests.fixtures.product import AgentSocket

from .conftest import add_members, new_number, remove_members, wait_for_calls

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

EXT = "1031"
"""No other test uses agent 1031 (any extension works with the simulation: its device state
starts unknown, which app_queue counts as available)."""
COLLECTED = {"Account": "4711-0815", "Name": "Jürgen 张伟", "Reason": "Rechnung prüfen"}


async def message(agent: AgentSocket, kind: str, call_id: str, timeout: float = 20) -> dict:
    deadline = time.monotonic() + timeout
    while (found := agent.first(kind, call_id)) is None:
        if time.monotonic() > deadline:
            pytest.fail(f"no {kind} message for {call_id}: {agent.messages}")
        await asyncio.sleep(0.05)
    return found[2]


async def test_collected_data_pops_updates_and_lands_in_the_crm_once(cti, db, asterisk, open_socket):
    suffix = uuid.uuid4().hex[:8]
    backup, front = f"collback-{suffix}", f"collfront-{suffix}"
    await create_queue(db, backup)
    # Nobody ever staffs the front queue: the routing overflows every caller to the backup.
    await create_queue(db, front, overflow_queue=backup, overflow_max_wait=30)
    await apply_queue_config(db, asterisk)
    _, token = await create_user(db, f"coll-{suffix}", display_name="Agent C", role="agent",
                                 extension=EXT, interface=agent_member(EXT)[0])
    agent = await open_socket(token)
    await add_members(cti, backup, [EXT])
    channel_id = str(uuid.uuid4())
    key = f"{channel_id};2"  # the ;2 leg raises the UserEvent and queues
    try:
        await cti.server.ami.originate(caller_originate(
            front, number=new_number(), name=COLLECTED["Name"], patience=60, ring=3, talk=1,
            hangup_by="caller", routed=True, collected=COLLECTED, channel_id=channel_id))
        pop = await message(agent, "pop", key)
        # while the agent's phone rings, our own code collects more on the caller's channel
        cti.server.collected.record(channel="", uniqueid=key, linkedid=channel_id,
                                    fields={"Rückruf": "ja ✓"})
        update = await message(agent, "collected", key)
        rows = await wait_for_calls(db, {key})
    finally:
        await remove_members(cti, backup, [EXT])

    expected = {**COLLECTED, OVERFLOWED_FROM: front}
    assert pop["queue"] == backup and pop["collected"] == expected
    assert update["collected"] == {**expected, "Rückruf": "ja ✓"}
    assert agent.first("answered", key)[0] > agent.first("collected", key)[0]
    assert rows[key].collected == update["collected"]
    async with db.sessionmaker() as session:
        assert await session.scalar(select(func.count()).where(Call.call_key == key)) == 1
