"""A campaign's compliance report (pure logic), from its attempts: the abandon rate per rolling
24 hours (the worst window and the latest) and over the trailing 30 days, each by the US
formula (abandoned / live-answered) and by Ofcom's (the drops' live share D'); the calls placed
outside the lead's calling hours and those to numbers on a do-not-call list when dialed (both
must be 0); the safe-harbor plays; and attempts per lead.

lead_attempts has no flag for a safe-harbor message played, so every abandoned attempt (a
person answered and no agent came in time: the message is what they hear) counts as one.
"""
from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from dialer import compliance
from dialer.compliance import COUNTED, AbandonRule, Outcome, WindowTally

DAY = timedelta(days=1)
MONTH = timedelta(days=30)
US_FORMULA = AbandonRule("US: abandoned / live-answered", MONTH.total_seconds())
UK_FORMULA = AbandonRule("UK: D' / (H + D')", DAY.total_seconds(), amd_estimate=True)


@dataclass(frozen=True, slots=True)
class ReportAttempt:
    lead_id: int
    lead: compliance.Lead
    """The lead's zones and country (its attempts are not needed)."""
    placed_at: datetime
    outcome: Outcome
    """As the calling rules count it (dialer.campaigns.rule_outcome)."""
    dnc_since: datetime | None = None
    """When the number went on a do-not-call list, if it is on one."""


@dataclass(frozen=True, slots=True)
class AbandonRates:
    """The answered calls of one window ending at ``ends_at`` and its two rates."""
    ends_at: datetime | None
    abandoned: int = 0
    connected: int = 0
    agent_machines: int = 0

    def rate(self, rule: AbandonRule) -> float:
        """By ``rule``'s formula (its window is the caller's business)."""
        return WindowTally(rule, self.abandoned, self.connected, self.agent_machines).rate

    @property
    def us_rate(self) -> float:
        return self.rate(US_FORMULA)

    @property
    def uk_rate(self) -> float:
        return self.rate(UK_FORMULA)

    def json(self) -> dict[str, object]:
        return {"ends_at": self.ends_at.isoformat() if self.ends_at else None,
                "abandoned": self.abandoned, "connected": self.connected,
                "agent_machines": self.agent_machines,
                "us_rate": self.us_rate, "uk_rate": self.uk_rate}


@dataclass(frozen=True, slots=True)
class ComplianceReport:
    attempts: int
    leads: int
    worst_day: AbandonRates
    """The rolling 24 h window (one ending at each answered call) with the highest rate by the
    campaign's rule; of equal rates, the one with the most abandoned calls."""
    latest_day: AbandonRates
    month: AbandonRates
    out_of_window: int
    dnc_calls: int
    safe_harbor_plays: int
    attempts_per_lead_mean: float
    attempts_per_lead_max: int

    def json(self) -> dict[str, object]:
        return {"attempts": self.attempts, "leads": self.leads,
                "worst_day": self.worst_day.json(), "latest_day": self.latest_day.json(),
                "month": self.month.json(), "out_of_window": self.out_of_window,
                "dnc_calls": self.dnc_calls, "safe_harbor_plays": self.safe_harbor_plays,
                "attempts_per_lead_mean": self.attempts_per_lead_mean,
                "attempts_per_lead_max": self.attempts_per_lead_max}

    def rows(self) -> list[tuple[str, object]]:
        """The report flat, figure by figure (its CSV form): a window's figures are named
        ``window.figure``."""
        flat: list[tuple[str, object]] = []
        for key, value in self.json().items():
            if isinstance(value, dict):
                flat += [(f"{key}.{inner}", figure) for inner, figure in value.items()]
            else:
                flat.append((key, value))
        return flat


class _Answered:
    """The answered (counted) attempts in time order, with running counts per outcome, so a
    window's counts are two binary searches."""

    def __init__(self, attempts: Sequence[ReportAttempt]) -> None:
        counted = sorted((a.placed_at, COUNTED.index(a.outcome)) for a in attempts
                         if a.outcome in COUNTED)
        self.times = [at for at, _ in counted]
        self.running = [[0] * len(COUNTED)]
        for _, index in counted:
            self.running.append(list(self.running[-1]))
            self.running[-1][index] += 1

    def window(self, length: timedelta, ends_at: datetime) -> AbandonRates:
        """The attempts placed in (ends_at - length, ends_at]."""
        first = bisect.bisect_right(self.times, ends_at - length)
        last = bisect.bisect_right(self.times, ends_at)
        abandoned, connected, machines = (
            after - before for after, before in zip(self.running[last], self.running[first]))
        return AbandonRates(ends_at, abandoned, connected, machines)


def report(attempts: Sequence[ReportAttempt], hours: compliance.CallingHours,
           rule: AbandonRule, now: datetime) -> ComplianceReport:
    """The report of a campaign dialing in ``hours`` under abandon ``rule``, as of ``now``."""
    answered = _Answered(attempts)
    days = [answered.window(DAY, at) for at in answered.times]
    per_lead = Counter(a.lead_id for a in attempts)
    return ComplianceReport(
        attempts=len(attempts), leads=len(per_lead),
        worst_day=max(days, key=lambda day: (day.rate(rule), day.abandoned),
                      default=AbandonRates(None)),
        latest_day=answered.window(DAY, now), month=answered.window(MONTH, now),
        out_of_window=sum(1 for a in attempts if not in_window(hours, a)),
        dnc_calls=sum(1 for a in attempts if a.dnc_since and a.dnc_since <= a.placed_at),
        safe_harbor_plays=sum(1 for a in attempts if a.outcome is Outcome.ABANDONED),
        attempts_per_lead_mean=len(attempts) / len(per_lead) if per_lead else 0.0,
        attempts_per_lead_max=max(per_lead.values(), default=0))


def in_window(hours: compliance.CallingHours, attempt: ReportAttempt) -> bool:
    """Was the attempt placed inside the calling hours of every zone of its lead?"""
    return compliance.next_open(hours, attempt.lead, attempt.placed_at) == attempt.placed_at
