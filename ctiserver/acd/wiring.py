"""Wiring of the ACD domain: agent states and queue statistics fed by queue member events and
the tracker's notices, the wallboard that pushes them, agent control (log in, pause), the
after-call gate, supervisor actions and the wallboard's websocket route."""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

from aiohttp import web

from ctiserver.acd.agentcontrol import AgentControl, AmiSender, StateInterface
from ctiserver.acd.agentstate import AgentChange, AgentStateMachine
from ctiserver.acd.queue_log import parse_queue_log
from ctiserver.acd.stats import QueueStats, QueueTargets, StatsFeed, rebuild_from_queue_log
from ctiserver.acd.statsclock import DayClock
from ctiserver.acd.supervision import MayActOn, Originator, Supervision
from ctiserver.acd.wallboard import Visibility, WallboardPublisher
from ctiserver.acd.wallboard import add_routes as add_wallboard_routes
from ctiserver.acd.wallboard_messages import SurveyScore, with_surveys
from ctiserver.acd.wrapup import PendingStore, WrapupGate
from ctiserver.ami import events as ev
from ctiserver.bus import EventBus
from ctiserver.calls.tracker import CallCompleted, CallEnded, Notice

log = logging.getLogger(__name__)


class AcdDomain:
    def __init__(self, bus: EventBus, ami: AmiSender | Originator, *, pause_reasons: Sequence[str],
                 state_interface: StateInterface, day_start_hour: int, timezone: str,
                 pending_store: PendingStore, may_act_on: MayActOn,
                 at_console: Callable[[str], bool],
                 background: Callable[[Awaitable[None]], None]) -> None:
        self.agent_control = AgentControl(ami, pause_reasons, state_interface=state_interface)
        self.feed = StatsFeed(QueueStats(day_start_hour=day_start_hour, tz=timezone),
                              AgentStateMachine())
        self.surveys: tuple[Mapping[str, SurveyScore], Mapping[str, SurveyScore]] = ({}, {})
        """Today's survey scores: (by agent interface, by queue)."""
        self.wallboard = WallboardPublisher(self.snapshot)
        # A disposition is required before the agent takes the next call.
        self.wrapups = WrapupGate(self.agent_control.pause, self.agent_control.unpause,
                                  pending_store)
        self.supervision = Supervision(ami, self.agent_control, self.feed.agents, may_act_on)
        self._at_console = at_console
        self._background = background
        self._publish = bus.publish
        bus.subscribe(ev.QueueMemberChanged, self._member_changed)
        bus.subscribe(Notice, self._notice)
        bus.subscribe(CallCompleted, self._call_completed)

    def add_routes(self, app: web.Application, visibility: Visibility) -> None:
        add_wallboard_routes(app, self.wallboard, visibility)
        app.on_shutdown.append(lambda _: self.wallboard.close_all())

    # --- inputs ----------------------------------------------------------------------------

    def _member_changed(self, event: ev.QueueMemberChanged) -> None:
        self.changed({event.queue}, self.feed.event(event, time.time()))

    def _notice(self, notice: Notice) -> None:
        queue = notice.record.queue if isinstance(notice, CallEnded) else getattr(notice, "queue", None)
        self.changed({queue} if queue else set(), self.feed.notice(notice))

    def _call_completed(self, notice: CallCompleted) -> None:
        # Only agents at a console can give a disposition; phones without one are not held.
        if self._at_console(notice.interface):
            self._background(self.wrapups.on_call_completed(notice.interface, notice.call_key))

    def set_held(self, interface: str, held: bool) -> None:
        """The console put the agent's call on hold or took it off."""
        self.changed(set(), self.feed.held(interface, held, time.time()))

    def today_since(self, now: datetime) -> datetime:
        """When the statistics' day that ``now`` is in began."""
        day = self.feed.stats.day
        today = DayClock(day.start_hour, day.zone.key)
        today.move_to(now.timestamp())
        return datetime.fromtimestamp(today.start, UTC)

    def set_surveys(self, agents: Mapping[str, SurveyScore],
                    queues: Mapping[str, SurveyScore]) -> None:
        """Today's survey scores by agent interface and by queue, for the wallboard."""
        if (agents, queues) != self.surveys:
            self.surveys = (agents, queues)
            self.wallboard.changed()

    def snapshot(self, now: float) -> dict:
        """What the wallboard shows: the statistics with the survey scores."""
        return with_surveys(self.feed.stats.snapshot(now), *self.surveys)

    def tick(self, now: float) -> None:
        self.changed(set(), self.feed.tick(now))

    def changed(self, queues: set[str], changes: Iterable[AgentChange]) -> None:
        """Tell the wallboard which tiles and agents an input touched; the changes go on the
        bus (the dialer hears the after-call work of its calls end)."""
        changes = list(changes)
        for change in changes:
            queues |= change.queues
            self._publish(change)
        if queues or changes:
            self.wallboard.changed(queues, (c.interface for c in changes))

    # --- start and resync ------------------------------------------------------------------

    def configure_queues(self, targets: dict[str, QueueTargets], wrapup: dict[str, int]) -> None:
        """Targets and wrap-up times of the queues defined in the CRM."""
        self.feed.stats.targets.update(targets)
        self.feed.agents.set_wrapup(wrapup)
        self.wallboard.changed()

    def apply_members(self, members: Sequence[ev.QueueMemberChanged], held: Iterable[str]) -> None:
        """What app_queue has now (QueueStatus), and the agents whose call is on hold."""
        now = time.time()
        for member in members:
            self.feed.event(member, now)
        for interface in held:
            self.set_held(interface, True)
        self.wallboard.changed()

    async def rebuild_today(self, queue_log: Path, interfaces: dict[str, str]) -> None:
        """Today's statistics from queue_log (after a start): read and parsed off the event
        loop, since a queue_log of months is big."""
        loop = asyncio.get_running_loop()
        try:
            entries = await loop.run_in_executor(None, lambda: parse_queue_log(queue_log.read_text("utf-8")))
        except OSError as exc:
            log.warning("today's statistics start empty: queue_log %s unreadable (%s)", queue_log, exc)
            return
        now = time.time()
        entries = [e for e in entries if e.time >= now - 86400]
        rebuild_from_queue_log(entries, now, self.feed, interfaces)
        log.info("today's statistics rebuilt from %d queue_log lines", len(entries))
