"""AgentStateMachine: each queue member's state, derived from typed events and tracker notices
(pure logic). Agents are keyed by the queue member interface.

The state is a function of facts kept per agent, in this order of precedence:

1. a queue call the agent answered (CallAnswered .. CallEnded): ``on_call`` inbound, or
   ``on_hold`` while the device state is ONHOLD (the phone's hold) or the console holds the
   call (``set_held``: Asterisk's device state does not see that hold);
2. app_queue says the member is in a call we did not see start (InCall after a resync):
   ``on_call`` inbound;
3. a logged-in member whose device is in use outside a queue call: ``on_call`` outbound
   (``on_hold`` when ONHOLD);
4. a queue is ringing the agent (CallOffered .. OfferEnded): ``ringing``;
5. after-call work is running: ``wrapup``;
6. member of no queue: ``logged_out``;
7. paused in every queue it is a member of: ``paused`` (reason of the latest pause);
8. device UNAVAILABLE or INVALID: ``unavailable`` (app_queue will not ring it);
9. otherwise ``available``.

Wrap-up follows app_queue: it starts when the call ends and lasts the member's own
Wrapuptime when set, else the queue's (configured here, as in queues.conf); app_queue rings
nobody during it. It ends early when a queue rings the agent (Asterisk's wrap-up was shorter)
or another queue call is answered. When the after-call work ends, the change carries the
finished call (``HandledCall``) so that statistics count talk, hold and wrap-up together.

Times come from the events (Asterisk's timestamps) and notices; they are clamped to never go
backwards, so each change's ``at`` is monotonic.
"""
from __future__ import annotations

import heapq
from collections.abc import Mapping
from dataclasses import dataclass, field

from ctiserver.ami import events as ev
from ctiserver.calls.tracker import CallAnswered, CallCompleted, CallEnded, CallOffered, Notice, OfferEnded

# Device states (QueueMember Status, ast_device_state) the state depends on.
DEVICE_NOT_INUSE, DEVICE_INVALID, DEVICE_UNAVAILABLE, DEVICE_ONHOLD = 1, 4, 5, 8
DEVICE_BUSY = frozenset({2, 3, 7, DEVICE_ONHOLD})  # INUSE, BUSY, RINGINUSE, ONHOLD

LOGGED_OUT, AVAILABLE, RINGING, ON_CALL = "logged_out", "available", "ringing", "on_call"
ON_HOLD, WRAPUP, PAUSED, UNAVAILABLE = "on_hold", "wrapup", "paused", "unavailable"
STATES = (LOGGED_OUT, AVAILABLE, RINGING, ON_CALL, ON_HOLD, WRAPUP, PAUSED, UNAVAILABLE)


@dataclass(frozen=True, slots=True)
class HandledCall:
    """A queue call whose after-call work is over. talk excludes hold: talk + hold is
    Asterisk's TalkTime."""

    call_key: str
    queue: str
    talk: float
    hold: float
    wrapup: float


@dataclass(frozen=True, slots=True)
class AgentChange:
    """The agent's state, reason, direction or queues changed at ``at``."""

    interface: str
    old: str
    new: str
    at: float
    name: str = ""
    reason: str = ""
    direction: str = ""
    queues: frozenset[str] = frozenset()
    handled: HandledCall | None = None


@dataclass(frozen=True, slots=True)
class AgentView:
    interface: str
    name: str
    state: str
    direction: str
    reason: str
    since: float
    queues: list[str]


@dataclass(slots=True)
class _Membership:
    paused: bool = False
    wrapup: int = 0


@dataclass(slots=True)
class _Call:
    call_key: str
    queue: str
    hold: float = 0.0
    hold_since: float | None = None


@dataclass(slots=True)
class _Wrapup:
    call: _Call
    talk: float
    start: float
    until: float


@dataclass(slots=True)
class _Agent:
    interface: str
    name: str = ""
    memberships: dict[str, _Membership] = field(default_factory=dict)
    device: int = 0
    in_call: bool = False
    pause_reason: str = ""
    ringing: set[str] = field(default_factory=set)
    held: bool = False
    """The console put the agent's call on hold (ctiserver.control.callcontrol)."""
    call: _Call | None = None
    wrapup: _Wrapup | None = None
    state: tuple[str, str, str] = (LOGGED_OUT, "", "")
    """(state, direction, reason)"""
    queues: frozenset[str] = frozenset()
    since: float = 0.0


