"""Hold, attended transfer (completed and cancelled) and conferencing the supervisor in, from
the console's routes on live calls through the real Asterisk: what Asterisk does is checked
through AMI (channels, bridges, ChanSpy), app_queue's view through its events and queue_log."""
from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import aiohttp
import pytest
import pytest_asyncio
from sqlalchemy import select, update

from ctiserver.ami.events import AmiEvent
from asterisk_conf.simulation import caller_originate
from crm_core.models import Call, User
from crm_core.teams import set_led_teams
from crm_core.users import ensure_user
from ctiserver.ami import events as ev
from ctiserver.ami.client import AmiError
from ctiserver.control.channels import hold_channel_prefix

from .test_console_live import EXT, INTERFACE, QUEUE, agent, bridged, leave_queue, new_number, wait_for

pytestmark = pytest.mark.asyncio(loop_scope="session")

CONSULT = "1009"
"""The attended transfer's target extension (a simulated agent that answers)."""


class Agent:
    """The console agent's HTTP session plus the AMI events seen meanwhile."""

    def __init__(self, cti, http: aiohttp.ClientSession) -> None:
        self.cti, self.http, self.seen = cti, http, []

    async def post(self, action: str, body: dict | None = None) -> tuple[int, dict]:
        async with self.http.post(f"/api/call/{action}", json=body or {}) as response:
            return response.status, await response.json()

    async def channels(self) -> list[dict]:
        items = await self.cti.server.ami.event_list({"Action": "CoreShowChannels"})
        return [c for c in items if c.get("Event") == "CoreShowChannel"]

    async def state(self, wanted: str) -> None:
        await wait_for(lambda: asyncio.sleep(0, result=self.cti.server.feed.agents.agents()[INTERFACE].state
                                              == wanted), 10, f"the agent to be {wanted}")

    async def call_in(self) -> str:
        """A caller queued to the agent, bridged; its channel id (the caller's ;1 leg)."""
        channel_id = await self.cti.server.ami.originate(caller_originate(
            QUEUE, number=new_number(), name="Jürgen 张伟 Warteschleife", patience=60, ring=0.5,
            talk=600, hangup_by="caller"))
        await wait_for(lambda: bridged(self.cti), 15, "the call to be bridged")
        return channel_id

    async def hang_up_all(self, linkedid: str) -> None:
        for item in await self.channels():
            if item.get("Linkedid") == linkedid or item["Channel"].startswith(
                    (f"Local/{CONSULT}@", hold_channel_prefix(self.cti.server.settings.hold_context))):
                try:
                    await self.cti.server.ami.send({"Action": "Hangup", "Channel": item["Channel"]})
                except AmiError:
                    pass  # gone meanwhile


@pytest_asyncio.fixture(loop_scope="session")
async def console_agent(cti, db) -> AsyncIterator[Agent]:
    _, _, token = await agent(db)
    async with aiohttp.ClientSession(cti.url, headers={"Authorization": f"Bearer {token}"}) as http:
        me = Agent(cti, http)
        unsubscribe = cti.server.bus.subscribe(AmiEvent, me.seen.append)
        assert (await http.post("/api/agent/login", json={"queues": [QUEUE]})).status == 200
        try:
            yield me
        finally:
            unsubscribe()
            await leave_queue(cti)


