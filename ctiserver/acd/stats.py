"""QueueStats: real-time queue and agent statistics, incremental, from tracker notices and
agent state changes (pure logic).

Periods: "today" (the statistics day of ``DayClock``: configurable start hour and time zone;
figures reset when it rolls over) and the sliding last 15 and 60 minutes, (now - span, now].

When each call counts (its moment decides the period it falls in):
- offered: when it enters the queue (QueueCallerArrived; ENTERQUEUE);
- answered, its wait (ASA) and answered-within-T: when an agent answers (CallAnswered; CONNECT);
- the callers who leave the queue unanswered, and their within-T: when they leave
  (QueueCallerDeparted; queue_log's line), each by how: abandoned (hung up; ABANDON), short
  abandoned (of those, the ones who waited less than short_abandon), timed out (Queue()'s
  timeout; EXITWITHTIMEOUT), exit_empty (no member could take calls: ``leavewhenempty``;
  EXITEMPTY) and exit_key (pressed a key of the queue's context; EXITWITHKEY). A caller
  refused on entry (``joinempty``) never entered: no event, no queue_log line, not offered;
- handled (AHT: talk, hold, wrap-up): when the after-call work ends (the AgentChange that
  carries HandledCall: the wrap-up's end, or the call's end when the queue has no wrap-up);
- an agent's answered calls (the wallboard's "Calls"): when the agent answers, so a call
  counts while it is talked and during its wrap-up, before it is handled.
Agent time (occupancy, time in state, pause by reason) is integrated over the period.

Formulas (T = the queue's sl_threshold; a wait of exactly T is within; "lost" = abandoned +
timed_out + exit_empty + exit_key: every caller who left the queue without reaching an agent,
whether they hung up, were sent away or chose to leave; "lost_within": those of them who
left within T):
- ASA = total wait of answered calls / answered
- AHT = (talk + hold + wrap-up) / handled; talk + hold = Asterisk's TalkTime
- abandon_rate = (abandoned - short) / (answered + lost - short): hang-ups over every caller
  who left the queue, short abandons out of both; timeouts, empty-queue and key exits are not
  abandons but count in the denominator
- service level, four variants (docs/metrics.md), default ``abandons_within_excluded``:
  answered_only            = answered_within / answered
  abandons_within_success  = (answered_within + lost_within) / (answered + lost)
  all_abandons_fail        = answered_within / (answered + lost)
  abandons_within_excluded = answered_within / (answered + lost - lost_within)
- occupancy = (on_call + on_hold + wrapup agent-seconds) / (those + available + ringing):
  talk and after-call work over logged-in, not-paused time. An agent counts in every queue
  it is a member of; "unavailable" devices are not staffed time.
A ratio with a zero denominator is None.

Each queue's tile also says how its figures stand against the queue's targets (``levels`` per
period, ``wait_level``) and which of today's are missed (``alerts``): see
``ctiserver.acd.wallboard_levels``.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone

from crm_core.values import CallRecord

from ctiserver.ami import events as ev
from ctiserver.acd.agentstate import (
    AVAILABLE, LOGGED_OUT, ON_CALL, ON_HOLD, PAUSED, RINGING, WRAPUP, AgentChange,
    AgentStateMachine, HandledCall,
)
from ctiserver.calls.tracker import CallAnswered, CallEnded, Notice, QueueCallerArrived, QueueCallerDeparted
from ctiserver.acd.queue_log import QueueLogEntry, summarize_calls
from ctiserver.acd.statsclock import DayClock, Delta, SlidingTally, StepIntegral, Tally
from ctiserver.acd.wallboard_levels import alerts, level, period_levels

SL_VARIANTS = {
    "answered_only": "answered_within / answered",
    "abandons_within_success": "(answered_within + lost_within) / (answered + lost)",
    "all_abandons_fail": "answered_within / (answered + lost)",
    "abandons_within_excluded": "answered_within / (answered + lost - lost_within)",
}
DEFAULT_SL_VARIANT = "abandons_within_excluded"
WINDOWS = {"last15": 900.0, "last60": 3600.0}
BUSY = (ON_CALL, ON_HOLD, WRAPUP)
STAFFED = (*BUSY, AVAILABLE, RINGING)
ALL = "all"

FIELDS = ("offered", "answered", "answered_within", "wait", "abandoned", "short_abandoned",
          "timed_out", "exit_empty", "exit_key", "lost_within", "handled", "talk", "hold", "wrapup")
(OFFERED, ANSWERED, ANSWERED_WITHIN, WAIT, ABANDONED, SHORT, TIMED_OUT, EXIT_EMPTY, EXIT_KEY,
 LOST_WITHIN, HANDLED, TALK, HOLD, ACW) = range(len(FIELDS))
LOST_BY = {"abandoned": ABANDONED, "timeout": TIMED_OUT, "exitempty": EXIT_EMPTY,
           "exitwithkey": EXIT_KEY}
"""The figure each way of leaving unanswered counts in (QueueCallerDeparted.outcome)."""


@dataclass(frozen=True, slots=True)
class QueueTargets:
    sl_threshold: float = 20.0
    short_abandon: float = 5.0
    sl_target: float = 0.8
    max_wait_alert: float = 60.0
    asa_target: float = 30.0
    abandon_rate_target: float = 0.05


@dataclass(slots=True)
class _AgentBook:
    """One agent's state and today's figures."""

    name: str = ""
    state: str = LOGGED_OUT
    direction: str = ""
    reason: str = ""
    since: float = 0.0
    counted: float = 0.0
    """Time up to which the current state's time is in ``seconds``."""
    queues: frozenset[str] = frozenset()
    seconds: Counter = field(default_factory=Counter)
    pause: Counter = field(default_factory=Counter)
    handled: Tally = field(default_factory=lambda: Tally(len(FIELDS)))

    def close(self, t: float, day_start: float) -> None:
        """Account the current state's time up to ``t``."""
        elapsed = t - max(self.counted, day_start)
        self.seconds[self.state] += elapsed
        if self.state == PAUSED:
            self.pause[self.reason] += elapsed
        self.counted = t


