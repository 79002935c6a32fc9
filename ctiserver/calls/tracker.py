"""CallTracker: correlates channels into calls. Pure logic: typed events in, notices out.

A call is the set of channels that share a Linkedid. Linkedid is not fixed: when channels
of two calls meet in a bridge, they all adopt the oldest one, so a channel can move from one
call to another; a call ends when its last channel is gone. Local channel halves (``;1`` and
``;2``) need no special case: Asterisk gives both the linkedid of the channel that
requested them, so they land in the same call.

The queue side of a call (a *journey* through one queue) follows app_queue's events, whose
channel fields are always the queue caller's. Wait and talk durations come from Asterisk's
own HoldTime/TalkTime, which it computes as it does queue_log's (a talk time is taken by a
second ``time(NULL)`` call after queue_log's, so the two may differ by one second).

A caller who leaves a queue unanswered departs with one of queue_log's outcomes: abandoned
(hung up: QueueCallerAbandon after a hang-up request), timeout or exitempty (QueueCallerAbandon
with the channel alive; AMI sends the same fields for both), exitwithkey (QueueCallerLeave
alone, the channel already at the key's extension). The departure is decided at
QueueCallerLeave: by then app_queue has written the exit's queue_log line, which names timeout
and empty queue apart and carries the wait app_queue logged; ``exit_log`` supplies those lines.
Without them (no queue_log to read) a live exit counts as a timeout and a key exit's wait is
taken from the event times, in whole seconds as app_queue counts.

What the IVR collected (``DataCollected``) belongs to the call, not to a queue journey: it
usually arrives before the caller enters any queue, on whichever channel ran the IVR (for
instance the trunk channel, with a Local channel's ``;2`` leg queueing later), and stays with
the call into its CRM record.
"""
from __future__ import annotations

import logging
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone

from crm_core.values import CallRecord

from ctiserver.acd.queue_log import QueueLogEntry, exit_of
from ctiserver.ami import events as ev

log = logging.getLogger(__name__)

STATE_UP = 6
COMPLETE_GRACE = 2.0
"""Seconds an answered call whose channels are all gone waits for its late AgentComplete."""
GONE_MEMORY = 20_000
LOGGED_EXITS_MEMORY = 5_000
"""Queue_log exit lines kept for the departures they describe (read just before those)."""

ExitLog = Callable[[], Iterable[QueueLogEntry]]
"""The queue_log lines written since the last call
(``ctiserver.acd.queue_log_follower.QueueLogFollower.read``)."""


# --- notices: what the tracker tells the rest of the server ------------------------------


@dataclass(slots=True, frozen=True)
class CallOffered:
    """A queue is ringing an agent for this call."""

    call_key: str
    at: float
    queue: str
    interface: str
    member_name: str
    caller_num: str
    caller_name: str
    collected: Mapping[str, str] = field(default_factory=dict)
    """What the IVR collected so far."""


@dataclass(slots=True, frozen=True)
class OfferEnded:
    """The agent stopped ringing without taking the call (reason: noanswer|taken|left, or how
    the caller left: abandoned|timeout|exitempty|exitwithkey)."""

    call_key: str
    at: float
    interface: str
    reason: str


@dataclass(slots=True, frozen=True)
class CallAnswered:
    call_key: str
    at: float
    queue: str
    interface: str
    wait: float


@dataclass(slots=True, frozen=True)
class CallCompleted:
    """The agent's part of a queue call is over (AgentComplete): hung up or transferred. The
    call itself may go on, e.g. in another queue after a blind transfer."""

    call_key: str
    at: float
    queue: str
    interface: str
    talk: float
    reason: str


@dataclass(slots=True, frozen=True)
class CallEnded:
    record: CallRecord
    interfaces: frozenset[str]
    """Every agent interface the call was offered to."""


@dataclass(slots=True, frozen=True)
class QueueCallerArrived:
    """A caller entered a queue: the earliest moment to look the caller up in the CRM."""

    call_key: str
    at: float
    queue: str
    caller_num: str
    caller_name: str


@dataclass(slots=True, frozen=True)
class QueueCallerDeparted:
    """A caller left a queue unanswered (outcome, as queue_log names it: abandoned | timeout |
    exitempty | exitwithkey; see ``ctiserver.acd.queue_log.EXIT_OUTCOMES``)."""

    call_key: str
    at: float
    queue: str
    outcome: str
    wait: float


