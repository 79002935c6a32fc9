"""What the agent gets from the dialer (pure logic): the lead's fields as the console shows them,
the book of leads reserved for agents (preview mode, and callbacks an agent booked for
themself), and the outcome of a call the dialer connects to one agent.

A reserved lead is the hopper's claim (marked dialing, so no other agent gets it) held for one
agent: that agent dials it or skips it; one not acted on within the timeout goes back.

A call to one agent rings the agent first and, once they answer, dials the customer
(asterisk_conf/templates/dialer.conf.j2, extension ``agent``): the dialplan reports the
customer leg's DIALSTATUS, and ANSWEREDTIME, when the agent's channel hangs up.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from dialer.attempts import AttemptResult, DialAttempt

_DIAL_RESULTS = {
    "ANSWER": AttemptResult.HUMAN, "BUSY": AttemptResult.BUSY,
    "NOANSWER": AttemptResult.NO_ANSWER, "CONGESTION": AttemptResult.CONGESTION,
}
"""Dial()'s DIALSTATUS of the customer leg; anything else (CHANUNAVAIL, CANCEL: the agent
hung up while it rang, DONTCALL, INVALIDARGS) counts as failed."""


def direct_result(dial_status: str) -> AttemptResult:
    return _DIAL_RESULTS.get(dial_status, AttemptResult.FAILED)


def lead_fields(*, phone: str, first_name: str | None, last_name: str | None,
                timezones: Iterable[str], custom: Mapping[str, Any],
                now: datetime) -> dict[str, Any]:
    """The lead as the agent and the script see it: names, number, local time (in the lead's
    first zone, ``HH:MM``) and its custom fields."""
    zones = list(timezones)
    local = now.astimezone(ZoneInfo(zones[0])).strftime("%H:%M") if zones else None
    return {"first_name": first_name, "last_name": last_name, "phone": phone,
            "timezone": zones[0] if zones else None, "local_time": local, "custom": dict(custom)}


@dataclass(frozen=True, slots=True)
class Reserved:
    """A lead held for one agent (their queue member interface)."""
    interface: str
    agent_name: str
    lead_id: int
    attempt: DialAttempt
    at: float
    auto_dial: bool = False
    """A callback the agent booked for themself: dialed as soon as it is reserved."""
    channel: str = ""
    """The customer's channel (the dialer's dial string with the lead's number)."""
    variables: Mapping[str, str] = field(default_factory=dict)
    """More channel variables for the customer's channel (the sandbox's simulated customers)."""


def direct_variables(reserved: Reserved) -> dict[str, str]:
    """What the dialplan's ``agent`` extension reads (CC_*) on the agent's channel; the
    customer's own variables are inherited by the channel it dials (``_NAME``)."""
    attempt = reserved.attempt
    variables = {"CC_ATTEMPT": attempt.attempt_id, "CC_CAMPAIGN": attempt.campaign,
                 "CC_LEAD": attempt.lead, "CC_DIAL": reserved.channel,
                 "CC_RING": str(attempt.ring_timeout), "CC_CALLER_ID": attempt.caller_id or "",
                 "__CC_AGENT_INTERFACE": reserved.interface}
    return variables | {name if name.startswith("_") else f"_{name}": value
                        for name, value in reserved.variables.items()}


class Reservations:
    """At most one lead per agent; each lead for one agent."""

    def __init__(self) -> None:
        self._by_agent: dict[str, Reserved] = {}

    def of(self, interface: str) -> Reserved | None:
        return self._by_agent.get(interface)

    def reserve(self, reserved: Reserved) -> None:
        if reserved.interface in self._by_agent:
            raise ValueError(f"{reserved.interface} holds lead "
                             f"{self._by_agent[reserved.interface].lead_id} already")
        self._by_agent[reserved.interface] = reserved

    def take(self, interface: str) -> Reserved | None:
        """The agent acts on their lead: it is theirs no more."""
        return self._by_agent.pop(interface, None)

    def expired(self, now: float, timeout: float) -> list[Reserved]:
        """Reservations older than ``timeout`` seconds, taken out of the book."""
        old = [r for r in self._by_agent.values() if now - r.at >= timeout and not r.auto_dial]
        for reserved in old:
            del self._by_agent[reserved.interface]
        return old

    def of_campaign(self, campaign: str) -> list[Reserved]:
        return [r for r in self._by_agent.values() if r.attempt.campaign == campaign]
