"""The capture on typed events with fakes for AMI, FastAGI, the journal and the policies: the
decision (a campaign's policy over its queue's) goes on the caller's channel before it queues, the job opens at the bridge and ends at the hang-up with its
pauses; an IVR flow's recording runs on the caller's channel from the flow's start, paused by
the IVR and then by the agent who answers; an agent-first call's agent controls the recording
on the customer's channel; and the dialplan's UserEvent CcRecording becomes a typed event at
the edge."""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path, PurePosixPath

import pytest

from callcenter.errors import Conflict
from ctiserver.ami import events as ev
from ctiserver.ami.actions import MixMonitorMute
from ctiserver.ami.stream import AmiStreamParser
from recordings.capture import IVR_DRAIN, RecordingCapture
from recordings.pauses import Stretch
from recordings.policy import Mode, RecordingPolicy

SPOOL = Path("/var/spool/cc-recordings")
CALLER, AGENT, KEY = "Local/q@sim-inbound-0001;2", "Local/3001@sim-agent-0002;1", "1733.17;2"
CHANNEL = dict(linkedid="1733.16", caller_num="+4930123", caller_name="Jürgen 张伟", state=6)


class Fakes:
    def __init__(self, policies: dict[str, RecordingPolicy]) -> None:
        self.sent: list[object] = []
        self.calls: list[tuple[str, dict]] = []
        self.policies = policies
        self.tasks: list[asyncio.Task] = []
        self.now = 2000.0

    async def send(self, action: object) -> None:
        self.sent.append(action)

    async def get(self, kind: str, name: str) -> RecordingPolicy | None:
        return self.policies.get(name)

    def __getattr__(self, method: str):  # the journal's methods
        async def record(*args: object, **kwargs: object) -> None:
            self.calls.append((method, {"args": args, **kwargs}))
        return record

    def background(self, coro) -> None:
        self.tasks.append(asyncio.ensure_future(coro))

    async def settle(self) -> None:
        await asyncio.gather(*self.tasks)
        self.tasks.clear()


def capture_with(fakes: Fakes) -> RecordingCapture:
    return RecordingCapture(fakes, fakes, fakes,  # type: ignore[arg-type]
                            spool=SPOOL, background=fakes.background, clock=lambda: fakes.now,
                            ivr_drain=0)


class PolicySession:
    """cc-record,policy's FastAGI session on the caller's channel: what it sets is "sent"."""

    def __init__(self, fakes: Fakes, queue: str, campaign: str = "", flow: str = "") -> None:
        self.env = {"agi_uniqueid": KEY, "agi_channel": CALLER}
        self.params = {"flow": flow} if flow else {"queue": queue, "campaign": campaign}
        self._fakes = fakes

    async def set_variable(self, name: str, value: str) -> None:
        self._fakes.sent.append((name, value))


async def joining(capture: RecordingCapture, fakes: Fakes, queue: str, campaign: str = "") -> None:
    await capture.decide(PolicySession(fakes, queue, campaign))  # type: ignore[arg-type]


def started(mode: str) -> ev.RecordingStarted:
    return ev.RecordingStarted(timestamp=1999.5, channel=AGENT, uniqueid="1733.18",
                               call_key=KEY, file="/srv/test/spool/recordings/1733.172.wav",
                               mode=mode, **CHANNEL)


def on_agent(kind: type, at: float, **fields: object) -> ev.ChannelEvent:
    return kind(timestamp=at, channel=AGENT, uniqueid="1733.18", **CHANNEL, **fields)


async def test_a_recorded_call_from_the_join_to_the_hang_up() -> None:
    fakes = Fakes({"sales": RecordingPolicy(Mode.ALL, retention_days=90)})
    capture = capture_with(fakes)
    await joining(capture, fakes, "sales")
    assert fakes.sent == [("CC_RECORD", "record")]

    capture.handle(started("record"))
    capture.handle(on_agent(ev.BridgeEntered, 2000.0, bridge_id="b1"))
    await fakes.settle()
    assert fakes.calls == [("open", {
        "args": (), "call_key": KEY, "raw_path": str(SPOOL / "1733.172.wav"), "channel": AGENT,
        "mode": "record", "started_at": 2000.0, "retention_days": 90, "queue": "sales",
        "campaign": None})]
    fakes.now = 2003.0
    await capture.pause(KEY)
    with pytest.raises(Conflict):
        await capture.pause(KEY)
    fakes.now = 2005.5
    assert await capture.resume(KEY) == (Stretch(3.0, 5.5),)
    assert fakes.sent[1:] == [MixMonitorMute(AGENT, True), MixMonitorMute(AGENT, False)]

    capture.handle(on_agent(ev.ChannelHungUp, 2010.0, cause=16, cause_text="Normal Clearing"))
    await fakes.settle()
    assert fakes.calls[-1] == ("ended", {"args": (KEY, 2010.0, (Stretch(3.0, 5.5),)),
                                         "keep": True})
    assert not capture.live
    with pytest.raises(Conflict):
        await capture.resume(KEY)