class _Book:
    """The figures of one queue, or of all queues together."""

    def __init__(self) -> None:
        self.today = Tally(len(FIELDS))
        self.windows = {name: SlidingTally(len(FIELDS), span) for name, span in WINDOWS.items()}
        self.busy = StepIntegral(max(WINDOWS.values()))
        self.staffed = StepIntegral(max(WINDOWS.values()))
        self.day_base = (0.0, 0.0)
        self.waiting: dict[str, float] = {}
        self.by_state: Counter = Counter()
        self._busy = self._staffed = 0
        """by_state summed over BUSY and over STAFFED, kept as it changes."""

    def add(self, t: float, delta: Delta) -> None:
        self.today.apply(delta)
        for window in self.windows.values():
            window.add(t, delta)
            window.expire(t)

    def shift(self, state: str, n: int, t: float) -> None:
        self.by_state[state] += n
        if state in BUSY:
            self._busy += n
        if state in STAFFED:
            self._staffed += n
        self.busy.set(t, self._busy)
        self.staffed.set(t, self._staffed)

    def new_day(self, start: float) -> None:
        self.today = Tally(len(FIELDS))
        self.day_base = (self.busy.at(start), self.staffed.at(start))

    def occupancy(self, start: float, now: float, base: tuple[float, float] | None = None) -> float | None:
        busy0, staffed0 = base or (self.busy.at(start), self.staffed.at(start))
        return _ratio(self.busy.at(now) - busy0, self.staffed.at(now) - staffed0)


