"""The capture, followed on AMI. Before a caller queues (an inbound call, a dialer call)
the dialplan's cc-record,policy asks the FastAGI script ``recording_policy`` (``decide``):
the call's policy (its campaign's, else its queue's) decides, and the decision goes on the
caller's channel (``CC_RECORD``, and the announcement to play first), which the dialplan's
cc-record reads as the agent answers and starts MixMonitor. An IVR flow with a policy of its
own is decided the same way as the flow starts (``recording_policy?flow=NAME``), and its
MixMonitor runs on the caller's channel from then on, through the queue and the agent: the
call keeps that one recording. Its ``RecordingStarted`` (the file is in the spool folder,
which Asterisk, perhaps in a chroot, names its own way: the file's name is what counts) opens
the recording's job once the channel is bridged (or at once, a flow's), where the audio
begins; the hang-up of the channel hands the job to the converter. Pause and resume mute
MixMonitor on the channel it runs on (AMI MixMonitorMute: silence is written, so offsets stay
true) and keep the stretch with who paused it: the agent, or the IVR while a caller keys in a
card number. The agent's console hears the recording's state.
"""
from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import NamedTuple

from callcenter.errors import Conflict
from ctiserver.ami import events as ev
from ctiserver.agi.server import AgiSession
from ctiserver.ami.actions import MixMonitorMute
from ctiserver.ami.client import AmiClient
from recordings.journal import Journal, Policies
from recordings.pauses import PausedBy, PauseLog, Stretch
from recordings.policy import Capture, decide, policy_for

RECORD_VARIABLE = "CC_RECORD"
ANNOUNCEMENT_VARIABLE = "CC_RECORD_ANNOUNCEMENT"
OPENING_WAIT = 3.0
"""Seconds the IVR's pause waits for a flow's recording it was decided before (the dialplan's
UserEvent may reach us after the IVR's first command)."""
IVR_DRAIN = 0.5
"""Seconds the IVR's pause stays on after its sensitive node before the unmute: MixMonitor
mutes what it has buffered and not yet written (0.1-0.35 s here), so without the wait the
caller's last tenths of a second in the node would be written unmuted."""


class Agent(NamedTuple):
    channel: str
    interface: str


@dataclass
class LiveRecording:
    call_key: str
    recorded: str
    """The channel MixMonitor runs on, muted to pause."""
    pauses: PauseLog
    agent: Agent | None = None
    """The agent in the call now, whose console controls the recording."""

    @property
    def channel(self) -> str:
        """The agent's channel (the console finds its call's recording by it), else the
        recorded one."""
        return self.agent.channel if self.agent else self.recorded


