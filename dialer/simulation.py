"""A predictive campaign as a discrete-event simulation (simpy): N agents, a pacer ticking
once a second, calls that ring and end as a person, a detected machine, no answer, busy or a
failure, people connected to a free agent or abandoned after the connect limit (2 s), talk and
wrap-up times from distributions. Simulated time only; seeded and deterministic.

The k-th call placed gets the k-th draw of one random stream whatever the pacer does, so two
pacers run on the same seed meet the same traffic (the same leads in the same order).
Utilisation is talk + wrap-up over logged-in time; agent wait is the idle time per connected
call; abandon rates are per compliance window, at the end.
"""
from __future__ import annotations

import math
import random
from collections import deque
from collections.abc import Generator
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import count

import simpy

from dialer.compliance import UK, US, AbandonLedger, AbandonRule, Outcome, WindowTally
from dialer.pacing import Pacer, Snapshot

HOUR = 3600.0


class Result(StrEnum):
    """How a call's ringing ends."""
    HUMAN = "human"
    MACHINE = "machine"
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Traffic:
    """Shares of results (the rest ring out) and mean durations in seconds."""
    human: float = 0.30
    machine: float = 0.20
    busy: float = 0.10
    failed: float = 0.03
    human_ring: float = 9.0
    """Gamma, shape 3; a person who would answer after the ring timeout counts as no answer."""
    machine_ring: float = 12.0
    busy_seconds: float = 4.0
    failed_seconds: float = 1.5
    ring_timeout: float = 25.0
    talk: float = 90.0
    """Lognormal with ``talk_sd``."""
    talk_sd: float = 60.0
    wrap: float = 15.0
    """Gamma, shape 4."""


@dataclass(frozen=True, slots=True)
class Scenario:
    agents: int
    hours: float = 4.0
    traffic: Traffic = Traffic()
    seed: int = 1
    tick: float = 1.0
    connect_within: float = 2.0
    rules: tuple[AbandonRule, ...] = tuple(r.abandon for r in (US, UK) if r.abandon)
    preview: bool = False
    """Every ready agent without a call in flight asks for one each tick."""


@dataclass(frozen=True, slots=True)
class Report:
    agents: int
    seconds: float
    placed: int
    answered: int
    """By a person."""
    connected: int
    abandoned: int
    utilisation: float
    agent_wait: float
    """Mean idle seconds per connected call."""
    windows: tuple[WindowTally, ...]

    @property
    def abandon_rate(self) -> float:
        """The worst window's."""
        return max((w.rate for w in self.windows), default=0.0)


@dataclass(frozen=True, slots=True)
class Call:
    result: Result
    ring: float
    talk: float
    wrap: float


def draw(rng: random.Random, traffic: Traffic) -> Call:
    """One call's fate; always the same number of draws, so streams stay aligned."""
    u = rng.random()
    human_ring = rng.gammavariate(3, traffic.human_ring / 3)
    machine_ring = rng.gammavariate(3, traffic.machine_ring / 3)
    sigma2 = math.log(1 + (traffic.talk_sd / traffic.talk) ** 2)
    talk = rng.lognormvariate(math.log(traffic.talk) - sigma2 / 2, math.sqrt(sigma2))
    wrap = rng.gammavariate(4, traffic.wrap / 4)
    bounds = [(traffic.human, Result.HUMAN, human_ring), (traffic.machine, Result.MACHINE, machine_ring),
              (traffic.busy, Result.BUSY, traffic.busy_seconds),
              (traffic.failed, Result.FAILED, traffic.failed_seconds)]
    for share, result, ring in bounds:
        if u < share:
            if ring >= traffic.ring_timeout:
                break
            return Call(result, ring, talk, wrap)
        u -= share
    return Call(Result.NO_ANSWER, traffic.ring_timeout, talk, wrap)


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
    answered: int = 0
    connected: int = 0
    abandoned: int = 0
    busy_seconds: float = 0.0


