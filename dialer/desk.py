"""The preview desk (adapter): leads reserved for one agent each (``dialer.preview``), shown on
that agent's console with Dial and Skip, and the calls that connect such a lead to its agent.

A campaign's runner offers leads: in preview mode the next lead to each free agent of its
queue; in every mode a callback an agent booked for themself, once that agent is free (dialed
at once). Dial rings the agent's phone and, when they answer, the customer (the dialplan's
``agent`` extension); the customer leg's DIALSTATUS, reported when the call ends, is the
attempt's outcome, which the runner records as it records its other attempts. The console
hears ``preview`` (the card: lead, customer, script), ``preview_ended`` (dialed, skipped,
expired, withdrawn, missed: the agent did not answer their phone) and, when the call ends,
``hangup``; the after-call gate holds the agent as for a queue call (``CallCompleted``).
"""
from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from callcenter.errors import Conflict
from ctiserver.ami import events as ev
from ctiserver.ami.actions import Originate, channel_variables
from ctiserver.ami.client import AmiClient
from ctiserver.calls import agent_messages as msg
from ctiserver.calls.screenpop import LeadCards, PopShown
from ctiserver.calls.tracker import CallCompleted, CallOffered
from dialer.attempts import AttemptOutcome, AttemptResult
from dialer.hopper import Hopper
from dialer.preview import Reservations, Reserved, direct_result, direct_variables

log = logging.getLogger(__name__)

PREVIEW_SECONDS = 120.0
"""How long a lead stays reserved for an agent who neither dials nor skips it."""
SKIP_DELAY = timedelta(minutes=15)
"""A skipped lead waits this long: the next agent gets another one first."""

Finish = Callable[[AttemptOutcome], Awaitable[None]]
"""``dialer.runner.CampaignRunner.finish``: the attempt's call row and lead outcome."""


@dataclass(frozen=True, slots=True)
class _Shown:
    reserved: Reserved
    lead: msg.LeadPart
    customer: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class _Direct:
    shown: _Shown
    user_id: int
    placed_at: float
    finish: Finish