async def test_hold_keeps_the_call_bridged_mutes_the_agent_and_plays_music(console_agent: Agent, db) -> None:
    me = console_agent
    hold_prefix = hold_channel_prefix(me.cti.server.settings.hold_context)
    channel_id = await me.call_in()
    try:
        status, body = await me.post("hold")
        assert status == 200, body
        caller = body["held"]
        assert caller.startswith(f"Local/{QUEUE}@sim-inbound-") and caller.endswith(";2"), body

        async def music() -> list[dict]:
            return [c for c in await me.channels() if c["Channel"].startswith(hold_prefix)]
        legs = await wait_for(lambda: _both(music), 10, "the hold music to play")
        spy = next(c for c in legs if c["Application"] == "ChanSpy")
        assert spy["ApplicationData"] == f"{caller},qwE"
        assert any(c["Application"] == "MusicOnHold" for c in legs), legs  # the class has music
        await wait_for(lambda: asyncio.sleep(0, result=any(
            getattr(e, "channel", "") == spy["Channel"] for e in me.seen)), 5, "hold channel events")
        await me.state("on_hold")
        # a restarted CTI server finds the hold again (resync reads Asterisk's channels)
        me.cti.server.set_held(INTERFACE, False)
        await me.state("on_call")
        await me.cti.server.resync(me.cti.server.ami)
        await me.state("on_hold")
        # the caller and the agent are still bridged: app_queue's call goes on
        assert (await bridged(me.cti))["BridgeId"]
        assert not any(isinstance(e, ev.AgentCompleted) for e in me.seen)
        assert (await me.post("hold"))[0] == 409  # already on hold
        # the hold music is no call of its own
        assert not any(c.name.startswith(hold_prefix) for c in me.cti.server.tracker.channels.values())

        status, body = await me.post("unhold")
        assert status == 200 and body["was_held"], body
        await wait_for(lambda: _no_music(music), 10, "the hold music to stop")
        await me.state("on_call")
        assert (await bridged(me.cti))["BridgeId"]
        status, _ = await me.post("hangup")
        assert status == 200
        await me.state("available")
        # one CRM row for the call, none for the hold music
        rows = await wait_for(lambda: _calls(db, channel_id), 10, "the call's CRM row")
        assert [(r.queue, r.outcome) for r in rows] == [(QUEUE, "answered")]
        async with db.sessionmaker() as s:
            music = (await s.scalars(select(Call).where(Call.caller_number == "hold"))).all()
        assert music == []
    finally:
        await me.hang_up_all(channel_id)


async def test_attended_transfer_completed_by_hanging_up_and_cancelled(console_agent: Agent, asterisk) -> None:
    me = console_agent
    mark = asterisk.queue_log_mark()
    for finish in ("cancel", "complete"):
        me.seen.clear()
        channel_id = await me.call_in()
        caller_uid = f"{channel_id};2"
        try:
            status, body = await me.post("atxfer", {"kind": "extension", "target": CONSULT})
            assert status == 200, body
            # the agent now talks to the target in a consultation bridge; the caller waits
            consult = await wait_for(lambda: _consulting(me), 15, "the agent to consult the target")
            assert consult["agent"]["BridgeId"] != consult["caller"].get("BridgeId")
            if finish == "cancel":
                status, body = await me.post("atxfer_cancel")
                assert status == 200, body
                back = await wait_for(lambda: _with_caller(me), 15, "the agent back with the caller")
                assert back
                assert not any(_completed(e, caller_uid) for e in me.seen)
                assert (await me.post("hangup"))[0] == 200
                await wait_for(lambda: asyncio.sleep(0, result=any(
                    _completed(e, caller_uid) and e.reason != "transfer" for e in me.seen)),
                    10, "the call to complete normally")
            else:
                status, body = await me.post("hangup")  # completes the transfer
                assert status == 200, body
                await wait_for(lambda: asyncio.sleep(0, result=any(
                    _completed(e, caller_uid) and e.reason == "transfer" for e in me.seen)),
                    10, "app_queue to log the transfer")
                # the caller now talks to the target
                joined = await wait_for(lambda: _caller_with_target(me, caller_uid), 10,
                                        "the caller bridged with the target")
                assert joined
            await me.state("available")
        finally:
            await me.hang_up_all(channel_id)
    log = asterisk.read_queue_log_since(mark)
    assert "|ATTENDEDTRANSFER|" in log, log


