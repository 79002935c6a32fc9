"""The rules a telemarketing dialer enforces (pure logic): abandoned-call accounting, calling
windows in the lead's own time zone and redial rules. See docs/telemarketing.md.

Abandon rate, per campaign, over a trailing window (``AbandonRule``):
    US (FTC TSR / FCC): abandoned / live-answered, live-answered = connected + abandoned, over
        the campaign while it is shorter than 30 days and each 30-day period after: a trailing
        30-day window (it starts no earlier than the campaign's first call) covers both.
    UK (Ofcom): the same over 24 hours, with the drops counted as the live share of them
        estimated from the calls agents got:  D' = D * (1 - AM / (AM + H)),
        ACR = D' / (H + D')  (D drops, H live calls connected, AM machines agents got).
Machine-answered (detected) and unanswered calls are not counted.

Dialing a lead (``check``): the lead's last outcome decides whether it is redialed at all
(``RetryPolicy``), every past attempt pushes the next one back by its outcome's delay (the
campaign's, or the rule set's legal gap if longer: UK 72 h after an abandoned call, 24 h after
a detected machine), an attempt cap per period holds (France: 4 in 30 days), and the call
falls inside the calling hours of every time zone the lead may be in, with DST, skipping
public holidays where the rule set says so (the ``holidays`` package, by country and region).
"""
from __future__ import annotations

import functools
import math
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

import holidays

DAY = 86_400.0
SEARCH_DAYS = 400
"""How far ahead a calling window is looked for before a lead counts as never callable."""


class Outcome(StrEnum):
    CONNECTED = "connected"
    """A person answered and reached an agent."""
    ABANDONED = "abandoned"
    """A person answered and no agent came within the rule's 2 s."""
    AGENT_MACHINE = "agent_machine"
    """An answering machine that detection let through to an agent."""
    MACHINE = "machine"
    """Detected as an answering machine; never reached an agent."""
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    FAILED = "failed"
    REFUSED = "refused"
    """The person refused further calls (France: no new call for 60 days)."""


# -- abandoned-call accounting ---------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class AbandonRule:
    name: str
    window: float
    """Seconds; the rate is over this trailing window."""
    target: float = 0.03
    amd_estimate: bool = False
    """Ofcom: count only the live share of the drops (D')."""


@dataclass(frozen=True, slots=True)
class WindowTally:
    rule: AbandonRule
    abandoned: int = 0
    connected: int = 0
    agent_machines: int = 0

    @property
    def counted_abandons(self) -> float:
        """D, or Ofcom's D' when the rule estimates the live share of the drops."""
        if not self.rule.amd_estimate:
            return float(self.abandoned)
        reached = self.agent_machines + self.connected
        machine_share = self.agent_machines / reached if reached else 0.0
        return self.abandoned * (1.0 - machine_share)

    @property
    def live_answered(self) -> float:
        return self.connected + self.counted_abandons

    @property
    def rate(self) -> float:
        live = self.live_answered
        return self.counted_abandons / live if live else 0.0


COUNTED = (Outcome.ABANDONED, Outcome.CONNECTED, Outcome.AGENT_MACHINE)

BUCKETS_PER_WINDOW = 1440
"""Outcomes are counted in buckets of 1/1440 of a window (a minute of a day): the window is
exact to one bucket and the ledger's memory does not grow with the traffic."""


@dataclass(slots=True)
class _Window:
    rule: AbandonRule
    buckets: deque[tuple[float, list[int]]] = field(default_factory=deque)
    totals: list[int] = field(default_factory=lambda: [0] * len(COUNTED))

    @property
    def bucket_length(self) -> float:
        return self.rule.window / BUCKETS_PER_WINDOW

    def add(self, at: float, index: int) -> None:
        start = math.floor(at / self.bucket_length) * self.bucket_length
        if not self.buckets or self.buckets[-1][0] != start:
            self.buckets.append((start, [0] * len(COUNTED)))
        self.buckets[-1][1][index] += 1
        self.totals[index] += 1

    def tally(self, now: float) -> WindowTally:
        while self.buckets and self.buckets[0][0] + self.bucket_length <= now - self.rule.window:
            for index, count in enumerate(self.buckets.popleft()[1]):
                self.totals[index] -= count
        abandoned, connected, machines = self.totals
        return WindowTally(self.rule, abandoned, connected, machines)