class AgentStateMachine:
    def __init__(self, wrapup: Mapping[str, int] | None = None) -> None:
        self._queue_wrapup = dict(wrapup or {})
        """Per queue wrap-up seconds (queues.conf wrapuptime); a member's own Wrapuptime wins."""
        self._agents: dict[str, _Agent] = {}
        self._due: list[tuple[float, str]] = []
        self._clock = float("-inf")

    # --- entry points ----------------------------------------------------------------------

    def handle_event(self, event: ev.AmiEvent, now: float) -> list[AgentChange]:
        if not isinstance(event, ev.QueueMemberChanged) or not event.interface:
            return []
        t, changes = self._advance(event.timestamp if event.timestamp is not None else now)
        agent = self._agent(event.interface)
        agent.name = event.member_name or agent.name
        if event.kind == "removed":
            agent.memberships.pop(event.queue, None)
        else:
            self._member_facts(agent, event)
        self._settle(agent, t, changes)
        return changes

    def handle_notice(self, notice: Notice) -> list[AgentChange]:
        if isinstance(notice, CallEnded):
            return self._call_ended(notice)
        handler = _NOTICE_HANDLERS.get(type(notice))
        if handler is None:
            return []
        t, changes = self._advance(notice.at)
        agent = self._agent(notice.interface)
        handler(self, agent, notice, t, changes)
        self._settle(agent, t, changes)
        return changes

    def set_held(self, interface: str, held: bool, now: float) -> list[AgentChange]:
        """The console put the agent's current call on hold, or took it off hold."""
        t, changes = self._advance(now)
        agent = self._agent(interface)
        agent.held = held and (agent.call is not None or agent.device in DEVICE_BUSY)
        self._settle(agent, t, changes)
        return changes

    def set_wrapup(self, per_queue: Mapping[str, int]) -> None:
        """Per queue wrap-up seconds, when the queues' configuration changes."""
        self._queue_wrapup = dict(per_queue)

    def tick(self, now: float) -> list[AgentChange]:
        """End the wrap-ups that are over by ``now``."""
        return self._advance(now)[1]

    def agents(self) -> dict[str, AgentView]:
        return {i: _view(a) for i, a in self._agents.items()}

    def queues_of(self, interface: str) -> frozenset[str]:
        agent = self._agents.get(interface)
        return frozenset(agent.memberships) if agent is not None else frozenset()

    # --- facts ---------------------------------------------------------------------------------

    def _member_facts(self, agent: _Agent, event: ev.QueueMemberChanged) -> None:
        membership = agent.memberships.setdefault(event.queue, _Membership())
        if event.paused:
            agent.pause_reason = event.paused_reason
        membership.paused, membership.wrapup = event.paused, event.wrapup_time
        agent.device = event.status
        agent.held = agent.held and (agent.call is not None or agent.device in DEVICE_BUSY)
        # InCall only tells of a call we did not see (after a restart); a live call is tracked.
        agent.in_call = event.in_call and (event.kind == "resync" or agent.in_call)

    def _offered(self, agent: _Agent, notice: CallOffered, t: float, changes: list[AgentChange]) -> None:
        agent.name = agent.name or notice.member_name
        agent.ringing.add(notice.call_key)
        self._end_wrapup(agent, t, changes)

    def _offer_ended(self, agent: _Agent, notice: OfferEnded, t: float, changes: list[AgentChange]) -> None:
        agent.ringing.discard(notice.call_key)

    def _answered(self, agent: _Agent, notice: CallAnswered, t: float, changes: list[AgentChange]) -> None:
        agent.ringing.discard(notice.call_key)
        agent.call, agent.held = _Call(notice.call_key, notice.queue), False
        self._end_wrapup(agent, t, changes)

    def _completed(self, agent: _Agent, notice: CallCompleted, t: float, changes: list[AgentChange]) -> None:
        """AgentComplete: this agent's part ends here, even if the call goes on elsewhere."""
        if agent.call is not None and agent.call.call_key == notice.call_key:
            self._end_call(agent, notice.talk, t, changes)

    def _call_ended(self, notice: CallEnded) -> list[AgentChange]:
        record = notice.record
        t, changes = self._advance(record.ended_at.timestamp())
        for interface in notice.interfaces:
            agent = self._agents.get(interface)
            if agent is not None and agent.ringing:
                agent.ringing.discard(record.call_key)
                self._settle(agent, t, changes)
        # Without an AgentComplete (missed while the AMI link was down) the call's end is the
        # agent's end too.
        for interface in notice.interfaces:
            agent = self._agents.get(interface)
            if agent is not None and agent.call is not None and agent.call.call_key == record.call_key:
                self._end_call(agent, record.talk_seconds, t, changes)
        return changes

    def _end_call(self, agent: _Agent, talk_seconds: float, t: float, changes: list[AgentChange]) -> None:
        call = agent.call
        _hold_off(call, t)
        agent.call, agent.in_call, agent.held = None, False, False
        if agent.device in DEVICE_BUSY:
            agent.device = DEVICE_NOT_INUSE  # the call's device state; the next status event corrects it
        talk = max(talk_seconds - call.hold, 0.0)
        seconds = self._wrapup_seconds(agent, call.queue)
        agent.wrapup = _Wrapup(call, talk, t, t + seconds)
        if seconds > 0:
            heapq.heappush(self._due, (t + seconds, agent.interface))
            self._settle(agent, t, changes)
        else:
            self._end_wrapup(agent, t, changes)

    def _wrapup_seconds(self, agent: _Agent, queue: str) -> int:
        membership = agent.memberships.get(queue)
        own = membership.wrapup if membership is not None else 0
        return own if own > 0 else self._queue_wrapup.get(queue, 0)

    def _end_wrapup(self, agent: _Agent, t: float, changes: list[AgentChange]) -> None:
        wrapup = agent.wrapup
        if wrapup is None:
            return
        agent.wrapup = None
        call = wrapup.call
        handled = HandledCall(call.call_key, call.queue, wrapup.talk, call.hold, t - wrapup.start)
        self._settle(agent, t, changes, handled)

    # --- time and state -------------------------------------------------------------------------

    def _advance(self, t: float) -> tuple[float, list[AgentChange]]:
        """Move the clock to ``t`` (never backwards), ending the wrap-ups due by then."""
        changes: list[AgentChange] = []
        self._clock = max(self._clock, t)
        while self._due and self._due[0][0] <= self._clock:
            until, interface = heapq.heappop(self._due)
            agent = self._agents[interface]
            if agent.wrapup is not None and agent.wrapup.until == until:
                self._end_wrapup(agent, until, changes)
        return self._clock, changes

    def _agent(self, interface: str) -> _Agent:
        agent = self._agents.get(interface)
        if agent is None:
            agent = self._agents[interface] = _Agent(interface)
        return agent

    def _settle(self, agent: _Agent, t: float, changes: list[AgentChange],
                handled: HandledCall | None = None) -> None:
        """Re-derive the state; report it when something a consumer sees changed."""
        state, queues = _derive(agent), frozenset(agent.memberships)
        if agent.call is not None:
            _hold(agent.call, _held(agent), t)
        if state == agent.state and queues == agent.queues and handled is None:
            return
        old = agent.state[0]
        if state[0] != old:
            agent.since = t
        agent.state, agent.queues = state, queues
        changes.append(AgentChange(agent.interface, old, state[0], t, agent.name, state[2],
                                   state[1], queues, handled))


