"""How many calls to place now (pure logic, no clock): the same controller runs in production
and in the simulator, fed one ``Snapshot`` per tick and told each call's outcome.

Modes: preview (the agent starts each call: place what agents asked for), progressive
(free agents x ratio - calls in flight) and predictive.

Predictive is a model of the next few seconds. Agents can wait for calls, answered calls
cannot wait for agents (past the connect grace they are abandoned), so a new call answered at
moment h is dropped (or makes another answer dropped) when, by some moment h' >= h, at least
as many people have answered as agents have become free by h' + grace. For horizons h at the
quantiles of the time people take to answer it compares
    answers by h = waiting + sum over ringing calls P(a person answers within h | rung so far)
                   + the calls placed before it this tick x P(answered within h)
    agents by h  = ready + sum over busy agents P(done within h + grace | busy so far)
with the probabilities read from running samples of the campaign's own outcomes: ring times
by result and wrap-up times as samples, talk times as a lognormal fitted to them (its
conditional remaining time for a call that has lasted so far, past the longest sample too).
A call's risk is the chance, averaged over when it would be answered, that answers catch up
with agents then or later (normal approximation of sums of Bernoullis); calls are placed
while the next one's risk stays within the allowance. The threshold is on each call's own
risk, not on the average over calls in flight, so a safe moment (agents about to be free)
is not spent on one risky call. The allowance is the campaign's aim (a share of its abandon
target) scaled by two feedbacks: an integral term on the drops the controller is told about
(the model's risk is not the drop rate: most calls run far under the threshold) and the
pressure of the worst compliance window (tighter as its rate nears the target, looser far
under it).
"""
from __future__ import annotations

import bisect
import math
from collections import deque
from collections.abc import Iterable, Sequence
from itertools import accumulate
from statistics import NormalDist
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from dialer.compliance import WindowTally


class Mode(StrEnum):
    PREVIEW = "preview"
    PROGRESSIVE = "progressive"
    PREDICTIVE = "predictive"


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The campaign now. Durations in seconds."""
    ready: int
    talking: tuple[float, ...] = ()
    """Per talking agent: time since their call connected."""
    wrapping: tuple[float, ...] = ()
    """Per agent in wrap-up: time since it began."""
    ringing: tuple[float, ...] = ()
    """Per call in flight, not answered yet: time since it was placed."""
    waiting: int = 0
    """Answered calls waiting for an agent (within the connect grace)."""
    windows: tuple[WindowTally, ...] = ()
    previews: int = 0
    """Preview mode: calls agents asked for since the last tick."""

    @property
    def staffed(self) -> int:
        return self.ready + len(self.talking) + len(self.wrapping)


class Pacer(Protocol):
    """What production and the simulator drive: a decision per tick, and each outcome."""

    def decide(self, now: Snapshot) -> int: ...

    def attempt_ended(self, seconds: float, human: bool) -> None: ...

    def answer_handled(self, abandoned: bool) -> None: ...

    def call_finished(self, talk: float, wrap: float) -> None: ...


@dataclass(frozen=True, slots=True)
class Priors:
    """What the campaign expects before its own outcomes say otherwise."""
    human_rate: float = 0.3
    human_ring: float = 15.0
    """Mean seconds from placing a call to a person answering."""
    other_ring: float = 15.0
    """Mean seconds to any other outcome."""
    talk: float = 120.0
    wrap: float = 15.0


@dataclass(frozen=True, slots=True)
class PacingSettings:
    mode: Mode = Mode.PREDICTIVE
    ratio: float = 1.0
    """Progressive: lines per free agent."""
    abandon_target: float = 0.03
    """The campaign's own target, which the drop feedback aims under; each compliance window
    presses against its own (legal) target."""
    aim: float = 0.85
    """The share of the target the controller aims at. The rule sets' windows (US: the whole
    campaign up to 30 days, Ofcom: 24 h) hold hundreds of answers even for five agents; the
    margin is for the campaign's first hours, when few answers are counted and drops cluster
    (simulated 8 h, 5 agents seeds 1-6 and 20 and 100 agents seeds 1-3: 2.3 to 2.9 %)."""
    connect_grace: float = 1.0
    """Seconds an answered call may wait for an agent, of the 2 s the rules allow."""
    max_lines_per_agent: float = 6.0
    """A guard whatever the estimates say: lines in use (ringing, waiting, talking) per agent."""
    samples: int = 400
    """Outcomes each running estimate keeps."""
    drop_gain: float = 0.002
    """Integral feedback step per live answer (drops move it the other way)."""
    pressure_gain: float = 5.0
    """How hard a window's rate above the aim tightens the allowance (and under it loosens,
    up to twice): strong enough that a short campaign's window holds (simulated 5 to 50
    agents, one or two hours, 30 seeds each: at most 2.9 %)."""
    calibration: float = 0.5
    """The integral feedback's start (log of the allowance's scale): the threshold caps the
    riskiest calls, most run far under it, so drops run under it (simulated 5 to 100 agents:
    the threshold settles at 1.3 to 3 times the drop rate)."""


class LogNormal:
    """A lognormal fitted to a changing sample by its log moments (the owner adds and removes
    values): talk times are close to lognormal, and the fit answers for elapsed times past
    every sample, where an empirical distribution knows nothing."""

    def __init__(self, values: Iterable[float] = ()) -> None:
        self._n = 0
        self._sum = self._squares = 0.0
        for value in values:
            self.add(value)

    def add(self, value: float) -> None:
        self._move(value, 1)

    def remove(self, value: float) -> None:
        self._move(value, -1)

    def _move(self, value: float, sign: int) -> None:
        log = math.log(max(value, 1e-3))
        self._n += sign
        self._sum += sign * log
        self._squares += sign * log * log

    def survival(self, value: float) -> float:
        """P(a value above ``value``), by erfc, which keeps the far tail's precision."""
        if value <= 0.0:
            return 1.0
        mu = self._sum / self._n
        sigma = math.sqrt(max(self._squares / self._n - mu * mu, 1e-6))
        return _survival((math.log(value) - mu) / sigma)


