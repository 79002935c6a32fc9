"""Time bookkeeping for the real-time statistics (pure): the statistics day, sliding sums of
event counts, and integrals of step functions (agents in a state) over recent time.

All times are epoch seconds passed in by the caller; nothing here reads a clock.
"""
from __future__ import annotations

from bisect import bisect_right
from collections import deque
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

Delta = tuple[tuple[int, float], ...]
"""Sparse increments of a tally: (field index, amount) pairs."""


class DayClock:
    """The statistics day: starts at ``start_hour`` local time in ``tz`` (DST-aware)."""

    def __init__(self, start_hour: int = 0, tz: str = "UTC") -> None:
        self.start_hour = start_hour
        self.zone = ZoneInfo(tz)
        self.start = self.end = float("-inf")

    def contains(self, t: float) -> bool:
        return self.start <= t < self.end

    def move_to(self, t: float) -> None:
        """Make the day containing ``t`` the current day."""
        local = datetime.fromtimestamp(t, self.zone)
        day = local.date() - timedelta(days=1 if local.hour < self.start_hour else 0)
        self.start = self._boundary(day)
        self.end = self._boundary(day + timedelta(days=1))

    def _boundary(self, day) -> float:
        return datetime.combine(day, time(self.start_hour), self.zone).timestamp()


class Tally:
    """Named sums that deltas add to and subtract from."""

    __slots__ = ("values",)

    def __init__(self, size: int) -> None:
        self.values = [0.0] * size

    def apply(self, delta: Delta, sign: float = 1.0) -> None:
        for index, amount in delta:
            self.values[index] += sign * amount


class SlidingTally(Tally):
    """A tally of the deltas stamped within the last ``span`` seconds: (now - span, now]."""

    __slots__ = ("span", "_items")

    def __init__(self, size: int, span: float) -> None:
        super().__init__(size)
        self.span = span
        self._items: deque[tuple[float, Delta]] = deque()

    def add(self, t: float, delta: Delta) -> None:
        self._items.append((t, delta))
        self.apply(delta)

    def expire(self, now: float) -> None:
        items, cutoff = self._items, now - self.span
        while items and items[0][0] <= cutoff:
            self.apply(items.popleft()[1], -1.0)


class StepIntegral:
    """The integral of a step function (e.g. agents on a call) from its creation on, which can
    be read at any time not older than ``horizon`` seconds before the latest change."""

    __slots__ = ("horizon", "_times", "_totals", "_levels", "_head")

    def __init__(self, horizon: float) -> None:
        self.horizon = horizon
        self._times: list[float] = []
        self._totals: list[float] = []
        self._levels: list[float] = []
        self._head = 0

    def set(self, t: float, level: float) -> None:
        if self._levels and level == self._levels[-1]:
            return
        self._totals.append(self.at(t))
        self._times.append(t)
        self._levels.append(level)
        self._prune(t)

    def at(self, t: float) -> float:
        """Integral from the start up to ``t``."""
        i = bisect_right(self._times, t, self._head) - 1
        if i < self._head:
            return self._totals[self._head] if self._times else 0.0
        return self._totals[i] + self._levels[i] * (t - self._times[i])

    def _prune(self, now: float) -> None:
        # Keep the last change at or before the horizon: it defines the level there.
        cutoff = now - self.horizon
        times, head = self._times, self._head
        while head + 1 < len(times) and times[head + 1] <= cutoff:
            head += 1
        if head > 64 and head * 2 > len(times):
            del self._times[:head], self._totals[:head], self._levels[:head]
            head = 0
        self._head = head