_NOTICE_HANDLERS = {
    CallOffered: AgentStateMachine._offered,
    OfferEnded: AgentStateMachine._offer_ended,
    CallAnswered: AgentStateMachine._answered,
    CallCompleted: AgentStateMachine._completed,
}


def _held(a: _Agent) -> bool:
    return a.device == DEVICE_ONHOLD or a.held


def _derive(a: _Agent) -> tuple[str, str, str]:
    held = _held(a)
    if a.call is not None or a.in_call:
        return (ON_HOLD if held and a.call is not None else ON_CALL), "inbound", ""
    if a.memberships and a.device in DEVICE_BUSY:
        return (ON_HOLD if held else ON_CALL), "outbound", ""
    if a.ringing:
        return RINGING, "", ""
    if a.wrapup is not None:
        return WRAPUP, "", ""
    if not a.memberships:
        return LOGGED_OUT, "", ""
    if all(m.paused for m in a.memberships.values()):
        return PAUSED, "", a.pause_reason
    if a.device in (DEVICE_INVALID, DEVICE_UNAVAILABLE):
        return UNAVAILABLE, "", ""
    return AVAILABLE, "", ""


def _hold(call: _Call, held: bool, t: float) -> None:
    if held and call.hold_since is None:
        call.hold_since = t
    elif not held:
        _hold_off(call, t)


def _hold_off(call: _Call, t: float) -> None:
    if call.hold_since is not None:
        call.hold += t - call.hold_since
        call.hold_since = None


def _view(a: _Agent) -> AgentView:
    state, direction, reason = a.state
    return AgentView(a.interface, a.name, state, direction, reason, a.since, sorted(a.queues))
