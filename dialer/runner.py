"""A running campaign dials (adapter): once a tick, the campaign's queue agents' live states and
the attempts in flight make a ``Snapshot``, the pacer says which ringing calls to hang up (AMI
Hangup; never one rung under ``hang_up_after``, whatever it says) and how many calls to place,
the hopper hands that many leads and each is originated; each attempt's outcome (``AttemptTracker``, fed
the typed AMI events) becomes the lead's attempt (status, retry, opt-out to do-not-call) and
one row of the CRM's call history.

Stopping ends the ticks after the lead being placed; leads claimed but not placed go back to
the hopper. Attempts in flight still get their outcome after a stop.

With a preview desk (``dialer.desk``): a preview campaign offers each free agent of its queue
the next lead, to dial or skip; in every mode, a callback an agent booked for themself is held
until that agent is free and then dialed to them alone. Without one, such callbacks go to the
queue like the others.
"""
from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from callcenter.errors import Conflict
from ctiserver.acd.agentstate import (
    AVAILABLE, ON_CALL, ON_HOLD, RINGING, WRAPUP, AgentView, HandledCall,
)
from ctiserver.ami import events as ev
from ctiserver.ami.client import AmiError
from ctiserver.calls.screenpop import DialerCall
from dialer.attempts import AttemptOutcome, AttemptResult, AttemptTracker, DialAttempt
from dialer.campaigns import CampaignSettings, rule_outcome, stored_outcome
from dialer.compliance import WindowTally
from dialer.desk import PreviewDesk
from dialer.hopper import ClaimedLead, DialedAttempt, LeadState
from dialer.live import RunnerFigures
from dialer.pacing import MIN_RING_SECONDS, Mode, PacingController, PacingSettings, Snapshot
from dialer.preview import Reserved
from dialer.windows import CampaignWindows, PastOutcome, abandon_rules

log = logging.getLogger(__name__)

TICK = 1.0
BUSY_STATES = frozenset({RINGING, ON_CALL, ON_HOLD})
"""An agent a call is connecting to or connected with."""
TALKED_KEPT = 1000
"""Calls that reached an agent kept until their after-call work ends (a lost end is dropped)."""


@dataclass(frozen=True, slots=True)
class CampaignPlan:
    """What a runner dials for: the campaign row's id, name and settings."""
    id: int
    name: str
    settings: CampaignSettings


class LeadSource(Protocol):
    """``dialer.hopper.Hopper``."""

    async def claim(self, campaign: str, n: int, now: datetime) -> list[ClaimedLead]: ...

    async def release(self, lead_ids: list[int]) -> int: ...

    async def record_outcome(self, lead_id: int, attempt: DialedAttempt) -> LeadState: ...


Place = Callable[[AttemptTracker, DialAttempt, float], Awaitable[None]]
"""Originate an attempt (``dialer.originate.place`` with its link and target)."""
HangUp = Callable[[AttemptTracker, str, float], Awaitable[None]]
"""Hang up a ringing attempt by its id (``dialer.originate.hang_up`` with its link)."""
RecordCall = Callable[..., Awaitable[int | None]]
"""``dialer.crmcalls.record_attempt_call`` with its database: the agent's user id."""
History = Callable[[int, datetime], Awaitable[list[PastOutcome]]]
"""``dialer.reportstore.recent_outcomes`` with its database: a campaign's attempts since."""
DialVariables = Callable[[str], Mapping[str, str]]
"""More channel variables for the number dialed (the sandbox's simulated customers read theirs)."""


async def no_history(campaign_id: int, since: datetime) -> list[PastOutcome]:
    return []


def members(agents: Mapping[str, AgentView], queue: str) -> list[AgentView]:
    return [a for a in agents.values() if queue in a.queues]