class RecordingCapture:
    def __init__(self, ami: AmiClient, journal: Journal, policies: Policies, *,
                 spool: Path,
                 background: Callable[[Awaitable[None]], None],
                 on_state: Callable[[str, str, str], None] = lambda interface, key, state: None,
                 clock: Callable[[], float] = time.time, ivr_drain: float = IVR_DRAIN) -> None:
        """``on_state(interface, call key, state)``: the recording of the call of the agent at
        INTERFACE is ``recording``, ``paused`` or ``not_recorded`` now."""
        self._ami = ami
        self._journal = journal
        self._policies = policies
        self._spool = spool
        self._background = background
        self._clock = clock
        self._ivr_drain = ivr_drain
        self._on_state = on_state
        self._agents: dict[str, Agent] = {}
        """The caller's channel and the agent's of a call an agent answered -> the agent
        (app_queue's AgentConnected)."""
        self._decided: dict[str, tuple[str | None, str | None, int | None]] = {}
        """Call key -> its queue, its campaign, and the retention of the policy that decided
        it."""
        self._opening: dict[str, asyncio.Event] = {}
        """Call key of a flow's recording decided but not yet started -> set as it starts."""
        self._starting: dict[str, ev.RecordingStarted] = {}
        """Channel -> its MixMonitor, started but not yet bridged."""
        self.live: dict[str, LiveRecording] = {}
        """Call key -> its recording under way."""

    def handle(self, event: ev.AmiEvent) -> None:
        if isinstance(event, ev.RecordingStarted):
            if event.since_bridge:
                self._starting[event.channel] = event
            else:
                self._started(event, event.timestamp)
        elif isinstance(event, ev.AgentConnected):
            self._connected(event)
        elif isinstance(event, ev.BridgeEntered) and event.channel in self._starting:
            self._started(self._starting.pop(event.channel), event.timestamp)
        elif isinstance(event, ev.ChannelHungUp):
            if event.channel in self._starting:  # never bridged: an empty recording
                self._started(self._starting.pop(event.channel), event.timestamp)
            self._ended(event)
            self._left(event.channel)
            self._decided.pop(event.uniqueid, None)  # a caller gone unanswered
            if opening := self._opening.pop(event.uniqueid, None):
                opening.set()

    async def decide(self, session: AgiSession) -> None:
        """FastAGI ``recording_policy?queue=Q&campaign=C`` on the caller's channel before it
        queues, or ``recording_policy?flow=F`` as an IVR flow starts; a dialer call's
        announcement is not played (it would hold the person past the connect limit)."""
        call_key, queue = session.env.get("agi_uniqueid", ""), session.params.get("queue", "")
        campaign, flow = session.params.get("campaign", ""), session.params.get("flow", "")
        if flow:
            policy = policy_for(await self._policies.get("flow", flow))
        else:
            policy = policy_for(await self._policies.get("queue", queue),
                                await self._policies.get("campaign", campaign) if campaign else None)
        decision = decide(policy, call_key)
        if decision.capture is None:
            return
        self._decided[call_key] = (queue or None, campaign or None, policy.retention_days)
        if flow:
            self._opening[call_key] = asyncio.Event()
        await session.set_variable(RECORD_VARIABLE, decision.capture.value)
        if decision.announcement and not campaign:
            await session.set_variable(ANNOUNCEMENT_VARIABLE, decision.announcement)

    def _started(self, event: ev.RecordingStarted, at: float | None) -> None:
        """The audio begins as the channel enters the bridge (MixMonitor's option b), or, a
        flow's, at once: the pauses' offsets count from there."""
        at = at or self._clock()
        on_demand = event.mode == Capture.ON_DEMAND.value
        agent = (Agent(event.agent_channel, event.agent_interface) if event.agent_interface
                 else self._agents.get(event.channel))
        live = LiveRecording(event.call_key, event.channel,
                             PauseLog.starting(at, paused=on_demand), agent)
        self.live[event.call_key] = live
        self._tell(live)
        decided = self._decided.pop(live.call_key, (None, None, None))
        if opening := self._opening.pop(live.call_key, None):
            opening.set()
        self._background(self._open(live, event, on_demand, decided))

    async def _open(self, live: LiveRecording, event: ev.RecordingStarted, on_demand: bool,
                    decided: tuple[str | None, str | None, int | None]) -> None:
        if on_demand:  # captured muted until the agent starts it
            await self._ami.send(MixMonitorMute(live.recorded, True))
        queue, campaign, retention_days = decided
        await self._journal.open(
            call_key=live.call_key, raw_path=str(self._spool / PurePosixPath(event.file).name),
            channel=live.recorded, mode=event.mode, started_at=live.pauses.started_at,
            retention_days=retention_days, queue=queue, campaign=campaign)

    def _connected(self, event: ev.AgentConnected) -> None:
        """An agent answered: the recording on their channel or, a flow's, on the caller's is
        theirs to control now."""
        agent = Agent(event.dest_channel, event.interface)
        self._agents[event.channel] = self._agents[event.dest_channel] = agent
        live = self._recording_on(event.dest_channel) or self._recording_on(event.channel)
        if live is None:
            return
        live.agent = agent
        self._tell(live)
        if live.recorded == event.channel:  # opened in the flow, before any queue
            self._background(self._journal.queued(live.call_key, event.queue))

    def _left(self, channel: str) -> None:
        """CHANNEL hung up: an agent who leaves a recording that goes on (the caller's, into
        a survey or another queue) controls it no more."""
        for key in [k for k, agent in self._agents.items() if channel in (k, agent.channel)]:
            del self._agents[key]
        for live in self.live.values():
            if live.agent and live.agent.channel == channel:
                self._on_state(live.agent.interface, live.call_key, "not_recorded")
                live.agent = None

    def _recording_on(self, channel: str) -> LiveRecording | None:
        return next((r for r in self.live.values() if r.recorded == channel), None)

    def _tell(self, live: LiveRecording, state: str | None = None) -> None:
        """The state of LIVE to its agent, once known."""
        if live.agent is not None:
            self._on_state(live.agent.interface, live.call_key,
                           state or ("paused" if live.pauses.paused else "recording"))

    def _ended(self, event: ev.ChannelHungUp) -> None:
        live = self._recording_on(event.channel)
        if live is None:
            return
        del self.live[live.call_key]
        self._tell(live, "not_recorded")
        live.agent = None
        at = event.timestamp or self._clock()
        stretches = live.pauses.end(at)  # a pause still open (the caller gone) ends here
        self._background(self._journal.ended(live.call_key, at, stretches,
                                             keep=not live.pauses.paused_throughout))

    # -- the agent's controls and the IVR's ---------------------------------------------------

    # A stretch is marked from the request to mute to the request to unmute. MixMonitor
    # applies the mute to the audio it has buffered and not yet written, so the silence in
    # the file starts and ends up to a few tenths of a second before the marks.

    async def pause(self, call_key: str, by: PausedBy = "agent") -> tuple[Stretch, ...]:
        live = await self._opened(call_key) if by == "ivr" else self._recording(call_key)
        live.pauses.pause(self._clock(), by)
        await self._ami.send(MixMonitorMute(live.recorded, True))
        self._tell(live)
        return live.pauses.stretches

    async def resume(self, call_key: str) -> tuple[Stretch, ...]:
        live = self._recording(call_key)
        if live.pauses.paused and live.pauses.paused_by == "ivr":
            await asyncio.sleep(self._ivr_drain)  # its buffered audio is written muted first
            live = self._recording(call_key)  # Conflict if the caller hung up meanwhile
        live.pauses.resume(self._clock())
        await self._ami.send(MixMonitorMute(live.recorded, False))
        self._tell(live)
        await self._journal.save_pauses(call_key, live.pauses.stretches)
        return live.pauses.stretches

    async def _opened(self, call_key: str) -> LiveRecording:
        """The call's recording, waited for if it was decided and is about to start."""
        if (opening := self._opening.get(call_key)) is not None:
            try:
                await asyncio.wait_for(opening.wait(), OPENING_WAIT)
            except TimeoutError:
                pass  # never started: not recorded
        return self._recording(call_key)

    def _recording(self, call_key: str) -> LiveRecording:
        live = self.live.get(call_key)
        if live is None:
            raise Conflict("call {call} is not being recorded", call=call_key)
        return live