@pytest_asyncio.fixture(loop_scope="session")
async def supervisor_phone(console_agent: Agent, db) -> str:
    """A supervisor with a simulated phone who leads the console agent's team."""
    team = f"console-{uuid.uuid4().hex[:6]}"
    async with db.sessionmaker.begin() as s:  # ensure_user would replace the agent's token
        await s.execute(update(User).where(User.username == "console-agent-1010").values(team=team))
    phone = f"Local/{uuid.uuid4().hex[:8]}@sim-supervisor"
    lead_id, _ = await ensure_user(db, f"lead-{team}", display_name="Ülla Lead", role="supervisor",
                                   interface=phone, password="lead password here")
    await set_led_teams(db, lead_id, [team])
    return phone


async def test_conference_brings_the_supervisor_into_the_call(console_agent: Agent, supervisor_phone: str) -> None:
    me = console_agent
    channel_id = await me.call_in()
    try:
        status, body = await me.post("conference")
        assert status == 200 and body["supervisor"] == "Ülla Lead", body
        spy = await wait_for(lambda: _spying(me, supervisor_phone), 15, "the supervisor's phone in ChanSpy")
        assert spy["ApplicationData"].endswith(",bqBES")  # barge: caller and agent both hear them
        assert (await bridged(me.cti))["BridgeId"]  # the call goes on
    finally:
        await me.hang_up_all(channel_id)  # ChanSpy (option E) ends with the agent's channel


# --- helpers ---------------------------------------------------------------------------------


def _completed(event, caller_uid: str) -> bool:
    """The agent's AgentComplete for this caller (none of the caller's channel fields when the
    caller's channel is already gone)."""
    return (isinstance(event, ev.AgentCompleted) and event.interface == INTERFACE
            and event.queue == QUEUE and event.uniqueid in ("", caller_uid))


async def _both(music) -> list[dict] | None:
    legs = await music()
    return legs if {c["Application"] for c in legs} >= {"ChanSpy", "MusicOnHold"} else None


async def _no_music(music) -> bool:
    return not any(c["Application"] == "MusicOnHold" for c in await music())


async def _calls(db, channel_id: str):
    async with db.sessionmaker() as s:
        rows = (await s.scalars(select(Call).where(Call.linkedid == channel_id))).all()
    return rows or None


async def _consulting(me: Agent) -> dict | None:
    channels = await me.channels()
    mine = next((c for c in channels if c["Channel"].startswith(f"Local/{EXT}@sim-agent-")
                 and c.get("BridgeId")), None)
    if mine is None:
        return None
    peers = [c for c in channels if c.get("BridgeId") == mine["BridgeId"] and c is not mine]
    caller = next((c for c in channels if c["Channel"].startswith(f"Local/{QUEUE}@sim-inbound-")
                   and c["Channel"].endswith(";2")), None)
    if caller and not any(p["Channel"] == caller["Channel"] for p in peers) and peers:
        return {"agent": mine, "caller": caller}
    return None


async def _with_caller(me: Agent) -> bool:
    channels = await me.channels()
    mine = next((c for c in channels if c["Channel"].startswith(f"Local/{EXT}@sim-agent-")
                 and c.get("BridgeId")), None)
    return bool(mine) and any(c["Channel"].startswith(f"Local/{QUEUE}@sim-inbound-")
                              and c.get("BridgeId") == mine["BridgeId"] for c in channels)


async def _caller_with_target(me: Agent, caller_uid: str) -> bool:
    channels = await me.channels()
    caller = next((c for c in channels if c.get("Uniqueid") == caller_uid), None)
    if caller is None or not caller.get("BridgeId"):
        return False
    return any(c.get("BridgeId") == caller["BridgeId"] and c["Channel"] != caller["Channel"]
               and f"/{CONSULT}@" in c["Channel"] for c in channels)


async def _spying(me: Agent, phone: str) -> dict | None:
    return next((c for c in await me.channels() if c["Channel"].startswith(phone + "-")
                 and c.get("Application") == "ChanSpy"), None)
