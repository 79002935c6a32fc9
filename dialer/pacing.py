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
from itertools import accumulate, groupby
from operator import itemgetter
from statistics import NormalDist
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from dialer.compliance import WindowTally


MIN_RING_SECONDS = 15
"""The FTC's minimum: ring at least 15 s (or 4 rings) before giving up."""


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

    def hang_up(self, now: Snapshot) -> tuple[int, ...]:
        """Which ringing calls (indices into ``now.ringing``) to hang up before deciding."""
        ...

    def attempt_ended(self, seconds: float, human: bool, hung_up: bool = False) -> None:
        """HUNG_UP: we hung up after ``seconds`` of ringing (its outcome is unknown)."""
        ...

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
    aim: float = 0.97
    """The share of the target the controller aims at. The rule sets' windows (US: the whole
    campaign up to 30 days, Ofcom: 24 h) hold hundreds of answers even for five agents; the
    margin is for the campaign's first hours, when few answers are counted and drops cluster;
    the windows' pressure (``PRIOR_WINDOW``) holds those."""
    connect_grace: float = 1.0
    """Seconds an answered call may wait for an agent, of the 2 s the rules allow."""
    max_lines_per_agent: float = 6.0
    """A guard whatever the estimates say: lines in use (ringing, waiting, talking) per agent."""
    samples: int = 400
    """Outcomes each running estimate keeps."""
    drop_gain: float = 0.002
    """Integral feedback step per live answer (drops move it the other way)."""
    pressure_gain: float = 1.5
    """How hard a window's rate above the aim tightens the allowance (and under it loosens,
    up to twice): strong enough that a short campaign's window holds (simulated 5 to 50
    agents, one or two hours, 20 seeds each: at most 2.94 %), gentle enough that a few drops
    do not swing the allowance (at 5.0 it moved fivefold over an 8-hour run of five agents,
    and agents waited through its low stretches: 1.5 gave 1 point more occupancy at a lower
    abandon rate, seeds 1-7)."""
    calibration: float = 1.0
    """The integral feedback's start (log of the allowance's scale): the threshold caps the
    riskiest calls, most run far under it, and the calls hung up take their late answers'
    risk away, so drops run under it (simulated five agents: e^1 reaches the aim within a
    few hours, e^0.5 did not in eight)."""
    hang_up_after: float | None = MIN_RING_SECONDS
    """Predictive: seconds a call rings before the controller may hang it up unanswered (the
    US rule: ring at least 15 s or 4 rings; not an abandon, the lead's attempt is a no answer);
    None: never."""
    keep_leeway: float = 3.0
    """The allowance of a call that can be hung up, as a multiple of a new call's: it is
    judged on fresh agent states over its last seconds of ringing (at 1x the calls kept
    dropped about one in a thousand answers, simulated five agents)."""

    def __post_init__(self) -> None:
        if self.hang_up_after is not None and self.hang_up_after < MIN_RING_SECONDS:
            raise ValueError(f"ring at least {MIN_RING_SECONDS} s before hanging up, "
                             f"not {self.hang_up_after}")


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


class Ending(StrEnum):
    HUMAN = "human"
    """A person answered."""
    OTHER = "other"
    """Any other outcome: no answer, busy, a machine, ..."""
    HUNG_UP = "hung_up"
    """We hung up while it rang: it would have ended later, nobody knows how."""


class RingTimes:
    """Recent attempts' times from placing to how they ended, as a Kaplan-Meier estimate: the
    calls hung up while ringing are censored (counting them as unanswered would hide the
    answers that come after the moment we hang up)."""

    def __init__(self, endings: Iterable[tuple[float, Ending]], keep: int) -> None:
        self._endings: deque[tuple[float, Ending]] = deque(endings)
        self._keep = keep
        self._table: tuple[list[float], list[float], list[float]] | None = None

    def add(self, seconds: float, ending: Ending) -> None:
        if len(self._endings) >= self._keep:
            self._endings.popleft()
        self._endings.append((seconds, ending))
        self._table = None

    def answered_between(self, rung: float, until: float) -> float:
        """P(a person answers after ``rung`` seconds of ringing and by ``until`` | still
        ringing at ``rung``)."""
        ringing, answered_before = self._at(rung)
        if ringing <= 0.0 or until <= rung:
            return 0.0
        return min(1.0, max(0.0, (self._at(until)[1] - answered_before) / ringing))

    def human_rate(self) -> float:
        return self._at(math.inf)[1]

    def latest_answer(self) -> float:
        return max((s for s, ending in self._endings if ending is Ending.HUMAN), default=0.0)

    def _at(self, seconds: float) -> tuple[float, float]:
        """P(still ringing after ``seconds``), P(a person answered by then)."""
        times, ringing, answered = self._table or self._build()
        i = bisect.bisect_right(times, seconds) - 1
        return ringing[i], answered[i]

    def _build(self) -> tuple[list[float], list[float], list[float]]:
        times, ringing, answered = [-math.inf], [1.0], [0.0]
        at_risk = len(self._endings)
        for seconds, group in groupby(sorted(self._endings), key=itemgetter(0)):
            endings = [ending for _, ending in group]
            humans = endings.count(Ending.HUMAN)
            ended = len(endings) - endings.count(Ending.HUNG_UP)
            answered.append(answered[-1] + ringing[-1] * humans / at_risk)
            ringing.append(ringing[-1] * (1 - ended / at_risk))
            times.append(seconds)
            at_risk -= len(endings)
        self._table = times, ringing, answered
        return self._table


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


