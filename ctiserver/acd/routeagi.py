"""The FastAGI script "route" (thin adapter): CRM queue rules, the caller's VIP flag and live
queue figures in, ``ctiserver.acd.routing``'s decision out as channel variables. An overflow is
recorded on the call as collected data: the agent in the overflow queue sees which queue the
caller asked for."""
from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime, timedelta

from crm_core.closedhours import callback_request, voicemail_ticket
from crm_core.db import Database
from crm_core.models import Queue
from crm_core.queues import holiday_days, is_vip, list_queues

from ctiserver.acd.agentstate import AVAILABLE, ON_CALL, ON_HOLD, RINGING, WRAPUP
from ctiserver.calls.collected import CollectedRecorder
from ctiserver.agi.server import AgiSession, Handler
from ctiserver.ami.results import QueueSummaryEntry
from ctiserver.acd.routing import Decision, LiveFigures, QueueRule, holidays_for, route

log = logging.getLogger(__name__)

LiveSource = Callable[[str], Awaitable[LiveFigures | None]]
"""Queue name -> its figures now (None: unknown)."""
QueueSummarySource = Callable[[str], Awaitable[list[QueueSummaryEntry]]]
OVERFLOWED_FROM = "Overflowed from"


class RoutingService:
    def __init__(self, db: Database, *, default_region: str, live: LiveSource | None = None,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 collected: CollectedRecorder | None = None) -> None:
        self.db = db
        self.default_region = default_region
        self.live = live
        self.clock = clock
        self.collected = collected

    def handlers(self) -> dict[str, Handler]:
        """For ``fastagi.dispatch``."""
        return {"route": self.handle, "voicemail_ticket": self.voicemail, "callback_offer": self.callback}

    async def voicemail(self, session: AgiSession) -> None:
        """After a closed queue recorded the caller's message: a ticket to work it."""
        ticket = await voicemail_ticket(
            self.db, queue=session.params.get("queue", ""), number=session.env.get("agi_callerid", ""),
            recording=session.params.get("file", ""), call_key=session.env.get("agi_uniqueid", ""),
            default_region=self.default_region)
        await session.set_variable("CC_TICKET", str(ticket))

    async def callback(self, session: AgiSession) -> None:
        """A closed queue offered a callback: book it for anyone, in the queue's time zone."""
        booked = await callback_request(
            self.db, queue=session.params.get("queue", ""),
            number=session.params.get("number") or session.env.get("agi_callerid", ""),
            call_key=session.env.get("agi_uniqueid", ""), default_region=self.default_region)
        await session.set_variable("CC_CALLBACK", str(booked))

    async def handle(self, session: AgiSession) -> None:
        queue = session.params.get("queue", "")
        decision = await self.decide(queue, session.env.get("agi_callerid", ""))
        log.info("route %s (caller %s): %s", queue, session.env.get("agi_callerid"), decision)
        for name, value in decision.variables().items():
            await session.set_variable(name, value)
        if self.collected is not None and decision.queue != queue and not decision.closed:
            await self.collected.record_agi(session, {OVERFLOWED_FROM: queue})

    async def decide(self, queue: str, caller: str) -> Decision:
        """A queue unknown to the CRM is always open and never overflows; VIPs still go first."""
        now = self.clock()
        rules = await load_rules(self.db, now)
        rule = rules.get(queue) or QueueRule(queue)
        vip = await is_vip(self.db, caller, default_region=self.default_region)
        wants_live = rule.overflow_max_wait is not None or rule.overflow_max_ratio is not None
        live = await self.live(queue) if self.live and wants_live and rule.overflow_queue else None
        return route(rule, now, vip=vip, live=live, rules=rules)


async def load_rules(db: Database, now: datetime) -> dict[str, QueueRule]:
    # A day early: the queue's local date may still be yesterday in UTC terms.
    days = await holiday_days(db, (now - timedelta(days=1)).date())
    return {q.name: rule_of(q, holidays_for(q.id, days)) for q in await list_queues(db)}


def rule_of(queue: Queue, holidays: frozenset) -> QueueRule:
    return QueueRule(
        queue.name, overflow_queue=queue.overflow_queue, overflow_max_wait=queue.overflow_max_wait,
        overflow_max_ratio=queue.overflow_max_ratio, hours=queue.business_hours,
        timezone=queue.timezone, holidays=holidays, closed_action=queue.closed_action,
        max_wait=queue.max_wait,
    )


def figures_from_tile(tile: Mapping | None) -> LiveFigures | None:
    """From a ``QueueStats.snapshot()`` queue tile: exact counts, AHT of the last 60 minutes."""
    if tile is None:
        return None
    states = tile["agents_by_state"]
    busy = sum(states.get(s, 0) for s in (RINGING, ON_CALL, ON_HOLD, WRAPUP))
    return LiveFigures(tile["waiting"], states.get(AVAILABLE, 0), busy, tile["last60"]["aht"])


def figures_from_summary(summary: QueueSummaryEntry) -> LiveFigures:
    """From app_queue's QueueSummary: LoggedIn counts paused members too, and TalkTime is
    Asterisk's moving average of talk alone (no wrap-up): coarser than ``figures_from_tile``."""
    return LiveFigures(summary.callers, summary.available, summary.logged_in - summary.available,
                       summary.talk_time or None)


def ami_live_source(queue_summary: QueueSummarySource) -> LiveSource:
    """Live figures from Asterisk itself, e.g. ``ami_live_source(server.ami.queue_summary)``."""
    async def live(queue: str) -> LiveFigures | None:
        summary = next(iter(await queue_summary(queue)), None)
        return None if summary is None else figures_from_summary(summary)

    return live
