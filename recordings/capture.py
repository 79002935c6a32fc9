"""The capture, followed on AMI. Before a caller queues (an inbound call, a dialer call)
the dialplan's cc-record,policy asks the FastAGI script ``recording_policy`` (``decide``):
the call's policy (its campaign's, else its queue's) decides, and the decision goes on the
caller's channel (``CC_RECORD``, and the announcement to play first), which the dialplan's
cc-record reads as the agent answers and starts MixMonitor. Its ``RecordingStarted`` (the
file is in the spool folder, which Asterisk, perhaps in a chroot, names its own way: the
file's name is what counts) opens the recording's job once the channel is bridged, where the
audio begins; the hang-up of the channel hands the job to the converter. Pause and resume
mute MixMonitor (AMI MixMonitorMute: silence is written, so offsets stay true) and keep the
stretch.
"""
from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from callcenter.errors import Conflict
from ctiserver.ami import events as ev
from ctiserver.agi.server import AgiSession
from ctiserver.ami.actions import MixMonitorMute
from ctiserver.ami.client import AmiClient
from recordings.journal import Journal, Policies
from recordings.pauses import PauseLog, Stretch
from recordings.policy import Capture, decide, policy_for

RECORD_VARIABLE = "CC_RECORD"
ANNOUNCEMENT_VARIABLE = "CC_RECORD_ANNOUNCEMENT"


@dataclass
class LiveRecording:
    call_key: str
    channel: str
    pauses: PauseLog


class RecordingCapture:
    def __init__(self, ami: AmiClient, journal: Journal, policies: Policies, *,
                 spool: Path,
                 background: Callable[[Awaitable[None]], None],
                 on_state: Callable[[str, str, str], None] = lambda interface, key, state: None,
                 clock: Callable[[], float] = time.time) -> None:
        """``on_state(interface, call key, state)``: the recording of the call of the agent at
        INTERFACE is ``recording``, ``paused`` or ``not_recorded`` now."""
        self._ami = ami
        self._journal = journal
        self._policies = policies
        self._spool = spool
        self._background = background
        self._clock = clock
        self._on_state = on_state
        self._interfaces: dict[str, str] = {}
        """An agent's channel in a call -> the agent's interface (app_queue's AgentConnect)."""
        self._decided: dict[str, tuple[str | None, int | None]] = {}
        """Call key -> its queue, and the retention of the policy that decided it."""
        self._starting: dict[str, ev.RecordingStarted] = {}
        """Channel -> its MixMonitor, started but not yet bridged."""
        self.live: dict[str, LiveRecording] = {}
        """Call key -> its recording under way."""

    def handle(self, event: ev.AmiEvent) -> None:
        if isinstance(event, ev.RecordingStarted):
            self._starting[event.channel] = event
        elif isinstance(event, ev.AgentConnected):
            self._interfaces[event.dest_channel] = event.interface
            self._tell(event.dest_channel)
        elif isinstance(event, ev.BridgeEntered) and event.channel in self._starting:
            self._started(self._starting.pop(event.channel), event.timestamp)
        elif isinstance(event, ev.ChannelHungUp):
            if event.channel in self._starting:  # never bridged: an empty recording
                self._started(self._starting.pop(event.channel), event.timestamp)
            self._ended(event)
            self._interfaces.pop(event.channel, None)
            self._decided.pop(event.uniqueid, None)  # a caller gone unanswered

    async def decide(self, session: AgiSession) -> None:
        """FastAGI ``recording_policy?queue=Q&campaign=C`` on the caller's channel; a dialer
        call's announcement is not played (it would hold the person past the connect limit)."""
        call_key, queue = session.env.get("agi_uniqueid", ""), session.params.get("queue", "")
        campaign = session.params.get("campaign", "")
        policy = policy_for(await self._policies.get("queue", queue),
                            await self._policies.get("campaign", campaign) if campaign else None)
        decision = decide(policy, call_key)
        if decision.capture is None:
            return
        self._decided[call_key] = (queue or None, policy.retention_days)
        await session.set_variable(RECORD_VARIABLE, decision.capture.value)
        if decision.announcement and not campaign:
            await session.set_variable(ANNOUNCEMENT_VARIABLE, decision.announcement)

    def _started(self, event: ev.RecordingStarted, bridged_at: float | None) -> None:
        """The audio begins as the channel enters the bridge (MixMonitor's option b): the
        pauses' offsets count from there."""
        at = bridged_at or self._clock()
        on_demand = event.mode == Capture.ON_DEMAND.value
        live = LiveRecording(event.call_key, event.channel, PauseLog.starting(at, paused=on_demand))
        self.live[event.call_key] = live
        self._tell(live.channel)
        decided = self._decided.pop(live.call_key, (None, None))
        self._background(self._open(live, event, on_demand, decided))

    async def _open(self, live: LiveRecording, event: ev.RecordingStarted, on_demand: bool,
                    decided: tuple[str | None, int | None]) -> None:
        if on_demand:  # captured muted until the agent starts it
            await self._ami.send(MixMonitorMute(live.channel, True))
        queue, retention_days = decided
        await self._journal.open(
            call_key=live.call_key, raw_path=str(self._spool / PurePosixPath(event.file).name),
            channel=live.channel, mode=event.mode, started_at=live.pauses.started_at,
            retention_days=retention_days, queue=queue)

    def _tell(self, channel: str, ended: LiveRecording | None = None) -> None:
        """The state of the recording on CHANNEL to its agent, once both are known."""
        interface = self._interfaces.get(channel)
        live = ended or next((r for r in self.live.values() if r.channel == channel), None)
        if interface is None or live is None:
            return
        state = "not_recorded" if ended else "paused" if live.pauses.paused else "recording"
        self._on_state(interface, live.call_key, state)

    def _ended(self, event: ev.ChannelHungUp) -> None:
        live = next((r for r in self.live.values() if r.channel == event.channel), None)
        if live is None:
            return
        del self.live[live.call_key]
        self._tell(live.channel, live)
        at = event.timestamp or self._clock()
        stretches = live.pauses.end(at)
        self._background(self._journal.ended(live.call_key, at, stretches,
                                             keep=not live.pauses.paused_throughout))

    # -- the agent's controls ----------------------------------------------------------------

    # A stretch is marked from the request to mute to the request to unmute; the silence
    # follows each by one AMI round trip (milliseconds).

    async def pause(self, call_key: str) -> tuple[Stretch, ...]:
        live = self._recording(call_key)
        live.pauses.pause(self._clock())
        await self._ami.send(MixMonitorMute(live.channel, True))
        self._tell(live.channel)
        return live.pauses.stretches

    async def resume(self, call_key: str) -> tuple[Stretch, ...]:
        live = self._recording(call_key)
        live.pauses.resume(self._clock())
        await self._ami.send(MixMonitorMute(live.channel, False))
        self._tell(live.channel)
        await self._journal.save_pauses(call_key, live.pauses.stretches)
        return live.pauses.stretches

    def _recording(self, call_key: str) -> LiveRecording:
        live = self.live.get(call_key)
        if live is None:
            raise Conflict("call {call} is not being recorded", call=call_key)
        return live