@dataclass(slots=True, frozen=True)
class CollectedChanged:
    """The IVR collected more on this call; ``interfaces``: the agents ringing for it or
    talking to it now, whose card should show it."""

    call_key: str
    at: float
    collected: Mapping[str, str]
    """Everything collected on the call so far."""
    interfaces: frozenset[str]


Notice = (
    CallOffered | OfferEnded | CallAnswered | CallCompleted | CallEnded | QueueCallerArrived
    | QueueCallerDeparted | CollectedChanged
)


# --- state ---------------------------------------------------------------------------------


@dataclass(slots=True)
class Journey:
    queue: str
    uniqueid: str
    caller_num: str
    caller_name: str
    entered: float
    context: str = ""
    exten: str = ""
    """The caller's place in the dialplan on entering (a key exit moves it)."""
    ringing: set[str] = field(default_factory=set)
    agent: str | None = None
    answered: float | None = None
    wait: float | None = None
    talk: float | None = None
    left: float | None = None
    outcome: str | None = None
    completed_by: str | None = None
    cause: int | None = None
    cause_text: str = ""
    alive_hold: int | None = None
    """HoldTime of a QueueCallerAbandon with the caller still there (timeout or empty queue),
    until QueueCallerLeave decides which."""


@dataclass(slots=True)
class Channel:
    uniqueid: str
    name: str
    linkedid: str
    caller_num: str
    caller_name: str
    exten: str
    created: float
    answered: float | None = None
    hangup_requested: bool = False
    cause: int | None = None
    cause_text: str = ""


@dataclass(slots=True)
class Call:
    linkedid: str
    origin: Channel
    started: float
    channels: set[str] = field(default_factory=set)
    journeys: list[Journey] = field(default_factory=list)
    offered: set[str] = field(default_factory=set)
    collected: dict[str, str] = field(default_factory=dict)
    bridged: float | None = None
    ended: float | None = None

    def awaits_completion(self) -> bool:
        return any(j.answered is not None and j.talk is None for j in self.journeys)

    def agents_now(self) -> frozenset[str]:
        """Agents ringing for the call or talking to it."""
        now: set[str] = set()
        for journey in self.journeys:
            now |= journey.ringing
            if journey.agent is not None and journey.talk is None:
                now.add(journey.agent)
        return frozenset(now)


