"""Inbound routing before Queue() (pure logic): open or closed, overflow, priority.

Order of the checks: closed (holiday, then business hours, in the queue's time zone) wins over
everything; an open queue overflows to its overflow queue when the estimated wait or the
callers-per-available-agent ratio passes its limit (one hop: the overflow queue's own overflow
is not followed); VIP callers get ``VIP_PRIORITY`` in whichever queue they land in.

Estimated wait ("backlog estimate"): the callers ahead of the new one that idle agents cannot
take at once, served by every staffed agent at one call per AHT:
    ewt = max(0, waiting + 1 - available) * aht / staffed        (staffed = available + busy)
With nobody staffed and nobody idle it is infinite. Callers per available agent counts the new
caller too: (waiting + 1) / available, infinite with no available agent.
"""
from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from callcenter.errors import Invalid

VIP_PRIORITY = 10
DEFAULT_AHT = 180.0
"""Seconds, when the queue has handled no call yet in the recent window."""
CLOSED_ACTIONS = ("announce", "voicemail_ticket", "callback_offer")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

Hours = Mapping[str, Sequence[Sequence[str]]]
"""{"mon": [["08:00", "18:00"]], ...}: wall-clock ranges; "24:00" ends at midnight and an end
before its start runs past midnight into the next day."""


@dataclass(frozen=True, slots=True)
class QueueRule:
    name: str
    overflow_queue: str | None = None
    overflow_max_wait: float | None = None
    overflow_max_ratio: float | None = None
    hours: Hours | None = None
    """None: always open."""
    timezone: str = "UTC"
    holidays: frozenset[date] = frozenset()
    """The queue's own and the global ones."""
    closed_action: str = "announce"
    max_wait: int | None = None


@dataclass(frozen=True, slots=True)
class LiveFigures:
    waiting: int = 0
    available: int = 0
    busy: int = 0
    """Staffed agents not available now (ringing, on a call, wrap-up)."""
    aht: float | None = None

    def estimated_wait(self) -> float:
        ahead = max(0, self.waiting + 1 - self.available)
        if ahead == 0:
            return 0.0
        staffed = self.available + self.busy
        return ahead * (self.aht or DEFAULT_AHT) / staffed if staffed else math.inf

    def callers_per_agent(self) -> float:
        return (self.waiting + 1) / self.available if self.available else math.inf


@dataclass(frozen=True, slots=True)
class Decision:
    queue: str
    priority: int = 0
    closed_action: str | None = None
    """Set when closed."""
    timeout: int | None = None
    reason: str = "open"
    """open, overflow-wait, overflow-ratio, holiday, hours."""

    @property
    def closed(self) -> bool:
        return self.closed_action is not None

    def variables(self) -> dict[str, str]:
        """Channel variables the dialplan reads after the AGI, in the order to set them."""
        # CC_CLOSED last: a half-set decision never jumps to an unset closed action.
        variables = {
            "CC_QUEUE": self.queue,
            "QUEUE_PRIO": str(self.priority),
            "CC_ROUTE_REASON": self.reason,
            "CC_CLOSED_ACTION": self.closed_action or "",
        }
        if self.timeout is not None:
            variables["CC_QUEUE_TIMEOUT"] = str(self.timeout)
        return variables | {"CC_CLOSED": "1" if self.closed else "0"}


def route(
    rule: QueueRule,
    now: datetime,
    *,
    vip: bool,
    live: LiveFigures | None,
    rules: Mapping[str, QueueRule],
) -> Decision:
    """Where a caller for ``rule.name`` goes at ``now`` (timezone-aware). ``live``: the
    queue's figures, None when unknown (no overflow then); ``rules``: the other queues."""
    priority = VIP_PRIORITY if vip else 0
    closed = closed_reason(rule, now)
    if closed is not None:
        return Decision(rule.name, priority, rule.closed_action, reason=closed)
    reason = overflow_reason(rule, live)
    if rule.overflow_queue is None or reason is None:
        return Decision(rule.name, priority, timeout=rule.max_wait)
    target = rules.get(rule.overflow_queue) or QueueRule(rule.overflow_queue)
    return Decision(target.name, priority, timeout=target.max_wait, reason=reason)


def overflow_reason(rule: QueueRule, live: LiveFigures | None) -> str | None:
    if live is None:
        return None
    if rule.overflow_max_wait is not None and live.estimated_wait() > rule.overflow_max_wait:
        return "overflow-wait"
    if rule.overflow_max_ratio is not None and live.callers_per_agent() > rule.overflow_max_ratio:
        return "overflow-ratio"
    return None


def closed_reason(rule: QueueRule, now: datetime) -> str | None:
    if now.tzinfo is None:
        raise ValueError("routing needs a timezone-aware time")
    local = now.astimezone(ZoneInfo(rule.timezone))
    if local.date() in rule.holidays:
        return "holiday"
    if rule.hours is not None and not is_open(rule.hours, local):
        return "hours"
    return None


def is_open(hours: Hours, local: datetime) -> bool:
    """Whether wall-clock ``local`` falls in a range of its day, or in the overnight part of a
    range of the day before."""
    t = local.time()
    today = DAYS[local.weekday()]
    yesterday = DAYS[(local - timedelta(days=1)).weekday()]
    for start, end in _ranges(hours, today):
        if start <= t and (end <= start or t < end):
            return True
    return any(end <= start and t < end for start, end in _ranges(hours, yesterday))


def _ranges(hours: Hours, day: str) -> list[tuple[time, time]]:
    return [(_clock(start), _clock(end)) for start, end in hours.get(day, ())]


def _clock(text: str) -> time:
    """HH:MM; 24:00 is the end of the day."""
    if text == "24:00":
        return time.max
    return time.fromisoformat(text)


def validate_hours(hours: Hours) -> None:
    """Raise ValueError unless ``hours`` is a well-formed weekly schedule."""
    for day, ranges in hours.items():
        if day not in DAYS:
            raise Invalid("unknown day {day}: use {days}", day=repr(day), days=", ".join(DAYS))
        for pair in ranges:
            if len(pair) != 2:
                raise Invalid("{day}: a range is [start, end], not {pair}", day=day, pair=repr(pair))
            start, end = map(_clock, pair)
            if start == end:
                raise Invalid("{day}: empty range {pair}", day=day, pair=repr(pair))


def holidays_for(queue_id: int, days: Collection[tuple[int | None, date]]) -> frozenset[date]:
    """The queue's own holidays and the global ones (queue id None)."""
    return frozenset(day for owner, day in days if owner in (None, queue_id))
