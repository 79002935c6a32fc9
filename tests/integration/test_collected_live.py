"""What the IVR collected, on the real Asterisk and PostgreSQL: a simulated caller raises
UserEvent CcCollected before the queue, the routing's FastAGI script records the overflow, our
code records more while the agent rings; the pop, its update and the CRM row carry it all."""
from __future__ import annotations

import uuid

import pytest

from asterisk_conf.simulation import agent_member, caller_originate
from crm_core.users import create_user
from ctiserver.acd.routeagi import OVERFLOWED_FROM

from tests.helpers.product import EndedCalls, add_members, new_number, remove_members

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

COLLECTED = {"Account": "4711-0815", "Name": "Jürgen 张伟", "Reason": "Rechnung prüfen"}


async def test_collected_data_pops_updates_and_lands_in_the_crm_once(
        cti, db, open_socket, new_queue, new_extension):
    backup = await new_queue("collback", product=cti)
    # Nobody ever staffs the front queue: the routing overflows every caller to the backup.
    front = await new_queue("collfront", product=cti, overflow_queue=backup,
                            overflow_max_wait=30)
    ext = new_extension()
    _, token = await create_user(db, f"coll-{uuid.uuid4().hex[:8]}", display_name="Agent C",
                                 role="agent", extension=ext, interface=agent_member(ext)[0])
    agent = await open_socket(token)
    await add_members(cti, backup, [ext])
    channel_id = str(uuid.uuid4())
    key = f"{channel_id};2"  # the ;2 leg raises the UserEvent and queues
    with EndedCalls(cti.server) as ended:
        try:
            await cti.server.ami.originate(caller_originate(
                front, number=new_number(), name=COLLECTED["Name"], patience=60, ring=3, talk=1,
                hangup_by="caller", routed=True, collected=COLLECTED, channel_id=channel_id))
            pop = (await agent.wait_for("pop", key))[2]
            # while the agent's phone rings, our own code collects more on the caller's channel
            cti.server.collected.record(channel="", uniqueid=key, linkedid=channel_id,
                                        fields={"Rückruf": "ja ✓"})
            update = (await agent.wait_for("collected", key))[2]
            rows = await ended.rows(db, {key})
        finally:
            await remove_members(cti, backup, [ext])
        await ended.marker(backup, new_extension())
        assert ended.counts()[key] == 1, "handed to the CRM writer once"

    expected = {**COLLECTED, OVERFLOWED_FROM: front}
    assert pop["queue"] == backup and pop["collected"] == expected
    assert update["collected"] == {**expected, "Rückruf": "ja ✓"}
    assert agent.first("answered", key)[0] > agent.first("collected", key)[0]
    assert rows[key].collected == update["collected"]