async def test_an_on_demand_call_is_muted_from_the_bridge_and_others_are_left_alone() -> None:
    fakes = Fakes({"support": RecordingPolicy(Mode.ON_DEMAND)})
    capture = capture_with(fakes)
    await joining(capture, fakes, "nobody-records-this")
    assert fakes.sent == []
    await joining(capture, fakes, "support")
    capture.handle(started("on_demand"))
    capture.handle(on_agent(ev.BridgeEntered, 2000.0, bridge_id="b1"))
    await fakes.settle()
    assert fakes.sent == [("CC_RECORD", "on_demand"), MixMonitorMute(AGENT, True)]
    fakes.now = 2004.0
    assert await capture.resume(KEY) == (Stretch(0.0, 4.0),)


async def test_an_on_demand_recording_never_started_is_discarded() -> None:
    fakes = Fakes({"support": RecordingPolicy(Mode.ON_DEMAND)})
    capture = capture_with(fakes)
    await joining(capture, fakes, "support")
    capture.handle(started("on_demand"))
    capture.handle(on_agent(ev.BridgeEntered, 2000.0, bridge_id="b1"))
    capture.handle(on_agent(ev.ChannelHungUp, 2030.0, cause=16, cause_text="Normal Clearing"))
    await fakes.settle()
    assert fakes.calls[-1] == ("ended", {"args": (KEY, 2030.0, (Stretch(0.0, 30.0),)),
                                         "keep": False})


async def test_the_announcement_is_set_for_a_queue_and_a_campaign_policy_wins() -> None:
    fakes = Fakes({"sales": RecordingPolicy(Mode.ALL, announcement="may-be-recorded"),
                   "spring 张伟": RecordingPolicy(Mode.NONE, announcement="may-be-recorded")})
    capture = capture_with(fakes)
    await joining(capture, fakes, "sales", campaign="spring 张伟")
    assert fakes.sent == [], "the campaign's policy: not recorded"
    await joining(capture, fakes, "sales")
    assert fakes.sent == [("CC_RECORD", "record"), ("CC_RECORD_ANNOUNCEMENT", "may-be-recorded")]
    fakes.sent.clear()
    fakes.policies["spring 张伟"] = RecordingPolicy(Mode.ALL, announcement="may-be-recorded")
    await joining(capture, fakes, "sales", campaign="spring 张伟")
    assert fakes.sent == [("CC_RECORD", "record")], "a dialer call hears no announcement"


async def test_a_dialer_calls_job_names_its_campaign() -> None:
    fakes = Fakes({"spring 张伟": RecordingPolicy(Mode.ALL)})
    capture = capture_with(fakes)
    await joining(capture, fakes, "sales", campaign="spring 张伟")
    capture.handle(started("record"))
    capture.handle(on_agent(ev.BridgeEntered, 2000.0, bridge_id="b1"))
    await fakes.settle()
    [(method, opened)] = fakes.calls
    assert (method, opened["queue"], opened["campaign"]) == ("open", "sales", "spring 张伟")


async def test_the_agent_is_told_the_recording_state_of_their_call() -> None:
    fakes = Fakes({"sales": RecordingPolicy(Mode.ON_DEMAND)})
    told: list[tuple[str, str, str]] = []
    capture = RecordingCapture(fakes, fakes, fakes,  # type: ignore[arg-type]
                               spool=SPOOL, background=fakes.background,
                               on_state=lambda *state: told.append(state), clock=lambda: fakes.now)
    await joining(capture, fakes, "sales")
    capture.handle(started("on_demand"))
    capture.handle(on_agent(ev.BridgeEntered, 2000.0, bridge_id="b1"))
    assert told == [], "the agent's interface is not known yet"
    capture.handle(ev.AgentConnected(
        timestamp=2000.1, channel=CALLER, uniqueid=KEY, queue="sales", interface="PJSIP/3001",
        member_name="3001", hold_time=1, ring_time=1, dest_uniqueid="1733.18",
        dest_channel=AGENT, **CHANNEL))
    await capture.resume(KEY)
    await capture.pause(KEY)
    capture.handle(on_agent(ev.ChannelHungUp, 2010.0, cause=16, cause_text="Normal Clearing"))
    await fakes.settle()
    assert told == [("PJSIP/3001", KEY, state)
                    for state in ("paused", "recording", "paused", "not_recorded")]