HORIZON_STEP = 1.0
"""Seconds between the horizons, which run to the latest answer time seen: a tick apart (at 2 s
five agents lost about a point of occupancy, simulated)."""
WRAP_SHARES = (0.25, 0.5, 0.75)
"""Wrap-up quantiles averaged over when a talking agent's remaining time is estimated."""
TICK = 1.0


@dataclass(frozen=True, slots=True)
class Forecast:
    """At one horizon: expected answers and free agents, and their variance."""
    answers: float
    agents: float
    variance: float

    def caught_up(self) -> float:
        """P(answers >= agents) (normal approximation, continuity corrected: both are counts)."""
        mu = self.answers - self.agents
        sigma = math.sqrt(self.variance)
        if sigma < 1e-9:
            return 1.0 if mu > -0.5 else 0.0
        return _phi((mu + 0.5) / sigma)

    def plus(self, answered: float) -> Forecast:
        """With one more call, answered by then with probability ``answered``."""
        return Forecast(self.answers + answered, self.agents,
                        self.variance + answered * (1 - answered))


def risk(forecasts: Sequence[Forecast], answered: Sequence[float]) -> float:
    """A call's chance of a drop if it is answered, the others' answers in ``forecasts``: over
    when it would be answered (``answered``: its chance of an answer by each horizon), whether
    answers catch up with agents then or at a later horizon."""
    caught = [f.caught_up() for f in forecasts]
    later = list(accumulate(reversed(caught), max))[::-1]
    weights = [b - a for a, b in zip([0.0, *answered], answered)]
    total = sum(weights)
    return sum(w * c for w, c in zip(weights, later)) / total if total > 0.0 else 0.0


def _phi(z: float) -> float:
    return 0.5 * math.erfc(-z / math.sqrt(2))


def _survival(z: float) -> float:
    return 0.5 * math.erfc(z / math.sqrt(2))


