"""Hold, attended transfer (completed and cancelled) and conferencing the supervisor in, from
the console's routes on live calls through the real Asterisk: what Asterisk does is checked
through AMI (channels, bridges, ChanSpy), app_queue's view through its events and queue_log."""
from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import aiohttp
import pytest
import pytest_asyncio
from sqlalchemy import select, update

from asterisk_conf.simulation import caller_originate
from crm_core.models import Call, User
from crm_core.teams import set_led_teams
from crm_core.users import ensure_user
from ctiserver.ami import events as ev
from ctiserver.ami.client import AmiError
from ctiserver.calls.tracker import CallEnded
from ctiserver.control.channels import hold_channel_prefix

from tests.helpers.console import (AMI_STATE_RECHECK, ConsoleAgent, bridged, channels,
                                   console_agent, leave_queue, new_number, until_bridged,
                                   until_state)
from tests.helpers.waiting import BusWatch

pytestmark = pytest.mark.asyncio(loop_scope="session")


class Agent:
    """The console agent's HTTP session plus what the CTI server's bus published meanwhile;
    CONSULT: the attended transfer's target extension (a simulated agent that answers)."""

    def __init__(self, cti, http: aiohttp.ClientSession, agent: ConsoleAgent, consult: str) -> None:
        self.cti, self.http, self.agent, self.consult = cti, http, agent, consult
        self.watch = BusWatch(cti.server.bus)

    @property
    def queue(self) -> str:
        return self.agent.queue

    async def post(self, action: str, body: dict | None = None) -> tuple[int, dict]:
        async with self.http.post(f"/api/call/{action}", json=body or {}) as response:
            return response.status, await response.json()

    async def channels(self) -> list[dict]:
        return await channels(self.cti)

    async def until(self, check, what: str, timeout: float = 15):
        """CHECK (a question to Asterisk) once true: re-asked on each event."""
        return await self.watch.until(check, what, timeout, every=AMI_STATE_RECHECK)

    async def state(self, wanted: str) -> None:
        await until_state(self.watch, self.cti, self.agent, wanted)

    async def call_in(self) -> str:
        """A caller queued to the agent, bridged; its channel id (the caller's ;1 leg)."""
        channel_id = await self.cti.server.ami.originate(caller_originate(
            self.queue, number=new_number(), name="Jürgen 张伟 Warteschleife", patience=60,
            ring=0.5, talk=600, hangup_by="caller"))
        await until_bridged(self.watch, self.cti, self.agent)
        return channel_id

    async def hang_up_all(self, linkedid: str) -> None:
        for item in await self.channels():
            if item.get("Linkedid") == linkedid or item["Channel"].startswith(
                    (f"Local/{self.consult}@", hold_channel_prefix(self.cti.server.settings.hold_context))):
                try:
                    await self.cti.server.ami.send({"Action": "Hangup", "Channel": item["Channel"]})
                except AmiError:
                    pass  # gone meanwhile


@pytest_asyncio.fixture(loop_scope="session")
async def console_agent_on_line(cti, db, new_queue, new_extension) -> AsyncIterator[Agent]:
    """The test's own console agent logged in to the test's own queue over the console's routes."""
    agent = await console_agent(db, new_extension(), await new_queue("callctl", product=cti))
    headers = {"Authorization": f"Bearer {agent.token}"}
    async with aiohttp.ClientSession(cti.url, headers=headers) as http:
        me = Agent(cti, http, agent, consult=new_extension())
        assert (await http.post("/api/agent/login", json={"queues": [agent.queue]})).status == 200
        try:
            yield me
        finally:
            me.watch.close()
            await leave_queue(cti, agent)