def test_mixmonitormute_is_sent_as_asterisk_reads_it() -> None:
    assert MixMonitorMute(AGENT, True).message() == {
        "Action": "MixMonitorMute", "Channel": AGENT, "Direction": "both", "State": "1"}


def test_the_dialplans_user_event_becomes_a_recording_started() -> None:
    frame = "\r\n".join([
        "Event: UserEvent", "Privilege: user,all", "Timestamp: 1795510903.743150",
        f"Channel: {AGENT}", "ChannelState: 6", "CallerIDNum: +4930123",
        "CallerIDName: Jürgen 张伟",
        "Uniqueid: 1733.18", "Linkedid: 1733.16", "UserEvent: CcRecording", f"Key: {KEY}",
        "File: /srv/test/spool/recordings/1733.172.wav", "Mode: record"]) + "\r\n\r\n"
    (fields,) = AmiStreamParser(ev.BUILDERS).feed(frame.encode())
    event = ev.parse_event(fields)
    assert isinstance(event, ev.RecordingStarted)
    assert (event.call_key, event.file, event.mode, event.channel) == (
        KEY, "/srv/test/spool/recordings/1733.172.wav", "record", AGENT)
    assert PurePosixPath(event.file).name == "1733.172.wav"


def connected(at: float) -> ev.AgentConnected:
    return ev.AgentConnected(
        timestamp=at, channel=CALLER, uniqueid=KEY, queue="sales", interface="PJSIP/3001",
        member_name="3001", hold_time=1, ring_time=1, dest_uniqueid="1733.18",
        dest_channel=AGENT, **CHANNEL)


def on_caller(kind: type, at: float, **fields: object) -> ev.ChannelEvent:
    return kind(timestamp=at, channel=CALLER, uniqueid=KEY, **CHANNEL, **fields)


def hung_up(on: Callable[..., ev.ChannelEvent], at: float) -> ev.ChannelEvent:
    return on(ev.ChannelHungUp, at, cause=16, cause_text="Normal Clearing")


def flow_started() -> ev.RecordingStarted:
    return ev.RecordingStarted(timestamp=2000.0, channel=CALLER, uniqueid=KEY, call_key=KEY,
                               file="/srv/test/spool/recordings/1733.172.wav", mode="record",
                               since_bridge=False, **CHANNEL)


def telling(fakes: Fakes) -> tuple[RecordingCapture, list[tuple[str, str, str]]]:
    told: list[tuple[str, str, str]] = []
    return RecordingCapture(fakes, fakes, fakes,  # type: ignore[arg-type]
                            spool=SPOOL, background=fakes.background,
                            on_state=lambda *state: told.append(state),
                            clock=lambda: fakes.now), told


