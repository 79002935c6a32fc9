"""The after-call gate survives a CTI restart, on the real Asterisk sandbox and PostgreSQL: a new
gate takes over the stored pending calls (its agent stays paused and the console refuses to
unpause them), releases an agent whose wrap-ups were all stored while no gate listened, and
leaves no stale rows."""
from __future__ import annotations

import uuid

import aiohttp
import pytest
from sqlalchemy import delete

from agent_console.work_api import wrapup_listeners_key
from crm_core.db import Database
from crm_core.models import PendingWrapup
from crm_core.pendingwrapups import SqlPendingWrapups
from crm_core.users import create_user
from ctiserver.ami import events as ev
from ctiserver.acd.wrapup import AFTER_CALL_WORK, WrapupGate

from tests.helpers.accounts import Account, bearer
from tests.helpers.console import agent_resource
from tests.helpers.records import handled_call, pending_rows

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def agent(db: Database) -> tuple[Account, str]:
    """A console agent with a phone interface of its own (never rung: always paused here)."""
    tag = uuid.uuid4().hex[:8]
    username, interface = f"restart-{tag}", f"Local/rs{tag}@sim-agent/n"
    user_id, token = await create_user(db, username, display_name="Zoë Ärger 李",
                                       role="agent", interface=interface)
    return Account(user_id, username, "", token), interface


async def pause_reason(cti, queue: str, interface: str) -> str | None:
    """Asterisk's word: the pause reason, "" when not paused, None when not a member."""
    items = await cti.server.ami.event_list({"Action": "QueueStatus", "Queue": queue})
    for member in map(ev.parse_event, items):
        if isinstance(member, ev.QueueMemberChanged) and member.interface == interface:
            return member.paused_reason if member.paused else ""
    return None


async def test_pending_wrapups_survive_a_restart(cti, db: Database, new_queue) -> None:
    queue = await new_queue("restart", product=cti)  # nobody calls it; its agents are paused
    server, store = cti.server, SqlPendingWrapups(db)
    (a, a_if), (b, b_if) = await agent(db), await agent(db)
    a1, a2, b1 = [await handled_call(db, who, None) for who in (a, a, b)]
    before = WrapupGate(server.agent_control.pause, server.agent_control.unpause, store)
    running_gate, listeners = server.wrapups, cti.runner.app[wrapup_listeners_key]
    console = agent_resource(cti.runner.app)
    assert console.wrapups is running_gate
    index = listeners.index(running_gate.on_wrapup_submitted)
    try:
        for interface in (a_if, b_if):
            await server.agent_control.log_in(interface, [queue])
        # the gate before the restart: both agents finished calls and were paused
        for interface, call_key in ((a_if, a1), (a_if, a2), (b_if, b1)):
            await before.on_call_completed(interface, call_key)
        assert await pause_reason(cti, queue, a_if) == await pause_reason(cti, queue, b_if) == AFTER_CALL_WORK
        # meanwhile (no gate listening): a1 and b1 are wrapped up through the work API
        async with aiohttp.ClientSession(cti.url) as http:
            for who, call_key in ((a, a1), (b, b1)):
                async with http.post(f"/api/calls/{call_key}/wrapup", headers=bearer(who),
                                     json={"disposition": "resolved"}) as response:
                    assert response.status == 200, await response.text()

        # the restart: a new gate takes over from the database
        after = WrapupGate(server.agent_control.pause, server.agent_control.unpause, store)
        await after.restore()
        assert after.pending(a_if) == {a2} and after.pending(b_if) == frozenset()
        assert await pending_rows(db, a_if, b_if) == {(a_if, a2)}
        assert await pause_reason(cti, queue, a_if) == AFTER_CALL_WORK
        assert await pause_reason(cti, queue, b_if) == ""  # released

        # the new gate serves the console and the work API, as after a real restart
        server.wrapups = console.wrapups = after
        listeners[index] = after.on_wrapup_submitted
        async with aiohttp.ClientSession(cti.url, headers=bearer(a)) as http:
            async with http.post("/api/agent/unpause", json={}) as response:
                assert response.status == 409
                assert "disposition" in (await response.json())["error"]
            async with http.get("/api/agent/state") as response:
                assert (await response.json())["pending_wrapups"] == [a2]
            async with http.post(f"/api/calls/{a2}/wrapup",
                                 json={"disposition": "resolved"}) as response:
                assert response.status == 200, await response.text()
        assert await pending_rows(db, a_if, b_if) == set()
        assert after.pending(a_if) == frozenset()
        assert await pause_reason(cti, queue, a_if) == ""
    finally:
        server.wrapups = console.wrapups = running_gate
        listeners[index] = running_gate.on_wrapup_submitted
        for interface in (a_if, b_if):
            if await pause_reason(cti, queue, interface) is not None:
                await server.agent_control.log_out(interface, [queue])
        async with db.sessionmaker.begin() as session:
            await session.execute(delete(PendingWrapup).where(
                PendingWrapup.interface.in_([a_if, b_if])))