class QueueStats:
    def __init__(self, targets: Mapping[str, QueueTargets] | None = None,
                 default: QueueTargets = QueueTargets(), *, day_start_hour: int = 0,
                 tz: str = "UTC") -> None:
        self.targets = dict(targets or {})
        self.default = default
        self.day = DayClock(day_start_hour, tz)
        self._books: dict[str, _Book] = {q: _Book() for q in self.targets}
        self._all = _Book()
        self._agents: dict[str, _AgentBook] = {}
        self._answered: Counter = Counter()
        """Today's calls answered, by agent interface."""
        self._waiting_in: dict[str, str] = {}
        self._clock = float("-inf")

    def target(self, queue: str) -> QueueTargets:
        return self.targets.get(queue, self.default)

    # --- input -----------------------------------------------------------------------------

    def handle_notice(self, notice: Notice) -> None:
        if isinstance(notice, CallEnded):
            self._advance(notice.record.ended_at.timestamp())
            self._unwait(notice.record.call_key)
            return
        if not isinstance(notice, (QueueCallerArrived, CallAnswered, QueueCallerDeparted)):
            return
        t = self._advance(notice.at)
        if isinstance(notice, QueueCallerArrived):
            self._add(notice.queue, t, ((OFFERED, 1),))
            self._wait(notice.call_key, notice.queue, t)
            return
        self._unwait(notice.call_key)
        self._add(notice.queue, t, self._wait_delta(notice))
        if isinstance(notice, CallAnswered):
            self._answered[notice.interface] += 1

    def handle_change(self, change: AgentChange) -> None:
        t = self._advance(change.at)
        agent = self._agent(change.interface)
        agent.close(t, self.day.start)
        self._move(agent, -1, t)
        agent.name, agent.state, agent.direction = change.name, change.new, change.direction
        agent.reason, agent.queues = change.reason, change.queues
        if change.new != change.old:
            agent.since = t
        self._move(agent, 1, t)
        if change.handled is not None:
            delta = _handled_delta(change.handled)
            agent.handled.apply(delta)
            self._add(change.handled.queue, t, delta)

    # --- output ----------------------------------------------------------------------------

    def snapshot(self, now: float) -> dict:
        now = self._advance(now)
        for book in (*self._books.values(), self._all):
            for window in book.windows.values():
                window.expire(now)
        queues = {q: self._tile(q, book, now) for q, book in sorted(self._books.items())}
        return {
            "at": now,
            "day_start": self.day.start,
            "service_level_default": DEFAULT_SL_VARIANT,
            "definitions": SL_VARIANTS,
            "queues": queues,
            ALL: self._tile(ALL, self._all, now),
            "agents": {i: self._agent_figures(i, a, now) for i, a in sorted(self._agents.items())},
        }

    # --- internals -------------------------------------------------------------------------

    def _advance(self, t: float) -> float:
        """Move the clock (never backwards) and roll the day over. Windows slide as their
        queue is touched and all at once in ``snapshot``."""
        t = self._clock = max(self._clock, t)
        if not self.day.contains(t):
            self.day.move_to(t)
            self._new_day()
        return t

    def _new_day(self) -> None:
        start = self.day.start
        for book in (*self._books.values(), self._all):
            book.new_day(start)
        for agent in self._agents.values():
            agent.seconds, agent.pause = Counter(), Counter()
            agent.handled = Tally(len(FIELDS))
        self._answered.clear()

    def _book(self, queue: str) -> _Book:
        book = self._books.get(queue)
        if book is None:
            book = self._books[queue] = _Book()
        return book

    def _add(self, queue: str, t: float, delta: Delta) -> None:
        self._book(queue).add(t, delta)
        self._all.add(t, delta)

    def _wait(self, call_key: str, queue: str, t: float) -> None:
        self._unwait(call_key)
        self._waiting_in[call_key] = queue
        self._book(queue).waiting[call_key] = t
        self._all.waiting[call_key] = t

    def _unwait(self, call_key: str) -> None:
        queue = self._waiting_in.pop(call_key, None)
        if queue is not None:
            del self._books[queue].waiting[call_key]
            del self._all.waiting[call_key]

    def _wait_delta(self, notice: CallAnswered | QueueCallerDeparted) -> Delta:
        targets = self.target(notice.queue)
        within = int(notice.wait <= targets.sl_threshold)
        if isinstance(notice, CallAnswered):
            return (ANSWERED, 1), (ANSWERED_WITHIN, within), (WAIT, notice.wait)
        if notice.outcome == "abandoned":
            short = int(notice.wait < targets.short_abandon)
            return (ABANDONED, 1), (SHORT, short), (LOST_WITHIN, within)
        return (LOST_BY.get(notice.outcome, TIMED_OUT), 1), (LOST_WITHIN, within)

    def _agent(self, interface: str) -> _AgentBook:
        agent = self._agents.get(interface)
        if agent is None:
            agent = self._agents[interface] = _AgentBook(since=self._clock, counted=self._clock)
            self._all.shift(LOGGED_OUT, 1, self._clock)
        return agent

    def _move(self, agent: _AgentBook, n: int, t: float) -> None:
        """Count the agent in (n=1) or out of (n=-1) its state, in its queues and in all."""
        for queue in agent.queues:
            self._book(queue).shift(agent.state, n, t)
        self._all.shift(agent.state, n, t)

    def _tile(self, queue: str, book: _Book, now: float) -> dict:
        waiting = book.waiting
        longest = now - next(iter(waiting.values())) if waiting else 0.0
        periods = {"today": _period(book.today, book.occupancy(self.day.start, now, book.day_base))}
        for name, window in book.windows.items():
            periods[name] = _period(window, book.occupancy(now - window.span, now))
        tile = {"queue": queue, "waiting": len(waiting), "longest_wait": longest, **periods,
                "agents_by_state": {s: n for s, n in book.by_state.items() if n > 0}}
        if queue != ALL:
            targets = self.target(queue)
            tile["targets"] = asdict(targets)
            tile["wait_level"] = level("longest_wait", longest, targets)
            for period in periods.values():
                period["levels"] = period_levels(period, DEFAULT_SL_VARIANT, targets)
            tile["alerts"] = alerts(longest, periods["today"], DEFAULT_SL_VARIANT, targets)
        return tile

    def _agent_figures(self, interface: str, agent: _AgentBook, now: float) -> dict:
        seconds, pause = Counter(agent.seconds), Counter(agent.pause)
        running = now - max(agent.counted, self.day.start)
        seconds[agent.state] += running
        if agent.state == PAUSED:
            pause[agent.reason] += running
        figures = _handling(agent.handled.values)
        return {"name": agent.name, "state": agent.state, "direction": agent.direction,
                "reason": agent.reason, "since": agent.since, "time_in_state": now - agent.since,
                "queues": sorted(agent.queues), "answered": self._answered[interface], **figures,
                "state_seconds": dict(seconds),
                "pause_seconds": dict(pause)}