class CallTracker:
    def __init__(self, exit_log: ExitLog | None = None) -> None:
        self._exit_log = exit_log
        self._logged: OrderedDict[tuple[str, str], deque[tuple[float, str, float]]] = OrderedDict()
        """(caller uniqueid, queue) -> exit lines read from queue_log: (time, outcome, wait)."""
        self.channels: dict[str, Channel] = {}
        self.calls: dict[str, Call] = {}
        self._bridges: dict[str, set[str]] = {}
        self._gone: OrderedDict[str, str] = OrderedDict()
        """Recently hung-up channels -> their call's linkedid, for events that trail the Hangup."""
        self._closing: dict[str, float] = {}
        """Calls with no channels left, waiting for their AgentComplete -> since when."""
        self._serving: dict[tuple[str, str], tuple[Call, Journey]] = {}
        """(queue, member interface) -> the call it answered, until AgentComplete."""

    # --- entry points ----------------------------------------------------------------------

    def handle(self, event: ev.AmiEvent, now: float) -> list[Notice]:
        if not isinstance(event, ev.ChannelEvent):
            return []
        ts = event.timestamp if event.timestamp is not None else now
        notices: list[Notice] = []
        if isinstance(event, ev.AgentCompleted):
            # Often sent after the caller's Hangup, sometimes without any channel fields:
            # the member that answered is what identifies the call.
            self._on_complete(event, ts, notices)
            return notices
        if event.uniqueid not in self.channels:
            if event.uniqueid in self._gone:
                self._late(event, ts, notices)
                return notices
            if isinstance(event, ev.ChannelHungUp):
                return notices
        channel = self._channel(event, ts, notices)
        handler = _HANDLERS.get(type(event))
        if handler is not None:
            handler(self, event, channel, ts, notices)
        return notices

    def tick(self, now: float) -> list[Notice]:
        """Finish calls whose AgentComplete never came (the grace period is over). Reads the
        exit log too, so each read at an exit is short."""
        self._read_exit_log()
        notices: list[Notice] = []
        for linkedid, since in list(self._closing.items()):
            if now - since >= COMPLETE_GRACE:
                self._finish(self.calls[linkedid], since, notices)
        return notices

    def snapshot(self) -> frozenset[str]:
        """Channels known now; pass to ``resync`` with the channel list requested now."""
        return frozenset(self.channels)

    def resync(self, known: frozenset[str], live: list[ev.ChannelCreated], now: float) -> list[Notice]:
        """Reconcile with Asterisk's channel list after a (re)connect. Channels we held before
        the list was requested and that Asterisk no longer has ended while we were not
        listening; channels created or gone since are already handled by live events."""
        notices: list[Notice] = []
        for event in live:
            if event.uniqueid not in self._gone:
                self._channel(event, now, notices)
        alive = {event.uniqueid for event in live}
        for uniqueid in known - alive:
            channel = self.channels.get(uniqueid)
            if channel is not None:
                channel.cause_text = channel.cause_text or "ended while the AMI link was down"
                self._drop_channel(channel, now, notices)
        return notices

    # --- channels and calls -----------------------------------------------------------------

    def _channel(self, event: ev.ChannelEvent, ts: float, notices: list[Notice]) -> Channel:
        channel = self.channels.get(event.uniqueid)
        if channel is None:
            channel = Channel(
                uniqueid=event.uniqueid,
                name=event.channel,
                linkedid=event.linkedid,
                caller_num=event.caller_num,
                caller_name=event.caller_name,
                exten=getattr(event, "exten", ""),
                created=ts,
            )
            self.channels[event.uniqueid] = channel
            self._call_for(event.linkedid, channel, ts).channels.add(event.uniqueid)
        elif channel.linkedid != event.linkedid:
            self._move(channel, event.linkedid, ts, notices)
        if event.state == STATE_UP and channel.answered is None:
            channel.answered = ts
        return channel

    def _call_for(self, linkedid: str, origin: Channel, ts: float) -> Call:
        call = self.calls.get(linkedid)
        if call is None:
            call = self.calls[linkedid] = Call(linkedid=linkedid, origin=origin, started=ts)
        return call

    def _move(self, channel: Channel, linkedid: str, ts: float, notices: list[Notice]) -> None:
        old = self.calls.get(channel.linkedid)
        channel.linkedid = linkedid
        self._call_for(linkedid, channel, ts).channels.add(channel.uniqueid)
        if old is not None:
            old.channels.discard(channel.uniqueid)
            if not old.channels:
                self._finish(old, ts, notices)

    def _drop_channel(self, channel: Channel, ts: float, notices: list[Notice]) -> None:
        del self.channels[channel.uniqueid]
        self._gone[channel.uniqueid] = channel.linkedid
        if len(self._gone) > GONE_MEMORY:
            self._gone.popitem(last=False)
        call = self.calls.get(channel.linkedid)
        if call is None:
            return
        call.channels.discard(channel.uniqueid)
        journey = _journey_of(call, channel.uniqueid)
        if journey is not None:
            journey.cause, journey.cause_text = channel.cause, channel.cause_text
            if journey.alive_hold is not None and journey.outcome is None:  # no Leave came
                self._depart_alive(call, journey, False, ts, notices)
            self._end_offers(call, journey, "abandoned" if journey.agent is None else "left", ts, notices)
        if not call.channels:
            if call.awaits_completion():
                call.ended = ts
                self._closing[call.linkedid] = ts
            else:
                self._finish(call, ts, notices)

    def _finish(self, call: Call, ts: float, notices: list[Notice]) -> None:
        del self.calls[call.linkedid]
        self._closing.pop(call.linkedid, None)
        for journey in call.journeys:
            if journey.agent is not None and self._serving.get((journey.queue, journey.agent), (None,))[0] is call:
                del self._serving[(journey.queue, journey.agent)]
        call.ended = call.ended if call.ended is not None else ts
        notices.append(CallEnded(record=_record(call), interfaces=frozenset(call.offered)))

    def _late(self, event: ev.ChannelEvent, ts: float, notices: list[Notice]) -> None:
        """An event for a channel that already hung up: app_queue may report the caller's
        abandon after the channel's Hangup; our FastAGI code may record collected data late."""
        call = self.calls.get(self._gone[event.uniqueid])
        if call is None:
            if isinstance(event, ev.DataCollected):
                log.warning("collected data for the finished call of %s dropped: %r",
                            event.uniqueid, event.fields)
            return
        journey = _journey_of(call, event.uniqueid)
        if journey is not None and isinstance(event, ev.QueueCallerAbandoned):
            self._depart(call, journey, "abandoned", float(event.hold_time), ts, notices)
        elif isinstance(event, ev.DataCollected):
            self._collect(call, event, ts, notices)

    def _end_offers(self, call: Call, journey: Journey, reason: str, ts: float, notices: list[Notice]) -> None:
        for interface in sorted(journey.ringing):
            notices.append(OfferEnded(call_key=_key(call), at=ts, interface=interface, reason=reason))
        journey.ringing.clear()

    # --- event handlers ------------------------------------------------------------------------

    def _on_hangup(self, event: ev.ChannelHungUp, channel: Channel, ts: float, notices: list[Notice]) -> None:
        channel.cause, channel.cause_text = event.cause, event.cause_text
        self._drop_channel(channel, ts, notices)

    def _on_caller_id(self, event: ev.ChannelUpdated, channel: Channel, ts: float, notices: list[Notice]) -> None:
        channel.caller_num, channel.caller_name = event.caller_num, event.caller_name

    def _on_bridge_enter(self, event: ev.BridgeEntered, channel: Channel, ts: float, notices: list[Notice]) -> None:
        members = self._bridges.setdefault(event.bridge_id, set())
        members.add(channel.uniqueid)
        call = self.calls[channel.linkedid]
        if len(members) >= 2 and call.bridged is None:
            call.bridged = ts

    def _on_bridge_leave(self, event: ev.BridgeLeft, channel: Channel, ts: float, notices: list[Notice]) -> None:
        members = self._bridges.get(event.bridge_id)
        if members is not None:
            members.discard(channel.uniqueid)
            if not members:
                del self._bridges[event.bridge_id]

    def _on_join(self, event: ev.QueueCallerJoined, channel: Channel, ts: float, notices: list[Notice]) -> None:
        call = self.calls[channel.linkedid]
        channel.caller_num, channel.caller_name = event.caller_num, event.caller_name
        call.journeys.append(
            Journey(
                queue=event.queue,
                uniqueid=event.uniqueid,
                caller_num=event.caller_num,
                caller_name=event.caller_name,
                entered=ts,
                context=event.context,
                exten=event.exten,
            )
        )
        notices.append(QueueCallerArrived(call_key=_key(call), at=ts, queue=event.queue,
                                          caller_num=event.caller_num, caller_name=event.caller_name))

    def _on_hangup_request(self, event: ev.HangupRequested, channel: Channel, ts: float, notices: list[Notice]) -> None:
        channel.hangup_requested = True

    def _on_abandon(self, event: ev.QueueCallerAbandoned, channel: Channel, ts: float, notices: list[Notice]) -> None:
        call, journey = self._journey(event)
        if journey is None or journey.outcome is not None:
            return
        if channel.hangup_requested:
            self._depart(call, journey, "abandoned", float(event.hold_time), ts, notices)
        else:  # timeout or empty queue: QueueCallerLeave follows, the queue_log line before it
            journey.alive_hold = event.hold_time

    def _depart(self, call: Call, journey: Journey, outcome: str, wait: float, ts: float,
                notices: list[Notice]) -> None:
        journey.outcome, journey.wait, journey.left = outcome, wait, ts
        self._end_offers(call, journey, outcome, ts, notices)
        notices.append(QueueCallerDeparted(call_key=_key(call), at=ts, queue=journey.queue,
                                           outcome=outcome, wait=wait))

    def _on_collected(self, event: ev.DataCollected, channel: Channel, ts: float,
                      notices: list[Notice]) -> None:
        self._collect(self.calls[channel.linkedid], event, ts, notices)

    def _collect(self, call: Call, event: ev.DataCollected, ts: float,
                 notices: list[Notice]) -> None:
        dropped = _merge(call.collected, event.fields)
        if dropped:
            log.warning("call %s: collected fields %s dropped (at most %d per call)",
                        _key(call), ", ".join(map(repr, dropped)), ev.MAX_FIELDS)
        notices.append(CollectedChanged(call_key=_key(call), at=ts, collected=dict(call.collected),
                                        interfaces=call.agents_now()))

    def _on_leave(self, event: ev.QueueCallerLeft, channel: Channel, ts: float, notices: list[Notice]) -> None:
        call, journey = self._journey(event)
        if journey is None or journey.left is not None:
            return
        if journey.outcome is None:
            key = (event.context, event.exten) != (journey.context, journey.exten)
            if journey.alive_hold is not None or key:
                self._depart_alive(call, journey, key, ts, notices)
                return
        journey.left = ts  # answered (AgentConnect follows) or already departed

    def _depart_alive(self, call: Call, journey: Journey, key: bool, ts: float,
                      notices: list[Notice]) -> None:
        """The caller left the queue alive: by timeout, empty queue or a key. queue_log's line
        names which, with its wait; without it, AMI's own: a key, or else a timeout."""
        logged = self._logged_exit(journey)
        if logged is not None:
            outcome, wait = logged
        elif key:
            outcome, wait = "exitwithkey", float(int(ts) - int(journey.entered))
        else:
            outcome, wait = "timeout", float(journey.alive_hold or 0)
        self._depart(call, journey, outcome, wait, ts, notices)

    def _read_exit_log(self) -> None:
        if self._exit_log is None:
            return
        for entry in self._exit_log():
            found = exit_of(entry)
            if found is None:
                continue
            key = (entry.uniqueid, entry.queue)
            self._logged.setdefault(key, deque()).append((entry.time, *found))
            self._logged.move_to_end(key)
            if len(self._logged) > LOGGED_EXITS_MEMORY:
                self._logged.popitem(last=False)

    def _logged_exit(self, journey: Journey) -> tuple[str, float] | None:
        """The queue_log line of this journey's exit, if Asterisk wrote one we can read."""
        self._read_exit_log()
        lines = self._logged.get((journey.uniqueid, journey.queue))
        while lines:
            at, outcome, wait = lines.popleft()
            # Lines of an earlier stay of this channel in this queue (a hang-up) are stale.
            if at >= int(journey.entered) - 1:
                return outcome, wait
        return None

    def _on_agent_called(self, event: ev.AgentCalled, channel: Channel, ts: float, notices: list[Notice]) -> None:
        call, journey = self._journey(event)
        if journey is None:
            return
        journey.ringing.add(event.interface)
        call.offered.add(event.interface)
        notices.append(
            CallOffered(
                call_key=_key(call),
                at=ts,
                queue=event.queue,
                interface=event.interface,
                member_name=event.member_name,
                caller_num=journey.caller_num,
                caller_name=journey.caller_name,
                collected=dict(call.collected),
            )
        )

    def _on_ring_no_answer(self, event: ev.AgentRingNoAnswer, channel: Channel, ts: float, notices: list[Notice]) -> None:
        call, journey = self._journey(event)
        if journey is not None and event.interface in journey.ringing:
            journey.ringing.discard(event.interface)
            notices.append(OfferEnded(call_key=_key(call), at=ts, interface=event.interface, reason="noanswer"))

    def _on_connect(self, event: ev.AgentConnected, channel: Channel, ts: float, notices: list[Notice]) -> None:
        call, journey = self._journey(event)
        if journey is None:
            return
        journey.ringing.discard(event.interface)
        self._end_offers(call, journey, "taken", ts, notices)
        journey.agent, journey.answered, journey.wait = event.interface, ts, float(event.hold_time)
        journey.outcome = "answered"
        self._serving[(event.queue, event.interface)] = (call, journey)
        notices.append(CallAnswered(call_key=_key(call), at=ts, queue=event.queue,
                                    interface=event.interface, wait=journey.wait))

    def _on_complete(self, event: ev.AgentCompleted, ts: float, notices: list[Notice]) -> None:
        served = self._serving.pop((event.queue, event.interface), None)
        if served is None:
            return
        call, journey = served
        journey.talk, journey.completed_by = float(event.talk_time), event.reason
        notices.append(CallCompleted(call_key=_key(call), at=ts, queue=event.queue,
                                     interface=event.interface, talk=journey.talk, reason=event.reason))
        if call.linkedid in self._closing and not call.awaits_completion():
            self._finish(call, ts, notices)

    def _journey(self, event: ev.ChannelEvent) -> tuple[Call, Journey | None]:
        call = self.calls[self.channels[event.uniqueid].linkedid]
        return call, _journey_of(call, event.uniqueid)