async def test_a_flows_recording_runs_on_the_callers_channel_from_the_flows_start() -> None:
    fakes = Fakes({"hotline 张伟": RecordingPolicy(Mode.ALL, retention_days=7)})
    capture, told = telling(fakes)
    await capture.decide(PolicySession(fakes, "", flow="hotline 张伟"))  # type: ignore[arg-type]
    assert fakes.sent == [("CC_RECORD", "record")]
    capture.handle(flow_started())  # no bridge: the IVR is recorded
    await fakes.settle()
    assert fakes.calls == [("open", {
        "args": (), "call_key": KEY, "raw_path": str(SPOOL / "1733.172.wav"), "channel": CALLER,
        "mode": "record", "started_at": 2000.0, "retention_days": 7, "queue": None,
        "campaign": None})]

    fakes.now = 2002.0
    await capture.pause(KEY, "ivr")  # a card number keyed in
    fakes.now = 2006.0
    resuming = asyncio.ensure_future(capture.resume(KEY))
    done, _ = await asyncio.wait({resuming}, timeout=IVR_DRAIN / 10)
    assert not done and fakes.sent[-1] == MixMonitorMute(CALLER, True), \
        "muted on while MixMonitor writes out what it buffered in the node"
    await resuming
    assert fakes.sent[-1] == MixMonitorMute(CALLER, False)
    assert told == [], "no agent yet"
    capture.handle(connected(2010.0))
    await fakes.settle()
    assert fakes.calls[-2:] == [("save_pauses", {"args": (KEY, (Stretch(2.0, 6.0, "ivr"),))}),
                                ("queued", {"args": (KEY, "sales")})]
    assert capture.live[KEY].channel == AGENT, "the console finds it by the agent's channel"
    fakes.now = 2012.0
    await capture.pause(KEY)
    fakes.now = 2013.0
    await capture.resume(KEY)
    assert fakes.sent[1:] == [MixMonitorMute(CALLER, True), MixMonitorMute(CALLER, False)] * 2

    capture.handle(hung_up(on_agent, 2020.0))  # into a survey: recorded on, without the agent
    assert KEY in capture.live and capture.live[KEY].channel == CALLER
    capture.handle(hung_up(on_caller, 2025.0))
    await fakes.settle()
    assert fakes.calls[-1] == ("ended", {"args": (KEY, 2025.0, (
        Stretch(2.0, 6.0, "ivr"), Stretch(12.0, 13.0, "agent"))), "keep": True})
    assert told == [("PJSIP/3001", KEY, state)
                    for state in ("recording", "paused", "recording", "not_recorded")]


async def test_a_caller_who_hangs_up_in_a_sensitive_node_leaves_a_stretch_to_the_end() -> None:
    fakes = Fakes({"hotline": RecordingPolicy(Mode.ALL)})
    capture = capture_with(fakes)
    await capture.decide(PolicySession(fakes, "", flow="hotline"))  # type: ignore[arg-type]
    # the IVR pauses before the UserEvent came, which arrives while the pause waits for it
    asyncio.get_running_loop().call_soon(capture.handle, flow_started())
    fakes.now = 2003.0
    await capture.pause(KEY, "ivr")
    capture.handle(hung_up(on_caller, 2009.0))
    await fakes.settle()
    assert fakes.calls[-1] == ("ended", {"args": (KEY, 2009.0, (Stretch(3.0, 9.0, "ivr"),)),
                                         "keep": True})


async def test_an_agent_first_calls_agent_controls_the_recording_on_the_customers_leg() -> None:
    customer = "Local/+4930123@sim-customer-0003;1"
    fakes = Fakes({})
    capture, told = telling(fakes)
    capture.handle(ev.RecordingStarted(
        timestamp=1999.5, channel=customer, uniqueid="1733.20", call_key=KEY,
        file="/srv/test/spool/recordings/1733.172.wav", mode="record", agent_channel=AGENT,
        agent_interface="Local/3001@sim-agent/n", **CHANNEL))
    capture.handle(ev.BridgeEntered(timestamp=2000.0, channel=customer, uniqueid="1733.20",
                                    bridge_id="b1", **CHANNEL))
    assert capture.live[KEY].channel == AGENT
    fakes.now = 2001.0
    await capture.pause(KEY)
    assert fakes.sent == [MixMonitorMute(customer, True)]
    capture.handle(ev.ChannelHungUp(timestamp=2005.0, channel=customer, uniqueid="1733.20",
                                    cause=16, cause_text="Normal Clearing", **CHANNEL))
    await fakes.settle()
    assert told == [("Local/3001@sim-agent/n", KEY, state)
                    for state in ("recording", "paused", "not_recorded")]


def test_the_user_event_tells_a_flows_recording_and_an_agent_first_calls_agent() -> None:
    frame = "\r\n".join([
        "Event: UserEvent", "Privilege: user,all", "Timestamp: 1795510903.743150",
        f"Channel: {CALLER}", "ChannelState: 6", "CallerIDNum: +4930123",
        "CallerIDName: Jürgen 张伟", "Uniqueid: 1733.17", "Linkedid: 1733.16",
        "UserEvent: CcRecording", f"Key: {KEY}", "File: /srv/1733.172.wav", "Mode: record",
        "Since: start", f"Agent: {AGENT}", "Interface: PJSIP/3001"]) + "\r\n\r\n"
    (fields,) = AmiStreamParser(ev.BUILDERS).feed(frame.encode())
    event = ev.parse_event(fields)
    assert isinstance(event, ev.RecordingStarted)
    assert (event.since_bridge, event.agent_channel, event.agent_interface) == (
        False, AGENT, "PJSIP/3001")