class Distribution:
    """Values kept sorted for distribution queries; the owner decides which stay."""

    def __init__(self, values: Iterable[float] = ()) -> None:
        self._sorted = sorted(values)

    def add(self, value: float) -> None:
        bisect.insort(self._sorted, value)

    def remove(self, value: float) -> None:
        del self._sorted[bisect.bisect_left(self._sorted, value)]

    def __len__(self) -> int:
        return len(self._sorted)

    def at_most(self, value: float) -> int:
        return bisect.bisect_right(self._sorted, value)

    def cdf(self, value: float) -> float:
        return self.at_most(value) / len(self._sorted)

    def quantile(self, share: float) -> float:
        return self._sorted[min(len(self._sorted) - 1, int(share * len(self._sorted)))]

    def mean(self) -> float:
        return sum(self._sorted) / len(self._sorted)


PRIOR_CALLS = 20
"""Pseudo-outcomes drawn from the priors, pushed out by the campaign's own."""


def _prior(mean: float, count: int = PRIOR_CALLS) -> list[float]:
    """Quantiles of an exponential of this mean: a wide guess that real outcomes replace."""
    return [-mean * math.log(1 - (i + 0.5) / count) for i in range(count)]


def _talk_prior(mean: float, count: int = PRIOR_CALLS) -> list[float]:
    """Quantiles of a lognormal of this mean and as spread (sd = mean): talk times' usual shape,
    without the exponential's many calls of a few seconds, which would have a campaign's first
    minutes expect agents to free up at once."""
    sigma = math.sqrt(math.log(2))
    mu = math.log(mean) - sigma * sigma / 2
    return [math.exp(mu + sigma * NormalDist().inv_cdf((i + 0.5) / count)) for i in range(count)]