_HANDLERS = {
    ev.ChannelHungUp: CallTracker._on_hangup,
    ev.HangupRequested: CallTracker._on_hangup_request,
    ev.ChannelUpdated: CallTracker._on_caller_id,
    ev.BridgeEntered: CallTracker._on_bridge_enter,
    ev.BridgeLeft: CallTracker._on_bridge_leave,
    ev.QueueCallerJoined: CallTracker._on_join,
    ev.QueueCallerAbandoned: CallTracker._on_abandon,
    ev.QueueCallerLeft: CallTracker._on_leave,
    ev.AgentCalled: CallTracker._on_agent_called,
    ev.AgentRingNoAnswer: CallTracker._on_ring_no_answer,
    ev.AgentConnected: CallTracker._on_connect,
    ev.DataCollected: CallTracker._on_collected,
}


def _merge(collected: dict[str, str], fields: Mapping[str, str]) -> list[str]:
    """Add ``fields`` to a call's collected data (a name collected again takes the new value);
    returns the names refused because the call already holds MAX_FIELDS."""
    dropped = []
    for name, value in fields.items():
        if name in collected or len(collected) < ev.MAX_FIELDS:
            collected[name] = value
        else:
            dropped.append(name)
    return dropped


# --- the finished call as a CRM record ------------------------------------------------------------


