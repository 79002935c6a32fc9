"""A shared-agent queue as a discrete-event simulation (simpy), to check a traffic plan the way
the wallboard counts it: every queue's callers take the agents first come first served; an
agent is answered after app_queue's poll and the agent's ring, unless the caller's patience
runs out first."""
from __future__ import annotations

import random
from dataclasses import dataclass, field

import simpy

from asterisk_conf.traffic import POLL_SLACK, Caller, TrafficPlan


@dataclass
class Tally:
    offered: int = 0
    answered: int = 0
    answered_within: int = 0
    abandoned: int = 0
    short_abandoned: int = 0
    abandoned_within: int = 0
    busy: float = 0.0
    """Agent-seconds from being taken by a caller to the end of the wrap-up."""
    waits: list[tuple[float, float]] = field(default_factory=list)
    """(arrival, seconds waited until answered or gone) of every caller."""

    def service_level(self) -> float:
        """abandons_within_excluded, the wallboard's default variant."""
        return self.answered_within / (self.answered + self.abandoned - self.abandoned_within)

    def abandon_rate(self) -> float:
        return (self.abandoned - self.short_abandoned) / (self.answered + self.abandoned - self.short_abandoned)

    def longest_wait(self, arrived_from: float, arrived_to: float) -> float:
        return max((w for t, w in self.waits if arrived_from <= t < arrived_to), default=0.0)

    def answer(self, arrived: float, waited: float, threshold: float) -> None:
        self.waits.append((arrived, waited))
        self.answered += 1
        self.answered_within += waited <= threshold

    def abandon(self, arrived: float, waited: float, threshold: float, short_abandon: float) -> None:
        self.waits.append((arrived, waited))
        self.abandoned += 1
        self.short_abandoned += waited < short_abandon
        self.abandoned_within += waited <= threshold


def simulate(plan: TrafficPlan, agents: int, seconds: float, *, seed: int = 1,
             threshold: float = 20.0, short_abandon: float = 5.0) -> dict[str, Tally]:
    """Per queue and "all": what ``seconds`` of the plan's traffic gives on ``agents``."""
    env, rng = simpy.Environment(), random.Random(seed)
    staff = simpy.Resource(env, capacity=agents)
    tallies = {queue: Tally() for queue in [*plan.rates, "all"]}

    def call(queue: str, caller: Caller) -> simpy.events.ProcessGenerator:
        counts = (tallies[queue], tallies["all"])
        arrived = env.now
        for tally in counts:
            tally.offered += 1
        with staff.request() as agent:
            if agent not in (yield agent | env.timeout(caller.patience)):
                for tally in counts:
                    tally.abandon(arrived, caller.patience, threshold, short_abandon)
                return
            taken = env.now
            left = arrived + caller.patience - taken
            if left < POLL_SLACK + caller.ring:  # hangs up while the agent's phone rings
                yield env.timeout(left)
                for tally in counts:
                    tally.abandon(arrived, caller.patience, threshold, short_abandon)
                    tally.busy += left
                return
            yield env.timeout(POLL_SLACK + caller.ring)
            for tally in counts:
                tally.answer(arrived, env.now - arrived, threshold)
            yield env.timeout(caller.talk + plan.handling.wrapup)
            for tally in counts:
                tally.busy += env.now - taken

    def callers() -> simpy.events.ProcessGenerator:
        for t, queue in plan.arrivals(rng):
            if t >= seconds:
                return
            yield env.timeout(t - env.now)
            env.process(call(queue, plan.caller(rng)))

    env.process(callers())
    env.run()
    return tallies