HORIZON_SHARES = (0.1, 0.3, 0.5, 0.7, 0.9, 1.0)
"""Horizons, as quantiles of the time people take to answer: equally likely answer times,
then the latest (see ``risk``)."""
WRAP_SHARES = (0.25, 0.5, 0.75)
"""Wrap-up quantiles averaged over when a talking agent's remaining time is estimated."""
TICK = 1.0


@dataclass(frozen=True, slots=True)
class Forecast:
    """At one horizon: expected answers and free agents (without new calls), their variance,
    and what one new call adds."""
    answers: float
    agents: float
    variance: float
    per_call: float

    def caught_up(self, calls: int) -> float:
        """P(answers >= agents) with ``calls`` new calls (normal approximation, continuity
        corrected: both are counts)."""
        mu = self.answers + calls * self.per_call - self.agents
        sigma = math.sqrt(self.variance + calls * self.per_call * (1 - self.per_call))
        if sigma < 1e-9:
            return 1.0 if mu > -0.5 else 0.0
        return _phi((mu + 0.5) / sigma)


def risk(forecasts: Sequence[Forecast], calls: int) -> float:
    """A new call's chance of a drop, after ``calls`` others: for each equally likely answer
    time, whether answers catch up with agents then or at a later horizon. The forecasts are
    at those answer times, then at the latest answer time seen, where the answers that come
    after every other horizon meet the agents free by then (without it a campaign's first
    burst of calls, all ringing, counts only nine in ten of its answers)."""
    *answer_times, latest = [f.caught_up(calls) for f in forecasts]
    tail = list(accumulate(reversed(answer_times), max, initial=latest))[1:]
    return sum(tail) / len(tail)


def _phi(z: float) -> float:
    return 0.5 * math.erfc(-z / math.sqrt(2))


def _survival(z: float) -> float:
    return 0.5 * math.erfc(z / math.sqrt(2))