@dataclass
class Campaign:
    scenario: Scenario
    pacer: Pacer
    env: simpy.Environment = field(default_factory=simpy.Environment)
    agents: list[Agent] = field(default_factory=list)
    ready: deque[Agent] = field(default_factory=deque)
    ringing: dict[int, float] = field(default_factory=dict)
    waiting: deque[simpy.Event] = field(default_factory=deque)
    counts: Counts = field(default_factory=Counts)
    ids: count = field(default_factory=count)

    def __post_init__(self) -> None:
        self.agents = [Agent() for _ in range(self.scenario.agents)]
        self.ready.extend(self.agents)
        self.rng = random.Random(self.scenario.seed)
        self.ledger = AbandonLedger(self.scenario.rules)

    def run(self) -> Report:
        seconds = self.scenario.hours * HOUR
        self.env.process(self._ticker())
        self.env.run(until=seconds)
        busy = self.counts.busy_seconds + sum(
            seconds - a.connected_at for a in self.agents if a.state is not AgentState.READY)
        idle = self.scenario.agents * seconds - busy
        c = self.counts
        return Report(self.scenario.agents, seconds, c.placed, c.answered, c.connected, c.abandoned,
                      busy / (self.scenario.agents * seconds), idle / max(1, c.connected),
                      self.ledger.tallies(seconds))

    def snapshot(self) -> Snapshot:
        now = self.env.now
        by_state = {state: tuple(now - a.since for a in self.agents if a.state is state)
                    for state in AgentState}
        previews = max(0, len(self.ready) - len(self.ringing)) if self.scenario.preview else 0
        return Snapshot(len(self.ready), by_state[AgentState.TALKING], by_state[AgentState.WRAPPING],
                        tuple(now - placed for placed in self.ringing.values()), len(self.waiting),
                        self.ledger.tallies(now), previews)

    def _ticker(self) -> Generator[simpy.Event, None, None]:
        while True:
            for _ in range(self.pacer.decide(self.snapshot())):
                self.env.process(self._call(draw(self.rng, self.scenario.traffic)))
            yield self.env.timeout(self.scenario.tick)

    def _call(self, call: Call) -> Generator[simpy.Event, object, None]:
        call_id = next(self.ids)
        self.counts.placed += 1
        self.ringing[call_id] = self.env.now
        yield self.env.timeout(call.ring)
        del self.ringing[call_id]
        self.pacer.attempt_ended(call.ring, call.result is Result.HUMAN)
        if call.result is not Result.HUMAN:
            return
        self.counts.answered += 1
        agent = yield from self._agent_for_answer()
        abandoned = agent is None
        self.ledger.record(self.env.now, Outcome.ABANDONED if abandoned else Outcome.CONNECTED)
        self.pacer.answer_handled(abandoned)
        if agent is None:
            self.counts.abandoned += 1
            return
        self.counts.connected += 1
        yield from self._serve(agent, call)

    def _agent_for_answer(self) -> Generator[simpy.Event, object, Agent | None]:
        if self.ready:
            return self.ready.popleft()
        claim = self.env.event()
        self.waiting.append(claim)
        yield claim | self.env.timeout(self.scenario.connect_within)
        if claim.triggered:  # an agent came, perhaps in the limit's last instant
            return claim.value
        self.waiting.remove(claim)
        return None

    def _serve(self, agent: Agent, call: Call) -> Generator[simpy.Event, None, None]:
        agent.state, agent.since = AgentState.TALKING, self.env.now
        agent.connected_at = self.env.now
        yield self.env.timeout(call.talk)
        agent.state, agent.since = AgentState.WRAPPING, self.env.now
        yield self.env.timeout(call.wrap)
        self.counts.busy_seconds += call.talk + call.wrap
        self.pacer.call_finished(call.talk, call.wrap)
        if self.waiting:
            self.waiting.popleft().succeed(agent)
        else:
            agent.state = AgentState.READY
            self.ready.append(agent)


def simulate(scenario: Scenario, pacer: Pacer) -> Report:
    return Campaign(scenario, pacer).run()