def _handled_delta(call: HandledCall) -> Delta:
    return (HANDLED, 1), (TALK, call.talk), (HOLD, call.hold), (ACW, call.wrapup)


def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator > 0 else None


def _handling(v: list[float]) -> dict:
    handled = v[HANDLED]
    return {
        "handled": int(handled),
        "talk": v[TALK],
        "hold": v[HOLD],
        "wrapup": v[ACW],
        "avg_talk": _ratio(v[TALK], handled),
        "avg_hold": _ratio(v[HOLD], handled),
        "avg_wrapup": _ratio(v[ACW], handled),
        "aht": _ratio(v[TALK] + v[HOLD] + v[ACW], handled),
    }


def _period(tally: Tally, occupancy: float | None) -> dict:
    v = tally.values
    answered, within = v[ANSWERED], v[ANSWERED_WITHIN]
    lost, lost_within = sum(v[i] for i in LOST_BY.values()), v[LOST_WITHIN]
    return {
        **{FIELDS[i]: int(v[i]) for i in _COUNTS},
        "lost": int(lost),
        "service_level": {
            "answered_only": _ratio(within, answered),
            "abandons_within_success": _ratio(within + lost_within, answered + lost),
            "all_abandons_fail": _ratio(within, answered + lost),
            "abandons_within_excluded": _ratio(within, answered + lost - lost_within),
        },
        "asa": _ratio(v[WAIT], answered),
        "abandon_rate": _ratio(v[ABANDONED] - v[SHORT], answered + lost - v[SHORT]),
        **_handling(v),
        "occupancy": occupancy,
    }


_COUNTS = (OFFERED, ANSWERED, ANSWERED_WITHIN, ABANDONED, SHORT, TIMED_OUT, EXIT_EMPTY, EXIT_KEY,
           LOST_WITHIN)


# --- wiring and rebuilding ------------------------------------------------------------------


class StatsFeed:
    """Drives the agent state machine and the statistics together: every input goes through
    here so each AgentChange reaches the statistics."""

    def __init__(self, stats: QueueStats, agents: AgentStateMachine) -> None:
        self.stats, self.agents = stats, agents

    def event(self, event: ev.AmiEvent, now: float) -> list[AgentChange]:
        return self._changes(self.agents.handle_event(event, now))

    def notice(self, notice: Notice) -> list[AgentChange]:
        self.stats.handle_notice(notice)
        return self._changes(self.agents.handle_notice(notice))

    def tick(self, now: float) -> list[AgentChange]:
        return self._changes(self.agents.tick(now))

    def held(self, interface: str, held: bool, now: float) -> list[AgentChange]:
        return self._changes(self.agents.set_held(interface, held, now))

    def _changes(self, changes: list[AgentChange]) -> list[AgentChange]:
        for change in changes:
            self.stats.handle_change(change)
        return changes