def _journey_of(call: Call, uniqueid: str) -> Journey | None:
    """The caller channel's current (latest) queue journey."""
    for journey in reversed(call.journeys):
        if journey.uniqueid == uniqueid:
            return journey
    return None


def _main_journey(call: Call) -> Journey | None:
    """The journey that describes the call: the answered one, else the last."""
    answered = [j for j in call.journeys if j.answered is not None]
    return answered[0] if answered else (call.journeys[-1] if call.journeys else None)


def _key(call: Call) -> str:
    """Stable key, the same one queue_log uses: the uniqueid of the channel that first entered a
    queue; for calls that never queued, the call's original linkedid."""
    return call.journeys[0].uniqueid if call.journeys else call.linkedid


def _utc(ts: float | None) -> datetime | None:
    return None if ts is None else datetime.fromtimestamp(ts, timezone.utc)


def _record(call: Call) -> CallRecord:
    journey = _main_journey(call)
    ended = call.ended if call.ended is not None else call.started
    if journey is None:
        return _plain_record(call, ended)
    origin = call.origin
    if journey.outcome == "answered":
        outcome = "answered"
        talk = journey.talk if journey.talk is not None else ended - (journey.answered or ended)
        wait = journey.wait
    else:
        outcome = journey.outcome or "timeout"
        talk = 0.0
        wait = journey.wait if journey.wait is not None else (journey.left or ended) - journey.entered
    return CallRecord(
        call_key=_key(call),
        linkedid=call.linkedid,
        uniqueid=journey.uniqueid,
        direction="inbound",
        caller_number=journey.caller_num,
        caller_name=journey.caller_name,
        called_number=origin.exten or journey.queue,
        queue=journey.queue,
        agent_interface=journey.agent,
        entered_at=_utc(journey.entered),
        answered_at=_utc(journey.answered),
        ended_at=_utc(ended),
        wait_seconds=round(wait or 0.0, 3),
        talk_seconds=round(talk, 3),
        outcome=outcome,
        hangup_cause=journey.cause,
        hangup_cause_text=journey.cause_text,
        completed_by=journey.completed_by,
        collected=dict(call.collected) or None,
    )


def _plain_record(call: Call, ended: float) -> CallRecord:
    """A call that never entered a queue: internal or outbound."""
    origin = call.origin
    answered = call.bridged
    return CallRecord(
        call_key=_key(call),
        linkedid=call.linkedid,
        uniqueid=origin.uniqueid,
        direction="internal",
        caller_number=origin.caller_num,
        caller_name=origin.caller_name,
        called_number=origin.exten,
        queue=None,
        agent_interface=None,
        entered_at=_utc(call.started),
        answered_at=_utc(answered),
        ended_at=_utc(ended),
        wait_seconds=round((answered or ended) - call.started, 3),
        talk_seconds=round(ended - answered, 3) if answered is not None else 0.0,
        outcome="answered" if answered is not None else "unanswered",
        hangup_cause=origin.cause,
        hangup_cause_text=origin.cause_text,
        completed_by=None,
        collected=dict(call.collected) or None,
    )
