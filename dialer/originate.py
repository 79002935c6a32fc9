"""Placing a dial attempt: the typed Originate built from a ``DialAttempt`` and sent on the AMI
link. The customer's channel (the dial string) answers into the dialer's context
(asterisk_conf/templates/dialer.conf.j2) with the attempt described in channel variables; the
channel's uniqueid is the attempt id, so every event of it names the attempt."""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from ctiserver.ami.actions import Hangup, Originate, channel_variables
from ctiserver.ami.client import AmiClient, AmiError
from dialer.attempts import AttemptTracker, DialAttempt

E164 = re.compile(r"\+[1-9][0-9]{1,14}")


@dataclass(frozen=True, slots=True)
class DialTarget:
    """Where attempts go: the customer's channel and the dialer's context."""
    dial_string: str
    """``{number}`` is replaced by the E.164 number (``PJSIP/{number}@trunk``)."""
    context: str
    """The dialer's context (``CALLCENTER_DIALER_CONTEXT``)."""

    def channel(self, number: str) -> str:
        if not E164.fullmatch(number):
            raise ValueError(f"{number!r} is no E.164 number")
        return self.dial_string.format(number=number)


def attempt_variables(attempt: DialAttempt) -> dict[str, str]:
    """What the dialplan reads (CC_*)."""
    variables = {
        "CC_ATTEMPT": attempt.attempt_id, "CC_CAMPAIGN": attempt.campaign,
        "CC_LEAD": attempt.lead, "CC_QUEUE": attempt.queue, "CC_AMD": "1" if attempt.amd else "0",
    }
    if attempt.safe_harbor:
        variables["CC_SAFE_HARBOR"] = attempt.safe_harbor
    if attempt.machine_message:
        variables["CC_MACHINE_MESSAGE"] = attempt.machine_message
    return variables


def originate_action(attempt: DialAttempt, target: DialTarget,
                     extra: Mapping[str, str] | None = None) -> Originate:
    """The Originate of ATTEMPT; EXTRA: more channel variables (the sandbox's simulated
    customers read theirs)."""
    return Originate(
        channel=target.channel(attempt.number), context=target.context, exten="s",
        priority="1", caller_id=attempt.caller_id, timeout=attempt.ring_timeout * 1000,
        variable=channel_variables({**attempt_variables(attempt), **(extra or {})}),
        channel_id=attempt.attempt_id,
    )


async def place(ami: AmiClient, tracker: AttemptTracker, attempt: DialAttempt,
                target: DialTarget, at: float, extra: Mapping[str, str] | None = None) -> None:
    """Send ATTEMPT's Originate, the tracker told first; raises AmiError if Asterisk refuses
    it (the tracker then forgets it: no outcome will come)."""
    action = originate_action(attempt, target, extra)
    tracker.placed(attempt, at)
    try:
        await ami.originate(action)
    except AmiError:
        tracker.forget(attempt.attempt_id)
        raise


async def hang_up(ami: AmiClient, tracker: AttemptTracker, attempt_id: str, at: float) -> None:
    """Hang up a ringing attempt, the tracker told first (its outcome is then a no answer):
    AMI Hangup finds a channel by its uniqueid too, which is the attempt id."""
    tracker.hang_up(attempt_id, at)
    await ami.send(Hangup(channel=attempt_id))