class AbandonLedger:
    """One campaign's answered calls, counted per abandon rule over its trailing window.
    Times are seconds on one clock (epoch seconds in production, simulated ones in tests)."""

    def __init__(self, rules: Sequence[AbandonRule]) -> None:
        self._windows = [_Window(rule) for rule in rules]

    def record(self, at: float, outcome: Outcome) -> None:
        """Count an outcome (only connected, abandoned and agent-reached machines count)."""
        if outcome in COUNTED:
            for window in self._windows:
                window.add(at, COUNTED.index(outcome))

    def tallies(self, now: float) -> tuple[WindowTally, ...]:
        return tuple(window.tally(now) for window in self._windows)


# -- calling windows and redial rules --------------------------------------------------------

@dataclass(frozen=True, slots=True)
class CallingHours:
    ranges: tuple[tuple[time, time], ...]
    """Local wall-clock [start, end) ranges of a calling day, in order."""
    weekdays: frozenset[int] = frozenset(range(7))
    """Monday is 0."""
    skip_public_holidays: bool = False


@dataclass(frozen=True, slots=True)
class RedialGap:
    """A legal minimum time before a number is called again after an outcome."""
    gap: timedelta
    waived_with_agent: bool = False
    """Ofcom: the gap does not apply when an agent is guaranteed on the repeat call."""


@dataclass(frozen=True, slots=True)
class RuleSet:
    name: str
    hours: CallingHours
    abandon: AbandonRule | None = None
    attempt_cap: tuple[int, timedelta] | None = None
    """At most this many attempts in any such period."""
    redial_gaps: Mapping[Outcome, RedialGap] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RetryRule:
    delay: timedelta
    max_attempts: int | None = None
    """Attempts ending with this outcome after which the lead is not dialed again."""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """A campaign's choice; an outcome without a rule (connected, say) ends the lead."""
    rules: Mapping[Outcome, RetryRule]
    max_attempts: int | None = None


US = RuleSet("US", CallingHours(((time(8), time(21)),)),
             AbandonRule("US TSR 30 days", 30 * DAY))
UK = RuleSet(
    "UK",
    CallingHours(((time(8), time(21)),)),  # Ofcom sets no hours: the product's default
    AbandonRule("UK Ofcom 24 h", DAY, amd_estimate=True),
    redial_gaps={Outcome.ABANDONED: RedialGap(timedelta(hours=72), waived_with_agent=True),
                 Outcome.MACHINE: RedialGap(timedelta(hours=24), waived_with_agent=True)},
)
FRANCE = RuleSet(
    "FR",
    CallingHours(((time(10), time(13)), (time(14), time(20))),
                 weekdays=frozenset(range(5)), skip_public_holidays=True),
    attempt_cap=(4, timedelta(days=30)),
    redial_gaps={Outcome.REFUSED: RedialGap(timedelta(days=60))},
)

DEFAULT_RETRY = RetryPolicy(
    {Outcome.BUSY: RetryRule(timedelta(minutes=10), 5),
     Outcome.NO_ANSWER: RetryRule(timedelta(hours=2), 5),
     Outcome.MACHINE: RetryRule(timedelta(hours=4), 3),
     Outcome.AGENT_MACHINE: RetryRule(timedelta(hours=4), 3),
     Outcome.FAILED: RetryRule(timedelta(minutes=30), 3),
     Outcome.ABANDONED: RetryRule(timedelta(hours=1), 3)},
    max_attempts=10,
)


@dataclass(frozen=True, slots=True)
class Attempt:
    at: datetime
    outcome: Outcome


@dataclass(frozen=True, slots=True)
class Lead:
    timezones: tuple[str, ...]
    """Every IANA zone the lead may be in (a number's area can span several)."""
    country: str
    """ISO 3166 code, for the public holidays."""
    subdivision: str | None = None
    attempts: tuple[Attempt, ...] = ()


@dataclass(frozen=True, slots=True)
class Verdict:
    next_at: datetime | None
    """The earliest time the lead may be dialed (``now`` if now); None: never again."""
    reason: str
    """ok, final, exhausted, retry delay, attempt cap, outside calling hours, no calling day."""
    allowed: bool = False


