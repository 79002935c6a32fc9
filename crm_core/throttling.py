"""Login throttling rules (pure): growing delays instead of a hard lock.

A key (a source address, an account, an account from one of its usual addresses) may fail
``free`` times within ``window``; from then on each further attempt must wait ``base`` after
the latest failure, doubling with each further failure, at most ``cap``. An attempt made too
early is refused without looking at the password and does not count as a failure, so a
refusal never lengthens the wait and the right password works again once it is over.

Suspicious bursts: a key's failures reaching ``free``, then twice, four times ... that many,
are reported once each (``is_burst``).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class Throttle:
    free: int
    """Failures within the window that cost no wait."""
    base: timedelta
    """The wait after the ``free``-th failure; it doubles with each further one."""
    cap: timedelta
    """The longest wait."""
    window: timedelta
    """Failures older than this no longer count."""

    def delay(self, failures: int) -> timedelta:
        """The wait after the latest of ``failures`` failures."""
        if failures < self.free:
            return timedelta(0)
        doublings = min(failures - self.free, 40)  # 2**40 seconds is past any cap
        return min(self.cap, self.base * 2**doublings)

    def next_attempt(self, failures: Sequence[datetime]) -> datetime | None:
        """When the next attempt may be checked, given the key's failures within the window
        (None: at once)."""
        if len(failures) < self.free:
            return None
        return max(failures) + self.delay(len(failures))

    def is_burst(self, failures: int) -> bool:
        """Whether the failure that brought the count to ``failures`` starts (or doubles) a
        burst worth reporting."""
        if failures < self.free or self.free < 1:
            return False
        ratio, rest = divmod(failures, self.free)
        return rest == 0 and ratio & (ratio - 1) == 0


ADDRESS_THROTTLE = Throttle(free=10, base=timedelta(seconds=1), cap=timedelta(minutes=15),
                            window=timedelta(hours=24))
"""One source address, over every name typed from it (spraying), except names it already
logged in as (their mistakes count for the pair instead)."""
ACCOUNT_THROTTLE = Throttle(free=5, base=timedelta(seconds=2), cap=timedelta(minutes=15),
                            window=timedelta(hours=24))
"""One name typed, from addresses it never logged in from."""
USUAL_ADDRESS_THROTTLE = Throttle(free=5, base=timedelta(seconds=1), cap=timedelta(minutes=5),
                                  window=timedelta(hours=24))
"""One name from an address it logged in from before, since its last success from there:
failures elsewhere never slow the user down at their usual address."""


@dataclass(frozen=True, slots=True)
class LoginThrottles:
    address: Throttle = ADDRESS_THROTTLE
    account: Throttle = ACCOUNT_THROTTLE
    usual: Throttle = USUAL_ADDRESS_THROTTLE


DEFAULT_THROTTLES = LoginThrottles()
