"""Value types shared by the CTI server, the CRM and the web: plain data, no I/O, so pure logic
(the call tracker, the statistics) can use them without pulling in the database layer."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class UserInfo:
    id: int
    username: str
    display_name: str
    role: str
    extension: str | None
    interface: str | None
    team: str | None = None
    language: str | None = None
    """The screens' language the user chose (en, zh_CN); None follows the browser."""


@dataclass(frozen=True, slots=True)
class CallRecord:
    """A finished call as the CTI server saw it. Datetimes are timezone-aware UTC."""

    call_key: str
    """Stable across re-deliveries of the same call: writes are idempotent on it."""
    linkedid: str
    uniqueid: str
    """The caller channel's."""
    direction: str
    """inbound, outbound or internal."""
    caller_number: str | None
    caller_name: str | None
    called_number: str | None
    queue: str | None
    agent_interface: str | None
    entered_at: datetime
    answered_at: datetime | None
    ended_at: datetime
    wait_seconds: float
    talk_seconds: float
    outcome: str
    hangup_cause: int | None
    hangup_cause_text: str | None
    completed_by: str | None
    """caller, agent, transfer or None."""
    collected: Mapping[str, str] | None = None
    """What the IVR collected on the call, if anything (``SURVEY_SCORE`` among it)."""


SURVEY_SCORE = "Survey score"
"""The collected field a post-call survey's answer travels in (the IVR records it while the
caller is still on the call); the CRM keeps it in the call row's ``survey_score`` too."""


def survey_score(collected: Mapping[str, str] | None) -> int | None:
    """The survey's answer 1-5 in the collected data, if any."""
    value = (collected or {}).get(SURVEY_SCORE, "")
    return int(value) if value in ("1", "2", "3", "4", "5") else None


@dataclass(frozen=True, slots=True)
class DialAttempt:
    """One outbound dial an agent tried (click-to-dial, transfer to a number) and what the dial
    policy decided: a row of the dial audit log."""

    user_id: int
    username: str
    team: str | None
    kind: str
    """'dial', 'transfer' or 'atxfer'."""
    number: str
    """As typed."""
    number_e164: str | None
    allowed: bool
    reason: str
    call_id: str | None = None
    """The call it made (its linkedid), if any."""
    error: str | None = None
    """Asterisk's refusal of an allowed dial."""