def check(rules: RuleSet, retry: RetryPolicy, lead: Lead, now: datetime, *,
          agent_guaranteed: bool = False) -> Verdict:
    """May ``lead`` be dialed at ``now`` (timezone-aware), and if not, when next?"""
    now = _utc(now)
    ended = _ended(retry, lead.attempts)
    if ended is not None:
        return Verdict(None, ended)
    waits = {"retry delay": _after_delays(rules, retry, lead.attempts, agent_guaranteed),
             "attempt cap": _after_cap(rules, lead.attempts, now)}
    reason, earliest = max(waits.items(), key=lambda item: item[1] or now)
    earliest = max(earliest or now, now)
    opens = next_open(rules.hours, lead, earliest)
    if opens is None:
        return Verdict(None, "no calling day")
    if opens == now:
        return Verdict(now, "ok", allowed=True)
    return Verdict(opens, reason if earliest > now else "outside calling hours")


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("the dialing rules need a timezone-aware time")
    return moment.astimezone(UTC)


def _ended(retry: RetryPolicy, attempts: Sequence[Attempt]) -> str | None:
    if not attempts:
        return None
    if retry.max_attempts is not None and len(attempts) >= retry.max_attempts:
        return "exhausted"
    if attempts[-1].outcome not in retry.rules:
        return "final"
    for outcome, rule in retry.rules.items():
        tries = sum(1 for attempt in attempts if attempt.outcome == outcome)
        if rule.max_attempts is not None and tries >= rule.max_attempts:
            return "exhausted"
    return None


def _after_delays(rules: RuleSet, retry: RetryPolicy, attempts: Sequence[Attempt],
                  agent_guaranteed: bool) -> datetime | None:
    """Every attempt holds the next back by the longer of its outcome's delay and legal gap."""
    def wait(outcome: Outcome) -> timedelta:
        rule, gap = retry.rules.get(outcome), rules.redial_gaps.get(outcome)
        legal = gap.gap if gap and not (gap.waived_with_agent and agent_guaranteed) else timedelta()
        return max(rule.delay if rule else timedelta(), legal)
    return max((_utc(a.at) + wait(a.outcome) for a in attempts), default=None)


def _after_cap(rules: RuleSet, attempts: Sequence[Attempt], now: datetime) -> datetime | None:
    """When the oldest attempt that keeps the count at the cap leaves the period."""
    if rules.attempt_cap is None:
        return None
    cap, period = rules.attempt_cap
    recent = sorted(_utc(a.at) for a in attempts if _utc(a.at) > now - period)
    return recent[len(recent) - cap] + period if len(recent) >= cap else None


def next_open(hours: CallingHours, lead: Lead, after: datetime) -> datetime | None:
    """The first instant at or after ``after`` inside the calling hours in every zone of the
    lead (UTC), or None when there is none within ``SEARCH_DAYS``."""
    moment = _utc(after)
    for _ in range(8 * len(lead.timezones) + 1):  # zones disagree only a few times
        candidates = {_next_open_in(hours, lead, ZoneInfo(zone), moment) for zone in lead.timezones}
        if None in candidates:
            return None
        if candidates == {moment}:
            return moment
        moment = max(candidates)
    return None


def _next_open_in(hours: CallingHours, lead: Lead, zone: ZoneInfo,
                  after: datetime) -> datetime | None:
    first = after.astimezone(zone).date()
    for day in (first + timedelta(days=n) for n in range(SEARCH_DAYS)):
        if not _calling_day(hours, lead, day):
            continue
        for start, end in hours.ranges:
            if _instant(day, end, zone) > after:
                return max(_instant(day, start, zone), after)
    return None


def _calling_day(hours: CallingHours, lead: Lead, day: date) -> bool:
    if day.weekday() not in hours.weekdays:
        return False
    return not (hours.skip_public_holidays and day in _holidays(lead.country, lead.subdivision))


def _instant(day: date, clock: time, zone: ZoneInfo) -> datetime:
    """A local wall-clock time as a UTC instant (a time skipped by DST maps past the gap)."""
    return datetime.combine(day, clock, tzinfo=zone).astimezone(UTC)


@functools.cache
def _holidays(country: str, subdivision: str | None) -> holidays.HolidayBase:
    return holidays.country_holidays(country, subdiv=subdivision)