async def test_hold_keeps_the_call_bridged_mutes_the_agent_and_plays_music(
        console_agent_on_line: Agent, db) -> None:
    me = console_agent_on_line
    hold_prefix = hold_channel_prefix(me.cti.server.settings.hold_context)
    channel_id = await me.call_in()
    try:
        status, body = await me.post("hold")
        assert status == 200, body
        caller = body["held"]
        assert caller.startswith(f"Local/{me.queue}@sim-inbound-") and caller.endswith(";2"), body

        async def music() -> list[dict]:
            return [c for c in await me.channels() if c["Channel"].startswith(hold_prefix)]
        legs = await me.until(lambda: _both(music), "the hold music to play", 10)
        spy = next(c for c in legs if c["Application"] == "ChanSpy")
        assert spy["ApplicationData"] == f"{caller},qwE"
        assert any(c["Application"] == "MusicOnHold" for c in legs), legs  # the class has music
        await me.watch.first(ev.AmiEvent, "hold channel events", 5,
                             where=lambda e: getattr(e, "channel", "") == spy["Channel"])
        await me.state("on_hold")
        # a restarted CTI server finds the hold again (resync reads Asterisk's channels)
        me.cti.server.acd.set_held(me.agent.interface, False)
        await me.state("on_call")
        await me.cti.server.resync(me.cti.server.ami)
        await me.state("on_hold")
        # the caller and the agent are still bridged: app_queue's call goes on
        assert (await bridged(me.cti, me.agent))["BridgeId"]
        assert not me.watch.of(ev.AgentCompleted)
        assert (await me.post("hold"))[0] == 409  # already on hold
        # the hold music is no call of its own
        assert not any(c.name.startswith(hold_prefix) for c in me.cti.server.tracker.channels.values())

        status, body = await me.post("unhold")
        assert status == 200 and body["was_held"], body
        await me.until(lambda: _no_music(music), "the hold music to stop", 10)
        await me.state("on_call")
        assert (await bridged(me.cti, me.agent))["BridgeId"]
        status, _ = await me.post("hangup")
        assert status == 200
        await me.state("available")
        # one call ended by the tracker, one CRM row, none for the hold music
        (ended,) = [n.record for n in me.watch.of(CallEnded) if n.record.linkedid == channel_id] or [
            (await me.watch.first(CallEnded, "the call's end", 10,
                                  where=lambda n: n.record.linkedid == channel_id)).record]
        await me.cti.server.writer.drained()
        async with db.sessionmaker() as s:
            rows = (await s.scalars(select(Call).where(Call.linkedid == channel_id))).all()
            music = (await s.scalars(select(Call).where(Call.caller_number == "hold"))).all()
        assert [(r.call_key, r.queue, r.outcome) for r in rows] == [(ended.call_key, me.queue, "answered")]
        assert music == []
        assert not [n for n in me.watch.of(CallEnded) if n.record.caller_number == "hold"]
    finally:
        await me.hang_up_all(channel_id)


async def test_attended_transfer_completed_by_hanging_up_and_cancelled(
        console_agent_on_line: Agent, asterisk) -> None:
    me = console_agent_on_line
    mark = asterisk.queue_log_mark()
    for finish in ("cancel", "complete"):
        me.watch.seen.clear()
        channel_id = await me.call_in()
        caller_uid = f"{channel_id};2"
        try:
            status, body = await me.post("atxfer", {"kind": "extension", "target": me.consult})
            assert status == 200, body
            # the agent now talks to the target in a consultation bridge; the caller waits
            consult = await me.until(lambda: _consulting(me), "the agent to consult the target")
            assert consult["agent"]["BridgeId"] != consult["caller"].get("BridgeId")
            if finish == "cancel":
                status, body = await me.post("atxfer_cancel")
                assert status == 200, body
                back = await me.until(lambda: _with_caller(me), "the agent back with the caller")
                assert back
                assert not any(_completed(me, e, caller_uid) for e in me.watch.seen)
                assert (await me.post("hangup"))[0] == 200
                await me.watch.first(ev.AgentCompleted, "the call to complete normally", 10,
                                     where=lambda e: _completed(me, e, caller_uid) and e.reason != "transfer")
            else:
                status, body = await me.post("hangup")  # completes the transfer
                assert status == 200, body
                await me.watch.first(ev.AgentCompleted, "app_queue to log the transfer", 10,
                                     where=lambda e: _completed(me, e, caller_uid) and e.reason == "transfer")
                # the caller now talks to the target
                joined = await me.until(lambda: _caller_with_target(me, caller_uid),
                                        "the caller bridged with the target", 10)
                assert joined
            await me.state("available")
        finally:
            await me.hang_up_all(channel_id)
    log = asterisk.read_queue_log_since(mark)
    assert "|ATTENDEDTRANSFER|" in log, log


