"""Contact-center floors as discrete-event simulations (simpy), simulated time only, seeded
and deterministic.

``Floor`` is the engine: N agents and the answered calls waiting for them, first come first
served, each call for up to its patience (then it is abandoned); an agent talks, wraps up,
then takes the oldest waiting call or becomes ready. Two things drive it:
- ``Campaign``, a predictive outbound campaign: a pacer ticks once a second and each call it
  places rings (uniform 5-25 s), then a person answers (30 %) or it ends unanswered, unless the
  pacer hangs it up first (``Pacer.hang_up``, each tick before it decides); a person may wait
  for an agent up to the connect limit (2 s). The k-th call placed gets the k-th draw
  of one random stream whatever the pacer does, so two pacers run on the same seed meet the
  same traffic (the same leads in the same order).
- ``inbound``, Erlang's queue: Poisson arrivals, exponential handling, exponential patience
  (Erlang A) or none (Erlang C), so the engine can be checked against their formulas.

Occupancy is talk + wrap-up over logged-in time; agent wait is the idle time before each
connected call (zero when a waiting call takes the agent straight after wrap-up).
"""
from __future__ import annotations

import bisect
import math
import random
from collections import deque
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import accumulate, count

import simpy

from dialer.compliance import UK, US, AbandonLedger, AbandonRule, Outcome, WindowTally
from dialer.pacing import Pacer, Snapshot

HOUR = 3600.0


@dataclass(frozen=True, slots=True)
class Traffic:
    """An outbound campaign's leads: every call rings uniform ``ring`` seconds, then a person
    answers with probability ``answer``; talk is lognormal, wrap-up fixed."""
    answer: float = 0.30
    ring: tuple[float, float] = (5.0, 25.0)
    talk: float = 120.0
    talk_sd: float = 120.0
    """As spread as the exponential that Erlang's formulas assume."""
    wrap: float = 10.0


@dataclass(frozen=True, slots=True)
class Scenario:
    agents: int
    hours: float = 8.0
    traffic: Traffic = Traffic()
    seed: int = 1
    tick: float = 1.0
    connect_within: float = 2.0
    rules: tuple[AbandonRule, ...] = (US.abandon, UK.abandon)
    """The windows the campaign is held to, fed to the pacer as they fill: the US rule's (the
    campaign while shorter than 30 days) and Ofcom's 24 h; a run under a day is one window of
    each."""
    preview: bool = False
    """Every ready agent without a call in flight asks for one each tick."""


@dataclass(frozen=True, slots=True)
class Call:
    human: bool
    ring: float
    talk: float
    wrap: float
    patience: float
    """Seconds an answered call waits for an agent before it is abandoned."""


def draw(rng: random.Random, traffic: Traffic, patience: float) -> Call:
    """One call's fate; always the same number of draws, so streams stay aligned."""
    human = rng.random() < traffic.answer
    ring = rng.uniform(*traffic.ring)
    sigma2 = math.log(1 + (traffic.talk_sd / traffic.talk) ** 2)
    talk = rng.lognormvariate(math.log(traffic.talk) - sigma2 / 2, math.sqrt(sigma2))
    return Call(human, ring, talk, traffic.wrap, patience)


class AgentState(StrEnum):
    READY = "ready"
    TALKING = "talking"
    WRAPPING = "wrapping"


@dataclass(slots=True)
class Agent:
    state: AgentState = AgentState.READY
    since: float = 0.0
    """When the agent entered the state."""
    connected_at: float = 0.0


@dataclass(slots=True)
class Counts:
    placed: int = 0
    unanswered: int = 0
    hung_up: int = 0
    """Hung up by the pacer while ringing (never answered)."""
    answered: int = 0
    """By a person."""
    connected: int = 0
    abandoned: int = 0
    completed: int = 0
    """Connected calls whose wrap-up ended."""
    busy_seconds: float = 0.0
    """Talk + wrap-up of the completed calls."""


