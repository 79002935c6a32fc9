"""IVR callers on the real sandbox: an agent at the console, and a caller who walks a flow into
that agent's queue (what the queue, the screen pop and the CRM row then say)."""
from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from asterisk_conf.simulation import agent_member
from crm_core.users import create_user
from ctiserver.ami import events as ev
from tests.helpers.product import EndedCalls, add_members, remove_members
from tests.helpers.waiting import BusWatch


async def agent_at_console(db, open_socket, new_extension) -> tuple[str, int, Any]:
    ext = new_extension()
    user_id, token = await create_user(db, f"ivr-{uuid.uuid4().hex[:8]}", display_name="Agent I",
                                       role="agent", extension=ext, interface=agent_member(ext)[0])
    return ext, user_id, await open_socket(token)


async def walk_to_agent(cti, db, agent: Any, ext: str, queue: str,
                        originate: Mapping[str, Any]) -> tuple[ev.QueueCallerJoined, dict, Any]:
    """Originate ``originate`` (its ChannelId given) with agent ``ext`` in ``queue``: the
    caller's queue join, the agent's screen pop and the call's CRM row once it ended."""
    await add_members(cti, queue, [ext])
    call = f"{originate['ChannelId']};2"  # the ;2 leg walks the flow and queues
    with EndedCalls(cti.server) as ended, BusWatch(cti.server.bus) as watch:
        try:
            await cti.server.ami.originate(dict(originate))
            joined = await watch.first(ev.QueueCallerJoined, "the caller in a queue", timeout=40,
                                       uniqueid=call)
            pop = (await agent.wait_for("pop", call))[2]
            rows = await ended.rows(db, {call})
        finally:
            await remove_members(cti, queue, [ext])
    return joined, pop, rows[call]
