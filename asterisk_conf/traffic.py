"""The demo's simulated traffic, sized to its simulated agents with Erlang C (pure; the
formulas are the dialer's, ``dialer.erlang``, checked there against the reference's tables).
Erlang C ignores abandons, so a rate that meets a service level under it meets it with
abandons too.

The plan: the largest pooled arrival rate at which the agents meet the strictest queue's
service level plus a headroom, split over the queues by share; every ``burst_every`` seconds
one queue in turn gets ``burst_calls`` more callers within ``burst_length`` seconds, a short
peak the agents cannot keep up with (its tile turns amber or red, then recovers).
"""
from __future__ import annotations

import heapq
import random
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from dialer.erlang import erlang_c

POLL_SLACK = 0.5
"""Mean seconds a free agent waits for app_queue's next look at its waiting callers (once a
second): part of the time an agent is kept per call."""


def sized_rate(agents: int, handle_time: float, threshold: float, target: float) -> float:
    """The largest arrival rate (calls a second) at which Erlang C's service level within
    ``threshold`` seconds is still ``target``."""
    low, high = 0.0, agents / handle_time
    for _ in range(60):
        middle = (low + high) / 2
        if erlang_c(agents, middle * handle_time, handle_time, threshold).service_level >= target:
            low = middle
        else:
            high = middle
    return low


@dataclass(frozen=True, slots=True)
class Handling:
    """What one simulated call costs an agent: uniform ring and talk seconds (low, high), and
    the queue's wrap-up."""

    ring: tuple[float, float]
    talk: tuple[float, float]
    wrapup: float

    @property
    def mean(self) -> float:
        """Seconds an agent is kept per call, on average."""
        return sum(self.ring) / 2 + sum(self.talk) / 2 + self.wrapup + POLL_SLACK


@dataclass(frozen=True, slots=True)
class Caller:
    patience: float
    ring: float
    talk: float


@dataclass(frozen=True, slots=True)
class TrafficPlan:
    rates: Mapping[str, float]
    """Normal arrival rate per queue, calls a second."""
    handling: Handling
    patience: float
    """Callers' mean patience (exponential), seconds."""
    burst_calls: int
    burst_every: float
    burst_length: float

    def burst_queue(self, t: float) -> str | None:
        """The queue in a burst at ``t`` seconds from the start: the k-th burst (k = 1, 2...)
        starts at k x burst_every (so the first finds a day's figures to dent, not a handful),
        in the queues' turn."""
        k, into = divmod(t, self.burst_every)
        if k < 1 or into >= self.burst_length:
            return None
        queues = list(self.rates)
        return queues[int(k - 1) % len(queues)]

    def arrivals(self, rng: random.Random) -> Iterator[tuple[float, str]]:
        """(seconds from the start, queue) of each caller, in order, for ever: a Poisson
        stream at ``rates`` and the bursts' callers, each at a random moment of its burst."""
        return heapq.merge(self._normal(rng), self._bursts(rng))

    def _normal(self, rng: random.Random) -> Iterator[tuple[float, str]]:
        queues, rates = list(self.rates), list(self.rates.values())
        t = 0.0
        while True:
            t += rng.expovariate(sum(rates))
            yield t, rng.choices(queues, weights=rates)[0]

    def _bursts(self, rng: random.Random) -> Iterator[tuple[float, str]]:
        start = self.burst_every
        while True:
            queue = self.burst_queue(start)
            for t in sorted(start + rng.uniform(0, self.burst_length) for _ in range(self.burst_calls)):
                yield t, queue
            start += self.burst_every

    def caller(self, rng: random.Random) -> Caller:
        return Caller(patience=rng.expovariate(1 / self.patience),
                      ring=rng.uniform(*self.handling.ring), talk=rng.uniform(*self.handling.talk))


def plan_traffic(agents: int, shares: Mapping[str, float], handling: Handling, *,
                 threshold: float, sl_target: float, headroom: float = 0.12,
                 patience: float = 180.0, burst_calls: int = 5, burst_every: float = 600.0,
                 burst_length: float = 40.0) -> TrafficPlan:
    """Traffic for ``agents`` shared by the queues of ``shares`` (their parts of the calls):
    normal traffic meets ``sl_target + headroom`` within ``threshold`` seconds (the strictest
    queue's); a burst brings ``burst_calls`` more callers to one queue within
    ``burst_length`` seconds. The defaults keep the day's service level above the target with
    the bursts' misses (a simulation of the demo: tests/demo/test_traffic.py)."""
    rate = sized_rate(agents, handling.mean, threshold, min(sl_target + headroom, 0.99))
    total = sum(shares.values())
    return TrafficPlan(
        rates={queue: rate * share / total for queue, share in shares.items()},
        handling=handling, patience=patience, burst_calls=burst_calls,
        burst_every=burst_every, burst_length=burst_length,
    )