@dataclass(frozen=True, slots=True)
class Report:
    agents: int
    seconds: float
    counts: Counts
    ringing: int
    """At the end, like the next two."""
    waiting: int
    serving: int
    occupancy: float
    agent_waits: tuple[float, ...]
    """Per connected call, the agent's idle seconds before it."""
    answer_waits: tuple[float, ...]
    """Per connected call, seconds from the answer to the agent."""
    answers: tuple[tuple[float, bool], ...] = ()
    """Outbound: per answered call handled, when, and whether it was abandoned."""
    windows: tuple[WindowTally, ...] = ()
    """Each rule's window at the end."""

    @property
    def abandon_rate(self) -> float:
        handled = self.counts.connected + self.counts.abandoned
        return self.counts.abandoned / handled if handled else 0.0

    def worst_rolling(self, window: float) -> float:
        """The highest abandon rate over any ``window`` seconds inside the run (the whole run
        when it is shorter)."""
        times = [at for at, _ in self.answers]
        drops = list(accumulate((int(abandoned) for _, abandoned in self.answers), initial=0))
        span = min(window, self.seconds)
        # a window's calls change only when one enters or leaves: try both positions
        starts = [s for s in [0.0, *times, *(t - span for t in times)] if 0.0 <= s <= self.seconds - span]
        worst = 0.0
        for start in starts:
            low, high = bisect.bisect_right(times, start), bisect.bisect_right(times, start + span)
            if high > low:
                worst = max(worst, (drops[high] - drops[low]) / (high - low))
        return worst

    def inconsistencies(self) -> list[str]:
        """Every call placed must be accounted for exactly once."""
        c = self.counts
        checks = {
            "placed = unanswered + hung up + answered + ringing":
                c.placed == c.unanswered + c.hung_up + c.answered + self.ringing,
            "answered = connected + abandoned + waiting": c.answered == c.connected + c.abandoned + self.waiting,
            "connected = completed + serving": c.connected == c.completed + self.serving,
            "one agent wait per connected call": len(self.agent_waits) == c.connected == len(self.answer_waits),
            "occupancy within [0, 1]": 0.0 <= self.occupancy <= 1.0,
        }
        if self.answers:
            checks["one answer record per handled call"] = len(self.answers) == c.connected + c.abandoned
        return [name for name, holds in checks.items() if not holds]


class Floor:
    """Agents and the answered calls waiting for them."""

    def __init__(self, env: simpy.Environment, agents: int,
                 on_finished: Callable[[float, float], None] = lambda talk, wrap: None) -> None:
        self.env = env
        self.agents = [Agent() for _ in range(agents)]
        self.ready: deque[Agent] = deque(self.agents)
        self.waiting: deque[tuple[float, simpy.Event]] = deque()
        self.counts = Counts()
        self.agent_waits: list[float] = []
        self.answer_waits: list[float] = []
        self._on_finished = on_finished

    def connect(self, call: Call) -> Generator[simpy.Event, object, Agent | None]:
        """An answered call waits for an agent, up to its patience."""
        self.counts.answered += 1
        answered_at = self.env.now
        if self.ready:
            agent = self.ready.popleft()
            self.agent_waits.append(self.env.now - agent.since)
        else:
            claim = self.env.event()
            entry = (answered_at, claim)
            self.waiting.append(entry)
            if math.isinf(call.patience):
                yield claim
            else:
                yield claim | self.env.timeout(call.patience)
            if not claim.triggered:
                self.waiting.remove(entry)
                self.counts.abandoned += 1
                return None
            agent = claim.value  # an agent came, perhaps in the limit's last instant
        self.counts.connected += 1
        self.answer_waits.append(self.env.now - answered_at)
        return agent

    def serve(self, agent: Agent, call: Call) -> Generator[simpy.Event, None, None]:
        agent.state, agent.since = AgentState.TALKING, self.env.now
        agent.connected_at = self.env.now
        yield self.env.timeout(call.talk)
        agent.state, agent.since = AgentState.WRAPPING, self.env.now
        if call.wrap:
            yield self.env.timeout(call.wrap)
        self.counts.completed += 1
        self.counts.busy_seconds += call.talk + call.wrap
        self._on_finished(call.talk, call.wrap)
        agent.state, agent.since = AgentState.READY, self.env.now
        if self.waiting:
            self.agent_waits.append(0.0)
            self.waiting.popleft()[1].succeed(agent)
        else:
            self.ready.append(agent)

    def report(self, ringing: int = 0, answers: tuple[tuple[float, bool], ...] = (),
               windows: tuple[WindowTally, ...] = ()) -> Report:
        now = self.env.now
        serving = [a for a in self.agents if a.state is not AgentState.READY]
        busy = self.counts.busy_seconds + sum(now - a.connected_at for a in serving)
        return Report(len(self.agents), now, self.counts, ringing, len(self.waiting), len(serving),
                      busy / (len(self.agents) * now), tuple(self.agent_waits), tuple(self.answer_waits),
                      answers, windows)