class PacingController:
    def __init__(self, settings: PacingSettings = PacingSettings(), priors: Priors = Priors()) -> None:
        self.settings = settings
        people = min(PRIOR_CALLS - 1, max(1, round(PRIOR_CALLS * priors.human_rate)))
        self._rings = RingTimes(
            [(s, Ending.HUMAN) for s in _prior(priors.human_ring, people)]
            + [(s, Ending.OTHER) for s in _prior(priors.other_ring, PRIOR_CALLS - people)],
            settings.samples)
        self._handles: deque[tuple[float, float]] = deque(
            zip(_talk_prior(priors.talk), _prior(priors.wrap)))
        self._talk = LogNormal(t for t, _ in self._handles)
        self._wrap = Distribution(w for _, w in self._handles)
        self._log_allowance = settings.calibration

    # -- what the controller is told ---------------------------------------------------------

    def attempt_ended(self, seconds: float, human: bool, hung_up: bool = False) -> None:
        """A call's ringing ended after ``seconds``: answered by a person, or not, or hung up
        by us."""
        self._rings.add(seconds, Ending.HUNG_UP if hung_up else Ending.HUMAN if human else Ending.OTHER)

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

    # -- the decisions -----------------------------------------------------------------------

    def decide(self, now: Snapshot) -> int:
        """How many calls to place this tick: each call counts all its answers, as if none
        were hung up; ``hang_up`` then trims the ones whose late answers became risky, so
        fewer drop and the drop feedback loosens the allowance (counting only the answers
        before a call can be hung up placed calls whose early answers took the agents from
        the better-known late ones: simulated five agents lost a point)."""
        in_flight = len(now.ringing) + now.waiting
        if self.settings.mode is Mode.PREVIEW:
            return now.previews
        if self.settings.mode is Mode.PROGRESSIVE:
            return max(0, math.floor(now.ready * self.settings.ratio + 1e-9) - in_flight)
        lines = math.floor(self.settings.max_lines_per_agent * now.staffed)
        room = lines - in_flight - len(now.talking)
        if room <= 0:
            return 0
        horizons = self.horizons()
        forecasts = self.forecasts(now, horizons, [self._curve(r, horizons) for r in now.ringing])
        new_call = self._curve(0.0, horizons)
        allowance = self.allowance(now.windows)
        calls = 0
        while calls < room and risk(forecasts, new_call) <= allowance:
            calls += 1
            forecasts = [f.plus(p) for f, p in zip(forecasts, new_call)]
        return calls

    def hang_up(self, now: Snapshot) -> tuple[int, ...]:
        """The ringing calls to hang up (indices into ``now.ringing``), all rung at least
        ``hang_up_after``: the calls that can still be hung up are kept, the least risky first,
        while each one's risk with those kept before it stays within the allowance."""
        cut = self.settings.hang_up_after
        if self.settings.mode is not Mode.PREDICTIVE or cut is None:
            return ()
        candidates = [i for i, rung in enumerate(now.ringing) if rung >= cut]
        if not candidates:
            return ()
        horizons = self.horizons()
        forecasts = self.forecasts(now, horizons,
                                   [self._curve(r, horizons, until_cut=True)
                                    for r in now.ringing if r < cut])
        curves = {i: self._curve(now.ringing[i], horizons) for i in candidates}
        allowance = self.allowance(now.windows) * self.settings.keep_leeway
        dropped = []
        for i in sorted(candidates, key=lambda i: risk(forecasts, curves[i])):
            if risk(forecasts, curves[i]) <= allowance:
                forecasts = [f.plus(p) for f, p in zip(forecasts, curves[i])]
            else:
                dropped.append(i)
        return tuple(sorted(dropped))

    def forecasts(self, now: Snapshot, horizons: Sequence[float],
                  ringing: Sequence[Sequence[float]]) -> list[Forecast]:
        """Per horizon, answers from the calls waiting and the RINGING ones (each one's chance
        of an answer by each horizon) against the agents free by then."""
        wraps = [self._wrap.quantile(share) for share in WRAP_SHARES]
        talked = [(e, self._talk.survival(e)) for e in now.talking]
        out = []
        for k, h in enumerate(horizons):
            free_by = h + self.settings.connect_grace
            done = [self._talk_done(e, beyond, free_by, wraps) for e, beyond in talked]
            done += [self._wrap_done(w, free_by) for w in now.wrapping]
            answered = [curve[k] for curve in ringing]
            variance = sum(q * (1 - q) for q in done) + sum(a * (1 - a) for a in answered)
            out.append(Forecast(now.waiting + sum(answered), now.ready + sum(done), variance))
        return out

    def horizons(self) -> list[float]:
        steps = max(1, math.ceil(self._rings.latest_answer() / HORIZON_STEP))
        return [HORIZON_STEP * k for k in range(1, steps + 1)]

    def allowance(self, windows: Sequence[WindowTally]) -> float:
        """The highest drop risk a call may take."""
        aim = self._aim_rate()
        pressure = max((_smoothed(w) / (self.settings.aim * w.rule.target)
                        for w in windows), default=1.0)
        scale = min(2.0, math.exp(-self.settings.pressure_gain * (pressure - 1.0)))
        return aim * math.exp(self._log_allowance) * scale

    def human_rate(self) -> float:
        return self._rings.human_rate()

    def _aim_rate(self) -> float:
        return self.settings.aim * self.settings.abandon_target

    # -- the running estimates ---------------------------------------------------------------

    def _curve(self, rung: float, horizons: Sequence[float], until_cut: bool = False) -> list[float]:
        """Per horizon, P(a person answers a call rung ``rung`` seconds by then); UNTIL_CUT:
        and before it can be hung up, if it cannot be yet."""
        cut = self.settings.hang_up_after
        stop = cut if until_cut and cut is not None and rung < cut else math.inf
        return [self._rings.answered_between(rung, min(rung + h, stop)) for h in horizons]

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