def snapshot(agents: Mapping[str, AgentView], queue: str, now: float, tracker: AttemptTracker,
             windows: tuple[WindowTally, ...] = ()) -> Snapshot:
    """The campaign now: its queue's agents by state, the attempts in flight, its compliance
    windows."""
    staff = members(agents, queue)
    return Snapshot(
        ready=sum(1 for a in staff if a.state == AVAILABLE),
        talking=tuple(max(0.0, now - a.since) for a in staff if a.state in BUSY_STATES),
        wrapping=tuple(max(0.0, now - a.since) for a in staff if a.state == WRAPUP),
        ringing=tracker.ringing(now), waiting=tracker.waiting(), windows=windows)


def pacer_for(settings: CampaignSettings, hang_up_after: float) -> PacingController:
    return PacingController(PacingSettings(mode=Mode(settings.mode), ratio=settings.ratio,
                                           abandon_target=settings.abandon_target,
                                           hang_up_after=hang_up_after))


def _utc(at: float | None) -> datetime | None:
    return None if at is None else datetime.fromtimestamp(at, UTC)


class CampaignRunner:
    def __init__(self, plan: CampaignPlan, *, hopper: LeadSource, place: Place,
                 hang_up: HangUp, record_call: RecordCall, agents: Callable[[], Mapping[str, AgentView]],
                 ring_timeout: int, background: Callable[[Awaitable[None]], None],
                 clock: Callable[[], float], sleep: Callable[[float], Awaitable[None]],
                 history: History = no_history,
                 desk: PreviewDesk | None = None,
                 announce: Callable[[object], None] = lambda item: None,
                 channel: Callable[[str], str] = str,
                 variables: DialVariables = lambda number: {},
                 hang_up_after: float = MIN_RING_SECONDS) -> None:
        """DESK: leads for one agent (none: no preview, callbacks go to the queue); ANNOUNCE:
        publish each call placed (``DialerCall``); CHANNEL and VARIABLES: the customer's
        channel for a number and its extra variables, for the desk's calls; HANG_UP_AFTER:
        seconds a call rings before the pacer may have it hung up (at least 15)."""
        if hang_up_after < MIN_RING_SECONDS:
            raise ValueError(f"ring at least {MIN_RING_SECONDS} s before hanging up")
        self.plan = plan
        self.pacer = pacer_for(plan.settings, hang_up_after)
        self._hang_up = hang_up
        self._hang_up_after = hang_up_after
        self.tracker = AttemptTracker(self.pacer)
        self._hopper = hopper
        self._place = place
        self._record_call = record_call
        self._agents = agents
        self._ring_timeout = ring_timeout
        self._background = background
        self._clock = clock
        self._sleep = sleep
        self._placed_at: dict[str, float] = {}
        self._unplaced: set[int] = set()
        self._talked: dict[str, AttemptOutcome] = {}
        self._task: asyncio.Task | None = None
        self._stopped = False
        self._history = history
        self.windows = CampaignWindows(plan.settings.dialing_rules())
        self._last: tuple[Snapshot, int] | None = None
        """The last tick's snapshot and the pacer's decision, for the live view."""
        self._desk = desk
        self._announce = announce
        self._channel = channel
        self._variables = variables
        self._held: dict[int, ClaimedLead] = {}
        """Callbacks booked for an agent, claimed, waiting for that agent to be free."""

    @property
    def running(self) -> bool:
        return self._task is not None and not self._stopped

    # -- start and stop -------------------------------------------------------------------------

    def start(self, plan: CampaignPlan) -> None:
        """Dial (again) with PLAN's settings; the pacer keeps what it learnt."""
        self.plan = plan
        if not self.running:
            self._stopped = False
            self._task = asyncio.create_task(self._run(), name=f"dialer-{plan.name}")

    async def stop(self) -> None:
        """No more calls; claimed leads not placed go back."""
        self._stopped = True
        if self._task is not None:
            # shielded: the domain's poll, stopping us, may itself be cancelled by its stop
            await asyncio.shield(self._task)
            self._task = None
        self._unplaced.update(self._held)
        self._held.clear()
        if self._unplaced:
            await self._hopper.release(sorted(self._unplaced))
            self._unplaced.clear()
        if self._desk is not None:
            await self._desk.withdraw(self.plan.name)

    async def load_windows(self) -> None:
        """The compliance windows from the campaign's attempts within their reach."""
        rules = self.plan.settings.dialing_rules()
        reach = max(rule.window for rule in abandon_rules(rules))
        since = _utc(self._clock()) - timedelta(seconds=reach)
        self.windows = CampaignWindows(rules, await self._history(self.plan.id, since))

    async def _run(self) -> None:
        try:
            await self.load_windows()
        except Exception:  # the pacer then counts from this start on
            log.exception("campaign %s: its compliance windows could not be read", self.plan.name)
        while not self._stopped:
            try:
                await self.tick()
            except Conflict:  # paused or stopped since: the next poll stops the runner
                log.info("campaign %s is no longer running", self.plan.name)
            except Exception:
                log.exception("campaign %s: a dialing tick failed", self.plan.name)
            if not self._stopped:
                await self._sleep(TICK)

    # -- a tick ---------------------------------------------------------------------------------

    async def tick(self) -> int:
        """Place what the pacer asks for now; how many were placed."""
        now = self._clock()
        agents = self._agents()
        queue = self.plan.settings.queue or ""
        if self._desk is not None:
            await self._desk.expire()
            await self._dial_held(agents)
            if self.plan.settings.mode == Mode.PREVIEW:
                return await self._preview(members(agents, queue), now)
        windows = self.windows.tallies(now)
        await self._hang_up_ringing(snapshot(agents, queue, now, self.tracker, windows), now)
        current = snapshot(agents, queue, now, self.tracker, windows)
        wanted = self.pacer.decide(current)
        self._last = current, wanted
        if wanted <= 0:
            return 0
        placed = 0
        for lead in await self._claim(wanted, now):
            if self._stopped:
                break
            placed += await self._dial(lead)
        return placed

    async def _hang_up_ringing(self, current: Snapshot, now: float) -> None:
        """Hang up the ringing calls the pacer picked, none rung under the minimum."""
        ids = self.tracker.ringing_ids()
        for index in self.pacer.hang_up(current):
            if current.ringing[index] < self._hang_up_after:
                log.error("campaign %s: the pacer picked a call rung %.1f s to hang up",
                          self.plan.name, current.ringing[index])
                continue
            try:
                await self._hang_up(self.tracker, ids[index], now)
            except AmiError as exc:  # answered or ended meanwhile: its outcome tells
                log.info("campaign %s: attempt %s not hung up: %s", self.plan.name, ids[index], exc)

    async def _claim(self, n: int, now: float) -> list[ClaimedLead]:
        """Leads to dial; callbacks booked for an agent are held for them (with a desk)."""
        leads = await self._hopper.claim(self.plan.name, n, _utc(now))
        self._unplaced.update(lead.lead_id for lead in leads)
        if self._desk is None:
            return leads
        for lead in leads:
            if lead.agent_interface is not None:
                self._held[lead.lead_id] = lead
                self._unplaced.discard(lead.lead_id)
        return [lead for lead in leads if lead.lead_id not in self._held]

    def _free(self, view: AgentView | None) -> bool:
        return view is not None and view.state == AVAILABLE and self._desk.free(view.interface)

    async def _dial_held(self, agents: Mapping[str, AgentView]) -> None:
        for lead in list(self._held.values()):
            view = agents.get(lead.agent_interface)
            if self._free(view):
                del self._held[lead.lead_id]
                await self._desk.offer(self._reserve(view, lead, auto_dial=True), self.finish)

    async def _preview(self, queue_members: list[AgentView], now: float) -> int:
        """Each free agent of the queue gets the next lead's card; how many were offered."""
        free = [view for view in queue_members if self._free(view)]
        if not free:
            return 0
        leads = await self._claim(len(free), now)
        for view, lead in zip(free, leads):
            self._unplaced.discard(lead.lead_id)
            await self._desk.offer(self._reserve(view, lead, auto_dial=False), self.finish)
        return len(leads)

    def _reserve(self, view: AgentView, lead: ClaimedLead, *, auto_dial: bool) -> Reserved:
        attempt = self.attempt(lead)
        return Reserved(view.interface, view.name or view.interface, lead.lead_id, attempt,
                        self._clock(), auto_dial, self._channel(attempt.number),
                        self._variables(attempt.number))

    def attempt(self, lead: ClaimedLead) -> DialAttempt:
        settings = self.plan.settings
        return DialAttempt(
            attempt_id=str(uuid.uuid4()), campaign=self.plan.name, lead=str(lead.lead_id),
            number=lead.phone, queue=settings.queue or "", amd=settings.amd,
            ring_timeout=self._ring_timeout, caller_id=settings.caller_id,
            safe_harbor=settings.safe_harbor_message)

    async def _dial(self, lead: ClaimedLead) -> int:
        attempt = self.attempt(lead)
        at = self._clock()
        self._placed_at[attempt.attempt_id] = at
        self._unplaced.discard(lead.lead_id)
        self._announce(DialerCall(attempt.attempt_id, lead.lead_id))
        try:
            await self._place(self.tracker, attempt, at)
        except (AmiError, ValueError) as exc:  # refused: an attempt that failed at once
            log.warning("campaign %s: lead %s not dialed: %s", self.plan.name, lead.lead_id, exc)
            await self.finish(AttemptOutcome(attempt, AttemptResult.FAILED, 0.0, self._clock()))
            return 0
        return 1

    # -- outcomes -------------------------------------------------------------------------------

    def handle(self, event: ev.AmiEvent) -> None:
        """Feed an AMI event to the attempts; an outcome is recorded in the background."""
        outcome = self.tracker.handle(event)
        if outcome is None:
            return
        if outcome.result is AttemptResult.HUMAN:
            self._talked[outcome.attempt.attempt_id] = outcome
            if len(self._talked) > TALKED_KEPT:
                del self._talked[next(iter(self._talked))]
        self._background(self.finish(outcome))

    def wrapped(self, call: HandledCall) -> None:
        """An agent's after-call work ended: of one of our calls, the pacer hears its talk and
        wrap-up times."""
        outcome = self._talked.pop(call.call_key, None)
        if outcome is not None:
            self.tracker.wrapped(outcome, call.wrapup)

    async def finish(self, outcome: AttemptOutcome) -> None:
        """The attempt's call row, then the lead's attempt (its status and retry follow)."""
        attempt = outcome.attempt
        placed_at = self._placed_at.pop(attempt.attempt_id, outcome.ended_at - outcome.ring_seconds)
        lead_id = int(attempt.lead)
        agent_user_id = await self._record_call(
            outcome, placed_at=placed_at, agent_interface=self._interface(outcome.agent),
            campaign_id=self.plan.id, lead_id=lead_id)
        await self._hopper.record_outcome(lead_id, DialedAttempt(
            outcome.result, _utc(placed_at), answered_at=_utc(outcome.answered_at),
            ended_at=_utc(outcome.ended_at), call_key=attempt.attempt_id,
            amd_result=outcome.amd_status, agent_user_id=agent_user_id,
            opted_out=outcome.opted_out))
        self.windows.record(placed_at, rule_outcome(
            stored_outcome(outcome.result, outcome.opted_out), agent_user_id is not None))

    def figures(self, now: float) -> RunnerFigures:
        """The live view's figures: the last tick's agents, calls and decision; the windows now."""
        current, decision = self._last or (Snapshot(ready=0), 0)
        windows = self.windows.tallies(now)
        predictive = self.pacer.settings.mode is Mode.PREDICTIVE
        return RunnerFigures(
            talking=len(current.talking), waiting=current.ready, wrapping=len(current.wrapping),
            in_flight=len(current.ringing) + current.waiting, mode=self.pacer.settings.mode.value,
            decision=decision, allowance=self.pacer.allowance(windows) if predictive else None,
            windows=windows)

    def _interface(self, agent: str | None) -> str | None:
        """The queue member's interface (the tracker names members by name when they have one)."""
        if agent is None:
            return None
        views = self._agents()
        if agent in views:
            return agent
        return next((v.interface for v in views.values() if v.name == agent), agent)