class PacingController:
    def __init__(self, settings: PacingSettings = PacingSettings(), priors: Priors = Priors()) -> None:
        self.settings = settings
        people = min(PRIOR_CALLS - 1, max(1, round(PRIOR_CALLS * priors.human_rate)))
        self._rings: deque[tuple[float, bool]] = deque(
            [(s, True) for s in _prior(priors.human_ring, people)]
            + [(s, False) for s in _prior(priors.other_ring, PRIOR_CALLS - people)])
        self._attempts = Distribution(s for s, _ in self._rings)
        """Every recent attempt's time to its outcome."""
        self._answers = Distribution(s for s, human in self._rings if human)
        """The same attempts' times to a person answering."""
        self._handles: deque[tuple[float, float]] = deque(
            zip(_talk_prior(priors.talk), _prior(priors.wrap)))
        self._talk = LogNormal(t for t, _ in self._handles)
        self._wrap = Distribution(w for _, w in self._handles)
        self._log_allowance = settings.calibration

    # -- what the controller is told ---------------------------------------------------------

    def attempt_ended(self, seconds: float, human: bool) -> None:
        """A call's ringing ended after ``seconds``: answered by a person, or not."""
        if len(self._rings) >= self.settings.samples:
            old, was_human = self._rings.popleft()
            self._attempts.remove(old)
            if was_human:
                self._answers.remove(old)
        self._rings.append((seconds, human))
        self._attempts.add(seconds)
        if human:
            self._answers.add(seconds)

    def answer_handled(self, abandoned: bool) -> None:
        """A person answered and reached an agent, or was abandoned."""
        aim = self._aim_rate()
        step = -(1 - aim) / aim if abandoned else 1.0
        self._log_allowance = min(3.0, max(-4.0, self._log_allowance + self.settings.drop_gain * step))

    def call_finished(self, talk: float, wrap: float) -> None:
        """An agent's call ended: its talk and wrap-up times."""
        if len(self._handles) >= self.settings.samples:
            old_talk, old_wrap = self._handles.popleft()
            self._talk.remove(old_talk)
            self._wrap.remove(old_wrap)
        self._handles.append((talk, wrap))
        self._talk.add(talk)
        self._wrap.add(wrap)

    # -- the decision ------------------------------------------------------------------------

    def decide(self, now: Snapshot) -> int:
        """How many calls to place this tick."""
        in_flight = len(now.ringing) + now.waiting
        if self.settings.mode is Mode.PREVIEW:
            return now.previews
        if self.settings.mode is Mode.PROGRESSIVE:
            return max(0, math.floor(now.ready * self.settings.ratio + 1e-9) - in_flight)
        lines = math.floor(self.settings.max_lines_per_agent * now.staffed)
        room = lines - in_flight - len(now.talking)
        if room <= 0:
            return 0
        forecasts = self.forecasts(now)
        allowance = self.allowance(now.windows)
        calls = 0
        while calls < room and risk(forecasts, calls) <= allowance:
            calls += 1
        return calls

    def forecasts(self, now: Snapshot) -> list[Forecast]:
        wraps = [self._wrap.quantile(share) for share in WRAP_SHARES]
        talked = [(e, self._talk.survival(e)) for e in now.talking]
        out = []
        for h in self.horizons():
            free_by = h + self.settings.connect_grace
            done = [self._talk_done(e, beyond, free_by, wraps) for e, beyond in talked]
            done += [self._wrap_done(w, free_by) for w in now.wrapping]
            answered = [self._human_within(r, h) for r in now.ringing]
            variance = sum(q * (1 - q) for q in done) + sum(a * (1 - a) for a in answered)
            out.append(Forecast(now.waiting + sum(answered), now.ready + sum(done), variance,
                                self._human_within(0.0, h)))
        return out

    def horizons(self) -> list[float]:
        if not self._answers:  # nobody answered lately: only the calls in flight matter
            return [TICK, TICK]
        return [self._answers.quantile(share) for share in HORIZON_SHARES]

    def allowance(self, windows: Sequence[WindowTally]) -> float:
        """The highest drop risk a new call may take."""
        aim = self._aim_rate()
        pressure = max((_smoothed(w) / (self.settings.aim * w.rule.target)
                        for w in windows), default=1.0)
        scale = min(2.0, math.exp(-self.settings.pressure_gain * (pressure - 1.0)))
        return aim * math.exp(self._log_allowance) * scale

    def human_rate(self) -> float:
        return len(self._answers) / len(self._attempts)

    def _aim_rate(self) -> float:
        return self.settings.aim * self.settings.abandon_target

    # -- the running estimates ---------------------------------------------------------------

    def _human_within(self, rung: float, h: float) -> float:
        """P(a person answers within h more seconds | the call has rung ``rung`` seconds)."""
        still = len(self._attempts) - self._attempts.at_most(rung)
        if still == 0:
            return 0.0
        return (self._answers.at_most(rung + h) - self._answers.at_most(rung)) / still

    def _talk_done(self, talked: float, beyond: float, h: float, wraps: Sequence[float]) -> float:
        """P(talk + wrap-up ends within h | talk has lasted ``talked``, whose survival is
        ``beyond``): the lognormal fit's conditional remaining talk."""
        if beyond <= 0.0:
            return 1.0
        ended = sum(beyond - self._talk.survival(talked + h - w) for w in wraps if h > w)
        return max(0.0, ended) / (len(wraps) * beyond)

    def _wrap_done(self, wrapped: float, h: float) -> float:
        beyond = 1.0 - self._wrap.cdf(wrapped)
        if beyond <= 0.0:
            return 1 - math.exp(-h / self._wrap.mean())
        return (self._wrap.cdf(wrapped + h) - self._wrap.cdf(wrapped)) / beyond


PRIOR_WINDOW = (2.0, 40.0)
"""Drops and live answers every window starts with: 5 %, over any target, so a campaign's
first minutes, when one drop moves the rate by points, dial cautiously and the first drops
weigh (a campaign that stops early is judged over its own short window)."""


def _smoothed(window: WindowTally) -> float:
    drops, answers = PRIOR_WINDOW
    return (window.counted_abandons + drops) / (window.live_answered + answers)
