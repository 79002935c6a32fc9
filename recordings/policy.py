"""Recording policy (pure): which calls are recorded, with what announcement, kept how long.

A queue and a campaign each may have a policy; a campaign's call follows its campaign's, then
its queue's, and without either it is not recorded. A percentage is decided by the call key's
hash, so the same call gets the same answer in every process and after every restart.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from callcenter.errors import Invalid


class Mode(StrEnum):
    ALL = "all"
    PERCENT = "percent"
    ON_DEMAND = "on_demand"
    """Captured from the connect but muted until the agent starts it (see ``capture``)."""
    NONE = "none"


class Capture(StrEnum):
    """How a call is captured: the value of the channel variable the dialplan reads."""
    RECORD = "record"
    ON_DEMAND = "on_demand"


@dataclass(frozen=True, slots=True)
class RecordingPolicy:
    mode: Mode
    percent: int = 100
    """For ``Mode.PERCENT``: the share of calls recorded, 0-100."""
    announcement: str | None = None
    """A sound the caller hears before the agent (e.g. "this call may be recorded")."""
    retention_days: int | None = None
    """Days a recording is kept; None: kept until deleted."""

    def __post_init__(self) -> None:
        if not 0 <= self.percent <= 100:
            raise Invalid("percent must be between 0 and 100, not {percent}", percent=self.percent)
        if self.retention_days is not None and self.retention_days < 1:
            raise Invalid("retention_days must be at least 1, not {days}", days=self.retention_days)


NOT_RECORDED = RecordingPolicy(Mode.NONE)


@dataclass(frozen=True, slots=True)
class Decision:
    capture: Capture | None
    """None: the call is not recorded."""
    announcement: str | None = None


def sample_point(call_key: str) -> float:
    """Where the call falls in [0, 100): uniform over call keys, the same for one key always."""
    digest = hashlib.sha256(call_key.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % 10_000 / 100


def decide(policy: RecordingPolicy, call_key: str) -> Decision:
    if policy.mode is Mode.ALL or (
            policy.mode is Mode.PERCENT and sample_point(call_key) < policy.percent):
        return Decision(Capture.RECORD, policy.announcement)
    if policy.mode is Mode.ON_DEMAND:
        return Decision(Capture.ON_DEMAND, policy.announcement)
    return Decision(None)


def policy_for(queue: RecordingPolicy | None,
               campaign: RecordingPolicy | None = None) -> RecordingPolicy:
    """The campaign's policy wins over its queue's."""
    return campaign or queue or NOT_RECORDED


def keep_until(recorded_at: datetime, retention_days: int | None) -> datetime | None:
    return None if retention_days is None else recorded_at + timedelta(days=retention_days)


def expired(until: datetime | None, now: datetime) -> bool:
    """A recording kept until UNTIL is due for deletion at NOW."""
    return until is not None and now >= until