@pytest_asyncio.fixture(loop_scope="session")
async def supervisor_phone(console_agent_on_line: Agent, db) -> str:
    """A supervisor with a simulated phone who leads the console agent's team."""
    team = f"console-{uuid.uuid4().hex[:6]}"
    async with db.sessionmaker.begin() as s:  # ensure_user would replace the agent's token
        await s.execute(update(User).where(User.username == console_agent_on_line.agent.username)
                        .values(team=team))
    phone = f"Local/{uuid.uuid4().hex[:8]}@sim-supervisor"
    lead_id, _ = await ensure_user(db, f"lead-{team}", display_name="Ülla Lead", role="supervisor",
                                   interface=phone, password="lead password here")
    await set_led_teams(db, lead_id, [team])
    return phone


async def test_conference_brings_the_supervisor_into_the_call(
        console_agent_on_line: Agent, supervisor_phone: str) -> None:
    me = console_agent_on_line
    channel_id = await me.call_in()
    try:
        status, body = await me.post("conference")
        assert status == 200 and body["supervisor"] == "Ülla Lead", body
        spy = await me.until(lambda: _spying(me, supervisor_phone), "the supervisor's phone in ChanSpy")
        assert spy["ApplicationData"].endswith(",bqBES")  # barge: caller and agent both hear them
        assert (await bridged(me.cti, me.agent))["BridgeId"]  # the call goes on
    finally:
        await me.hang_up_all(channel_id)  # ChanSpy (option E) ends with the agent's channel


# --- helpers ---------------------------------------------------------------------------------


def _completed(me: Agent, event, caller_uid: str) -> bool:
    """The agent's AgentComplete for this caller (none of the caller's channel fields when the
    caller's channel is already gone)."""
    return (isinstance(event, ev.AgentCompleted) and event.interface == me.agent.interface
            and event.queue == me.queue and event.uniqueid in ("", caller_uid))


async def _both(music) -> list[dict] | None:
    legs = await music()
    return legs if {c["Application"] for c in legs} >= {"ChanSpy", "MusicOnHold"} else None


async def _no_music(music) -> bool:
    return not any(c["Application"] == "MusicOnHold" for c in await music())


async def _consulting(me: Agent) -> dict | None:
    channels = await me.channels()
    mine = next((c for c in channels if c["Channel"].startswith(me.agent.channel_prefix)
                 and c.get("BridgeId")), None)
    if mine is None:
        return None
    peers = [c for c in channels if c.get("BridgeId") == mine["BridgeId"] and c is not mine]
    caller = next((c for c in channels if c["Channel"].startswith(f"Local/{me.queue}@sim-inbound-")
                   and c["Channel"].endswith(";2")), None)
    if caller and not any(p["Channel"] == caller["Channel"] for p in peers) and peers:
        return {"agent": mine, "caller": caller}
    return None


async def _with_caller(me: Agent) -> bool:
    channels = await me.channels()
    mine = next((c for c in channels if c["Channel"].startswith(me.agent.channel_prefix)
                 and c.get("BridgeId")), None)
    return bool(mine) and any(c["Channel"].startswith(f"Local/{me.queue}@sim-inbound-")
                              and c.get("BridgeId") == mine["BridgeId"] for c in channels)


async def _caller_with_target(me: Agent, caller_uid: str) -> bool:
    channels = await me.channels()
    caller = next((c for c in channels if c.get("Uniqueid") == caller_uid), None)
    if caller is None or not caller.get("BridgeId"):
        return False
    return any(c.get("BridgeId") == caller["BridgeId"] and c["Channel"] != caller["Channel"]
               and f"/{me.consult}@" in c["Channel"] for c in channels)


async def _spying(me: Agent, phone: str) -> dict | None:
    return next((c for c in await me.channels() if c["Channel"].startswith(phone + "-")
                 and c.get("Application") == "ChanSpy"), None)