def rebuild_from_queue_log(entries: Iterable[QueueLogEntry], now: float, feed: StatsFeed,
                           interfaces: Mapping[str, str] | None = None) -> None:
    """Replay Asterisk's queue_log up to ``now`` into a fresh feed, as the notices and member
    events the live server would have seen. ``interfaces`` maps member names (the agent field of
    CONNECT, PAUSE...) to interfaces; by default those the feed's agents already know. Device
    states, ringing and calls that are not queue calls are not in the queue_log; feed the live
    QueueStatus (QueueMember resync events) afterwards to correct the current agent states."""
    names = {v.name: i for i, v in feed.agents.agents().items() if v.name} | dict(interfaces or {})
    replay = _QueueLogReplay(feed, names)
    for entry in entries:
        if entry.time > now:
            break
        replay.apply(entry)
    feed.tick(now)


class _QueueLogReplay:
    def __init__(self, feed: StatsFeed, names: Mapping[str, str]) -> None:
        self.feed, self.names = feed, names
        self.calls: dict[str, tuple[float, float, str]] = {}
        """Answered calls: uniqueid -> (entered, answered, interface)."""
        self.entered: dict[str, float] = {}

    def apply(self, e: QueueLogEntry) -> None:
        interface = self.names.get(e.agent, e.agent)
        if e.event in _MEMBER_EVENTS:
            self._member(e, interface)
            return
        summary = summarize_calls([e]).get(e.uniqueid)
        if summary is None:
            return
        notice = self._notice(e, interface, summary)
        if notice is not None:
            self.feed.notice(notice)

    def _notice(self, e: QueueLogEntry, interface: str, summary) -> Notice | None:
        if e.event == "ENTERQUEUE":
            self.entered[e.uniqueid] = e.time
            caller = e.data[1] if len(e.data) > 1 else ""
            return QueueCallerArrived(e.uniqueid, e.time, e.queue, caller, "")
        if e.event == "CONNECT":
            self.calls[e.uniqueid] = (self.entered.pop(e.uniqueid, e.time), e.time, interface)
            return CallAnswered(e.uniqueid, e.time, e.queue, interface, summary.wait_seconds or 0.0)
        if summary.talk_seconds is not None and e.uniqueid in self.calls:
            return _ended(e, *self.calls.pop(e.uniqueid), summary.talk_seconds)
        if summary.outcome is not None and summary.outcome != "answered":
            self.entered.pop(e.uniqueid, None)
            return QueueCallerDeparted(e.uniqueid, e.time, e.queue, summary.outcome,
                                       summary.wait_seconds or 0.0)
        return None

    def _member(self, e: QueueLogEntry, interface: str) -> None:
        kind, paused = _MEMBER_EVENTS[e.event]
        queues = [e.queue] if e.queue != "NONE" else sorted(self.feed.agents.queues_of(interface))
        reason = e.data[0] if paused and e.data else ""
        for queue in queues:
            self.feed.event(ev.QueueMemberChanged(
                timestamp=e.time, kind=kind, queue=queue, interface=interface, member_name="",
                state_interface="", status=0, paused=paused, paused_reason=reason, in_call=False,
                calls_taken=0, penalty=0, wrapup_time=0), e.time)


_MEMBER_EVENTS = {
    "ADDMEMBER": ("added", False), "REMOVEMEMBER": ("removed", False),
    "PAUSE": ("pause", True), "UNPAUSE": ("pause", False),
    "PAUSEALL": ("pause", True), "UNPAUSEALL": ("pause", False),
}


def _utc(t: float) -> datetime:
    return datetime.fromtimestamp(t, timezone.utc)


def _ended(e: QueueLogEntry, entered: float, answered: float, interface: str, talk: float) -> CallEnded:
    record = CallRecord(
        call_key=e.uniqueid, linkedid=e.uniqueid, uniqueid=e.uniqueid, direction="inbound",
        caller_number=None, caller_name=None, called_number=None, queue=e.queue,
        agent_interface=interface, entered_at=_utc(entered), answered_at=_utc(answered),
        ended_at=_utc(e.time), wait_seconds=answered - entered, talk_seconds=talk,
        outcome="answered", hangup_cause=None, hangup_cause_text=None, completed_by=None)
    return CallEnded(record=record, interfaces=frozenset({interface}))
