"""Wiring of the dialer: a ``CampaignRunner`` per campaign in state running, fed the typed AMI
events of the bus (and the agents' changes that end a call's after-call work), dialing through
the AMI link, its leads from the hopper, its attempts in the CRM's call history.

The runners' live figures go to the live campaign view through a ``dialer.live.LiveBoard``.

Dialer calls are announced on the bus (``DialerCall``: their pops carry the lead); with the
CTI server's preview desk (``dialer.desk``), preview campaigns offer agents their leads and
callbacks booked for an agent are dialed to that agent.

The campaigns API changes a campaign's state in the database; the domain polls the campaigns
every ``poll_interval`` seconds and starts or stops runners to match (what works with several
web processes, and a change by the command line, alike).
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from functools import partial

from crm_core.db import Database
from ctiserver.acd.agentstate import AgentChange, AgentStateMachine
from ctiserver.ami import events as ev
from ctiserver.ami.client import AmiClient
from ctiserver.bus import EventBus
from dialer.attempts import AttemptTracker, DialAttempt
from dialer.pacing import MIN_RING_SECONDS
from dialer.crmcalls import record_attempt_call
from dialer.desk import PreviewDesk
from dialer.hopper import Hopper
from dialer.live import LiveBoard, RunnerFigures
from dialer.originate import DialTarget, hang_up, place
from dialer.reportstore import recent_outcomes
from dialer.runner import CampaignPlan, CampaignRunner, DialVariables
from dialer.store import Campaigns, campaign_settings

log = logging.getLogger(__name__)


class DialerDomain:
    def __init__(self, bus: EventBus, ami: AmiClient, db: Database, agents: AgentStateMachine, *,
                 dial_string: str, context: str, ring_timeout: int, default_region: str,
                 poll_interval: float, background: Callable[[Awaitable[None]], None],
                 hang_up_after: int = MIN_RING_SECONDS,
                 dial_variables: DialVariables | None = None, board: LiveBoard | None = None,
                 desk: PreviewDesk | None = None,
                 clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self._ami = ami
        self._campaigns = Campaigns(db)
        self._hopper = Hopper(db)
        self._target = DialTarget(dial_string, context)
        self._record_call = partial(record_attempt_call, db, default_region=default_region)
        self._history = partial(recent_outcomes, db)
        self._agents = agents
        self._ring_timeout = ring_timeout
        self._hang_up_after = hang_up_after
        self._poll_interval = poll_interval
        self._background = background
        self._dial_variables = dial_variables
        self._desk = desk
        self._publish = bus.publish
        self._clock = clock
        self._sleep = sleep
        self.runners: dict[str, CampaignRunner] = {}
        self._task: asyncio.Task | None = None
        self._board = board
        bus.subscribe(ev.AmiEvent, self._event)
        bus.subscribe(AgentChange, self._agent_changed)
        if board is not None:
            board.attach(self.figures)

    def figures(self, now: float) -> dict[str, RunnerFigures]:
        """The live figures of the campaigns dialing here (``dialer.live``)."""
        return {name: runner.figures(now) for name, runner in self.runners.items()
                if runner.running}

    def _event(self, event: ev.AmiEvent) -> None:
        for runner in self.runners.values():
            runner.handle(event)

    def _agent_changed(self, change: AgentChange) -> None:
        if change.handled is not None:
            for runner in self.runners.values():
                runner.wrapped(change.handled)

    def _variables(self, number: str) -> Mapping[str, str]:
        return self._dial_variables(number) if self._dial_variables else {}

    async def _place(self, tracker: AttemptTracker, attempt: DialAttempt, at: float) -> None:
        await place(self._ami, tracker, attempt, self._target, at, self._variables(attempt.number))

    async def _hang_up(self, tracker: AttemptTracker, attempt_id: str, at: float) -> None:
        await hang_up(self._ami, tracker, attempt_id, at)

    # -- which campaigns dial -------------------------------------------------------------------

    async def sync(self) -> None:
        """Runners for the campaigns running now; the others' stopped."""
        running = {row.name: CampaignPlan(row.id, row.name, campaign_settings(row))
                   for row in await self._campaigns.all() if row.state == "running"}
        for name, plan in running.items():
            self._runner(plan).start(plan)
        for name, runner in self.runners.items():
            if name not in running and runner.running:
                await runner.stop()

    def _runner(self, plan: CampaignPlan) -> CampaignRunner:
        runner = self.runners.get(plan.name)
        if runner is None:
            runner = self.runners[plan.name] = CampaignRunner(
                plan, hopper=self._hopper, place=self._place, hang_up=self._hang_up,
                hang_up_after=self._hang_up_after, record_call=self._record_call,
                agents=self._agents.agents, ring_timeout=self._ring_timeout,
                background=self._background, clock=self._clock, sleep=self._sleep,
                history=self._history, desk=self._desk, announce=self._publish,
                channel=self._target.channel, variables=self._variables)
        return runner

    async def run(self) -> None:
        """Follow the campaigns' states until cancelled."""
        while True:
            try:
                await self.sync()
            except Exception:
                log.exception("reading the campaigns failed; trying again")
            await self._sleep(self._poll_interval)

    def start(self) -> None:
        self._task = asyncio.create_task(self.run(), name="dialer")

    async def stop(self) -> None:
        """No more polls nor calls; claimed leads not dialed go back to the hopper."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        for runner in self.runners.values():
            await runner.stop()
        if self._board is not None:
            self._board.detach(self.figures)