class PreviewDesk:
    def __init__(self, ami: AmiClient, hopper: Hopper, cards: LeadCards, *, context: str,
                 send: Callable[[int, msg.AgentMessage], None],
                 user_of: Callable[[str], int | None], at_console: Callable[[int], bool],
                 publish: Callable[[object], None],
                 background: Callable[[Awaitable[None]], None],
                 clock: Callable[[], float] = time.time, timeout: float = PREVIEW_SECONDS) -> None:
        self._ami = ami
        self._hopper = hopper
        self._cards = cards
        self._context = context
        self._send = send
        self._user_of = user_of
        self._at_console = at_console
        self._publish = publish
        self._background = background
        self._clock = clock
        self.timeout = timeout
        self.book = Reservations()
        self._shown: dict[str, _Shown] = {}
        self._finish: dict[str, Finish] = {}
        self._calls: dict[str, _Direct] = {}

    def free(self, interface: str) -> bool:
        """Whether the agent may get a lead: at their console, holding none, on no call of ours."""
        user_id = self._user_of(interface)
        return (user_id is not None and self._at_console(user_id)
                and self.book.of(interface) is None
                and all(c.shown.reserved.interface != interface for c in self._calls.values()))

    # -- reserving ------------------------------------------------------------------------------

    async def offer(self, reserved: Reserved, finish: Finish) -> None:
        """Show the agent their lead (dialed at once when ``auto_dial``)."""
        self.book.reserve(reserved)
        self._finish[reserved.attempt.campaign] = finish
        try:
            lead, customer = await self._cards(reserved.lead_id, reserved.agent_name)
        except Exception:
            self.book.take(reserved.interface)
            await self._hopper.release([reserved.lead_id])
            raise
        self._shown[reserved.interface] = _Shown(reserved, lead, customer)
        self.show_again(reserved.interface)
        if reserved.auto_dial:
            await self.dial(reserved.interface)

    def show_again(self, interface: str) -> None:
        """The agent's card, with the seconds left (their console (re)connected)."""
        shown = self._shown.get(interface)
        if shown is None:
            return
        reserved = shown.reserved
        left = max(0.0, reserved.at + self.timeout - self._clock())
        self._to_agent(interface, msg.Preview(
            name=shown.lead.name, number=reserved.attempt.number, lead=shown.lead,
            customer=shown.customer, seconds=None if reserved.auto_dial else left))

    async def skip(self, interface: str) -> int:
        shown = self._take(interface)
        until = datetime.fromtimestamp(self._clock(), UTC) + SKIP_DELAY
        await self._hopper.skip(shown.reserved.lead_id, until)
        self._ended(shown, "skipped")
        return shown.reserved.lead_id

    async def expire(self) -> None:
        """Leads not acted on in time go back to the hopper."""
        for reserved in self.book.expired(self._clock(), self.timeout):
            await self._give_back(self._shown.pop(reserved.interface), "expired")

    async def withdraw(self, campaign: str) -> None:
        """The campaign stopped: its leads not dialed go back."""
        for reserved in self.book.of_campaign(campaign):
            await self._give_back(self._take(reserved.interface), "withdrawn")

    async def _give_back(self, shown: _Shown, reason: str) -> None:
        await self._hopper.release([shown.reserved.lead_id])
        self._ended(shown, reason)

    def _take(self, interface: str) -> _Shown:
        if self.book.take(interface) is None:
            raise Conflict("no lead is waiting for you")
        return self._shown.pop(interface)

    # -- dialing --------------------------------------------------------------------------------

    async def dial(self, interface: str) -> tuple[int, str]:
        """Ring the agent, then their lead: (the lead's id, the call's)."""
        shown = self._take(interface)
        reserved = shown.reserved
        attempt = reserved.attempt
        user_id = self._user_of(interface)
        self._calls[attempt.attempt_id] = _Direct(shown, user_id, self._clock(),
                                                  self._finish[attempt.campaign])
        try:
            await self._ami.originate(Originate(
                channel=interface, context=self._context, exten="agent", priority="1",
                caller_id=f'"{shown.lead.name}" <{attempt.number}>',
                timeout=attempt.ring_timeout * 1000, channel_id=attempt.attempt_id,
                variable=channel_variables(direct_variables(reserved))))
        except Exception:
            del self._calls[attempt.attempt_id]
            await self._give_back(shown, "failed")
            raise
        offer = CallOffered(call_key=attempt.attempt_id, at=self._clock(), queue=attempt.queue,
                            interface=interface, member_name=reserved.agent_name,
                            caller_num=attempt.number, caller_name=shown.lead.name)
        self._publish(PopShown(user_id, offer, shown.customer and shown.customer["id"],
                               attempt.campaign))  # the agent may wrap it up, with its dispositions
        self._ended(shown, "dialed", attempt.attempt_id)
        return reserved.lead_id, attempt.attempt_id

    def handle(self, event: ev.AmiEvent) -> None:
        """The agent's phone not answered (the lead goes back), or our call's end."""
        if isinstance(event, ev.OriginateResult) and not event.success:
            call = self._calls.pop(event.uniqueid, None)
            if call is not None:
                self._background(self._give_back(call.shown, "missed"))
        elif isinstance(event, ev.DialerStep) and event.step == "direct":
            call = self._calls.pop(event.attempt, None)
            if call is not None:
                self._call_ended(call, event)

    def _call_ended(self, call: _Direct, step: ev.DialerStep) -> None:
        reserved = call.shown.reserved
        at = step.timestamp if step.timestamp is not None else self._clock()
        result = direct_result(step.status)
        talk = float(step.cause) if result is AttemptResult.HUMAN and step.cause else 0.0
        answered = at - talk if result is AttemptResult.HUMAN else None
        outcome = AttemptOutcome(
            reserved.attempt, result, ring_seconds=max(0.0, (answered or at) - call.placed_at),
            ended_at=at, answered_at=answered, agent=reserved.interface, connected_at=answered,
            talk_seconds=talk)
        self._background(call.finish(outcome))
        self._to_agent(reserved.interface,
                       msg.Hangup(reserved.attempt.attempt_id, result.value, talk))
        self._publish(CallCompleted(reserved.attempt.attempt_id, at, reserved.attempt.queue,
                                    reserved.interface, talk, "dialer"))

    # -- the agent's console --------------------------------------------------------------------

    def _ended(self, shown: _Shown, reason: str, call_id: str | None = None) -> None:
        self._to_agent(shown.reserved.interface,
                       msg.PreviewEnded(shown.reserved.lead_id, reason, call_id))

    def _to_agent(self, interface: str, message: msg.AgentMessage) -> None:
        user_id = self._user_of(interface)
        if user_id is not None:
            self._send(user_id, message)
