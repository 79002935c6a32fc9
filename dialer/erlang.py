"""Erlang's queueing formulas (pure logic), as docs/telemarketing.md and the contact-center
reference give them, and the open-loop pacer the Erlang-B one describes.

Load A = arrival rate x mean handling time (erlangs). Erlang B: N servers, no queue (a call
finding every server busy is lost). Erlang C (M/M/N): callers queue forever. Erlang A
(M/M/N+M): callers queue and leave after an exponential patience. The pacer places calls at
the fixed rate whose answers, offered to N agents, are lost at a given Erlang-B rate: the
floor a pacer using live state must beat.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from dialer.pacing import Snapshot


def erlang_b(servers: int, load: float) -> float:
    blocking = 1.0
    for n in range(1, servers + 1):
        blocking = load * blocking / (n + load * blocking)
    return blocking


def erlang_b_load(servers: int, loss: float) -> float:
    """The load whose Erlang-B loss on ``servers`` is ``loss`` (bisection: loss grows with load)."""
    low, high = 0.0, float(servers)
    while erlang_b(servers, high) < loss:
        high *= 2
    for _ in range(100):
        mid = (low + high) / 2
        low, high = (mid, high) if erlang_b(servers, mid) < loss else (low, mid)
    return low


def open_loop_busy_share(agents: int, loss: float = 0.03) -> float:
    """Agents' busy share of an Erlang-B loss system whose loss is ``loss``."""
    load = erlang_b_load(agents, loss)
    return load * (1 - erlang_b(agents, load)) / agents


@dataclass(frozen=True, slots=True)
class ErlangC:
    p_wait: float
    service_level: float
    """Share answered within the threshold."""
    asa: float
    occupancy: float


def erlang_c(servers: int, load: float, handle: float, threshold: float) -> ErlangC:
    """M/M/N: an overload (load at or above the servers) waits always, never within the
    threshold, for ever."""
    if load >= servers:
        return ErlangC(1.0, 0.0, math.inf, 1.0)
    blocking = erlang_b(servers, load)
    p_wait = servers * blocking / (servers - load * (1 - blocking))
    return ErlangC(p_wait, 1 - p_wait * math.exp(-(servers - load) * threshold / handle),
                   p_wait * handle / (servers - load), load / servers)


@dataclass(frozen=True, slots=True)
class ErlangA:
    p_abandon: float
    occupancy: float


def erlang_a(servers: int, load: float, handle: float, patience: float) -> ErlangA:
    """The M/M/N+M birth-death chain, summed until its terms vanish."""
    arrivals, service, leaving = load / handle, 1 / handle, 1 / patience
    weight, n = 1.0, 0
    total = busy = queued = 0.0
    while weight > 1e-18 * total or n <= servers:
        total += weight
        busy += min(n, servers) * weight
        queued += max(0, n - servers) * weight
        n += 1
        weight *= arrivals / (min(n, servers) * service + max(0, n - servers) * leaving)
    return ErlangA(leaving * queued / total / arrivals, busy / total / servers)


class OpenLoopPacer:
    """Places calls at a fixed rate, whatever the agents are doing."""

    def __init__(self, calls_per_tick: float) -> None:
        self._per_tick = calls_per_tick
        self._owed = 0.0

    @classmethod
    def at_loss(cls, agents: int, loss: float, answer_share: float, handle: float,
                tick: float = 1.0) -> OpenLoopPacer:
        """The rate whose answers (``answer_share`` of the calls, ``handle`` seconds each) offer
        the agents the Erlang-B load lost at ``loss``."""
        return cls(erlang_b_load(agents, loss) / handle / answer_share * tick)

    def decide(self, now: Snapshot) -> int:
        self._owed += self._per_tick
        calls = math.floor(self._owed)
        self._owed -= calls
        return calls

    def hang_up(self, now: Snapshot) -> tuple[int, ...]:
        """Never: open loop."""
        return ()

    def attempt_ended(self, seconds: float, human: bool, hung_up: bool = False) -> None:
        """Open loop: outcomes change nothing."""

    def answer_handled(self, abandoned: bool) -> None:
        """Open loop."""

    def call_finished(self, talk: float, wrap: float) -> None:
        """Open loop."""