@dataclass
class Campaign:
    scenario: Scenario
    pacer: Pacer
    env: simpy.Environment = field(default_factory=simpy.Environment)
    ringing: dict[int, tuple[float, simpy.Process]] = field(default_factory=dict)
    """Per call ringing: when it was placed, and its process."""
    answers: list[tuple[float, bool]] = field(default_factory=list)
    ids: count = field(default_factory=count)

    def __post_init__(self) -> None:
        self.floor = Floor(self.env, self.scenario.agents, self.pacer.call_finished)
        self.rng = random.Random(self.scenario.seed)
        self.ledger = AbandonLedger(self.scenario.rules)

    def run(self) -> Report:
        self.env.process(self._ticker())
        self.env.run(until=self.scenario.hours * HOUR)
        return self.floor.report(ringing=len(self.ringing), answers=tuple(self.answers),
                                 windows=self.ledger.tallies(self.env.now))

    def snapshot(self) -> Snapshot:
        now = self.env.now
        by_state = {state: tuple(now - a.since for a in self.floor.agents if a.state is state)
                    for state in (AgentState.TALKING, AgentState.WRAPPING)}
        ready = len(self.floor.ready)
        previews = max(0, ready - len(self.ringing)) if self.scenario.preview else 0
        return Snapshot(ready, by_state[AgentState.TALKING], by_state[AgentState.WRAPPING],
                        tuple(now - placed for placed, _ in self.ringing.values()), len(self.floor.waiting),
                        self.ledger.tallies(now), previews)

    def _ticker(self) -> Generator[simpy.Event, None, None]:
        traffic, patience = self.scenario.traffic, self.scenario.connect_within
        while True:
            ringing = list(self.ringing)
            for index in self.pacer.hang_up(self.snapshot()):
                self._hang_up(ringing[index])
            for _ in range(self.pacer.decide(self.snapshot())):
                call_id = next(self.ids)
                self.floor.counts.placed += 1
                process = self.env.process(self._call(call_id, draw(self.rng, traffic, patience)))
                self.ringing[call_id] = self.env.now, process
            yield self.env.timeout(self.scenario.tick)

    def _hang_up(self, call_id: int) -> None:
        """A ringing call hung up: it ends now, unanswered (its process only stops)."""
        placed, process = self.ringing.pop(call_id)
        self.floor.counts.hung_up += 1
        self.pacer.attempt_ended(self.env.now - placed, False, hung_up=True)
        process.interrupt()

    def _call(self, call_id: int, call: Call) -> Generator[simpy.Event, object, None]:
        try:
            yield self.env.timeout(call.ring)
        except simpy.Interrupt:  # hung up while ringing
            return
        del self.ringing[call_id]
        self.pacer.attempt_ended(call.ring, call.human)
        if not call.human:
            self.floor.counts.unanswered += 1
            return
        agent = yield from self.floor.connect(call)
        self.ledger.record(self.env.now, Outcome.CONNECTED if agent else Outcome.ABANDONED)
        self.answers.append((self.env.now, agent is None))
        self.pacer.answer_handled(agent is None)
        if agent is not None:
            yield from self.floor.serve(agent, call)


def simulate(scenario: Scenario, pacer: Pacer) -> Report:
    return Campaign(scenario, pacer).run()


@dataclass(frozen=True, slots=True)
class Inbound:
    """Erlang's queue: Poisson arrivals, exponential handling, exponential patience (Erlang A)
    or infinite (Erlang C), no wrap-up."""
    agents: int
    calls_per_hour: float
    handle: float
    patience: float = math.inf
    hours: float = 100.0
    seed: int = 1


def inbound(queue: Inbound) -> Report:
    env = simpy.Environment()
    floor = Floor(env, queue.agents)
    rng = random.Random(queue.seed)

    def caller(call: Call) -> Generator[simpy.Event, object, None]:
        agent = yield from floor.connect(call)
        if agent is not None:
            yield from floor.serve(agent, call)

    def arrivals() -> Generator[simpy.Event, None, None]:
        while True:
            yield env.timeout(rng.expovariate(queue.calls_per_hour / HOUR))
            floor.counts.placed += 1
            patience = rng.expovariate(1 / queue.patience) if math.isfinite(queue.patience) else math.inf
            env.process(caller(Call(True, 0.0, rng.expovariate(1 / queue.handle), 0.0, patience)))

    env.process(arrivals())
    env.run(until=queue.hours * HOUR)
    return floor.report()

