"""Wiring of the CTI server: AMI link -> typed events -> CallTracker -> notices -> services.

Events are handled synchronously, in arrival order, on the event loop; anything that does
I/O (CRM writes, customer lookups, websocket sends) happens in tasks the handlers start.
"""
from __future__ import annotations

import asyncio
import logging
import time
from functools import partial
from typing import Callable

from aiohttp import web

from callcenter.settings import Settings
from crm_core.calls import record_calls
from crm_core.customers import find_customer_by_number
from crm_core.db import Database
from crm_core.pendingwrapups import SqlPendingWrapups
from crm_core.queues import QueueConfigTarget, apply_queue_config, list_queues
from crm_core.teams import visible_user_ids
from crm_core.users import UserInfo, authenticate_token, users_by_interface

from ctiserver.ami import events as ev
from ctiserver.acd.agentcontrol import AgentControl
from ctiserver.acd.agentstate import AgentChange, AgentStateMachine
from ctiserver.ami.client import AmiClient
from ctiserver.control.callcontrol import CallControl, callcontrol_key, held_agents, hold_channel_prefix
from ctiserver.calls.tracker import CallCompleted, CallEnded, CallTracker, Notice
from ctiserver.calls.collected import CollectedRecorder
from ctiserver.calls.writer import CallRecordWriter
from ctiserver.agi.server import dispatch, start_fastagi
from ctiserver.web.hub import ClientHub
from ctiserver.acd.queue_log import parse_queue_log
from ctiserver.acd.stats import QueueStats, QueueTargets, StatsFeed, rebuild_from_queue_log
from ctiserver.acd.routeagi import RoutingService, ami_live_source
from ctiserver.calls.screenpop import ScreenPopService
from ctiserver.acd.supervision import Supervision, supervision_key
from ctiserver.acd.wallboard import View, WallboardPublisher
from ctiserver.acd.wallboard import add_routes as add_wallboard_routes
from ctiserver.web.agentsocket import add_routes
from ctiserver.acd.wrapup import WrapupGate

log = logging.getLogger(__name__)

EventListener = Callable[[ev.AmiEvent], None]
NoticeListener = Callable[[Notice], None]


class CTIServer:
    def __init__(self, settings: Settings, db: Database, *, ami_secret: str) -> None:
        self.settings = settings
        self.db = db
        self.hub = ClientHub()
        self.tracker = CallTracker()
        self.writer = CallRecordWriter(
            partial(record_calls, db, default_region=settings.default_region),
            batch_size=settings.crm_batch_size,
            interval=settings.crm_flush_interval,
        )
        self.pops = ScreenPopService(self.hub, self._lookup_customer, self._agent_directory)
        self.ami = AmiClient(
            host=settings.ami_host,
            port=settings.ami_port,
            username=settings.ami_user,
            secret=ami_secret,
            on_event=self.on_event,
            on_connected=self.resync,
            action_timeout=settings.ami_action_timeout,
            ping_interval=settings.ami_ping_interval,
        )
        self.agent_control = AgentControl(self.ami, settings.pause_reasons)
        self.feed = StatsFeed(
            QueueStats(day_start_hour=settings.stats_day_start_hour, tz=settings.stats_timezone),
            AgentStateMachine(),
        )
        self.wallboard = WallboardPublisher(self.feed.stats.snapshot)
        # Live figures for overflow come from app_queue itself (QueueSummary): it knows which
        # members are free right now, including queues our statistics have not seen yet.
        # Our FastAGI scripts record collected data through the event path, as a UserEvent would.
        self.collected = CollectedRecorder(self.on_event)
        self.routing = RoutingService(db, default_region=settings.default_region,
                                      live=ami_live_source(self.ami.event_list),
                                      collected=self.collected)
        self.fastagi: asyncio.Server | None = None
        # A disposition is required before the agent takes the next call.
        self.wrapups = WrapupGate(self.agent_control.pause, self.agent_control.unpause,
                                  SqlPendingWrapups(db))
        self.event_listeners: list[EventListener] = [self._feed_event]
        self.notice_listeners: list[NoticeListener] = [
            self.pops.handle, self._write_finished, self._feed_notice, self._gate_after_call,
        ]
        self._rebuilt = False
        self._hold_prefix = hold_channel_prefix(settings.hold_context)
        self._tasks: list[asyncio.Task] = []

    # --- event path --------------------------------------------------------------------

    def on_event(self, event: ev.AmiEvent) -> None:
        for listener in self.event_listeners:
            listener(event)
        if not self._is_hold_music(event):
            self._publish(self.tracker.handle(event, time.time()))

    def _is_hold_music(self, event: ev.AmiEvent) -> bool:
        """The console's hold music channels are part of no call (ctiserver.control.callcontrol)."""
        return isinstance(event, ev.ChannelEvent) and event.channel.startswith(self._hold_prefix)

    def set_held(self, interface: str, held: bool) -> None:
        """The console put the agent's call on hold or took it off."""
        self._changed(set(), self.feed.held(interface, held, time.time()))

    def _publish(self, notices: list[Notice]) -> None:
        for notice in notices:
            for listener in self.notice_listeners:
                try:
                    listener(notice)
                except Exception:
                    log.exception("listener %r failed on %r", listener, notice)

    def _write_finished(self, notice: Notice) -> None:
        if isinstance(notice, CallEnded):
            self.writer.add(notice.record)

    def _gate_after_call(self, notice: Notice) -> None:
        # Only agents at a console can give a disposition; phones without one are not held.
        if isinstance(notice, CallCompleted) and self.hub.connected(self.pops.user_of(notice.interface)):
            self._background(self.wrapups.on_call_completed(notice.interface, notice.call_key))

    def _background(self, coro) -> None:
        """Run an I/O follow-up of an event; failures are logged, never lost silently."""
        task = asyncio.ensure_future(coro)
        task.add_done_callback(_log_failure)

    def _feed_event(self, event: ev.AmiEvent) -> None:
        if isinstance(event, ev.QueueMemberChanged):
            self._changed({event.queue}, self.feed.event(event, time.time()))

    def _feed_notice(self, notice: Notice) -> None:
        queue = notice.record.queue if isinstance(notice, CallEnded) else getattr(notice, "queue", None)
        self._changed({queue} if queue else set(), self.feed.notice(notice))

    def _changed(self, queues: set[str], changes: list[AgentChange]) -> None:
        """Tell the wallboard which tiles and agents an input touched."""
        for change in changes:
            queues |= change.queues
        if queues or changes:
            self.wallboard.changed(queues, (c.interface for c in changes))

    async def resync(self, ami: AmiClient) -> None:
        """After every (re)connect: what Asterisk has now replaces what we believed. The first
        time, today's statistics are rebuilt from queue_log before the live state is applied."""
        known = self.tracker.snapshot()
        items = await ami.event_list({"Action": "CoreShowChannels"})
        live = [e for e in map(ev.parse_event, items)
                if isinstance(e, ev.ChannelCreated) and not self._is_hold_music(e)]
        self._publish(self.tracker.resync(known, live, time.time()))
        # After a start, the after-call gate takes over its pending calls (unpausing needs AMI).
        await self.wrapups.restore()
        members = [e for e in map(ev.parse_event, await ami.event_list({"Action": "QueueStatus"}))
                   if isinstance(e, ev.QueueMemberChanged)]
        if not self._rebuilt:
            await self._rebuild_today({m.member_name: m.interface for m in members})
        now = time.time()
        for member in members:
            self.feed.event(member, now)
        channels = [i for i in items if i.get("Event") == "CoreShowChannel"]
        for interface in held_agents(channels, self.feed.agents.agents(), self.settings.hold_context):
            self.set_held(interface, True)
        self.wallboard.changed()
        log.info("resynced: %d live channels, %d queue members", len(live), len(members))

    async def _rebuild_today(self, interfaces: dict[str, str]) -> None:
        path = self.settings.effective_queue_log
        loop = asyncio.get_running_loop()
        try:
            # A queue_log of months is big: read and parse it off the event loop.
            entries = await loop.run_in_executor(None, lambda: parse_queue_log(path.read_text("utf-8")))
        except OSError as exc:
            log.warning("today's statistics start empty: queue_log %s unreadable (%s)", path, exc)
        else:
            now = time.time()
            entries = [e for e in entries if e.time >= now - 86400]
            rebuild_from_queue_log(entries, now, self.feed, interfaces)
            log.info("today's statistics rebuilt from %d queue_log lines", len(entries))
        self._rebuilt = True

    async def _ticker(self) -> None:
        while True:
            await asyncio.sleep(0.5)
            now = time.time()
            self._publish(self.tracker.tick(now))
            self._changed(set(), self.feed.tick(now))

    # --- adapters ------------------------------------------------------------------------

    async def load_queue_config(self) -> None:
        """Targets and wrap-up times of the queues defined in the CRM."""
        queues = await list_queues(self.db)
        self.feed.stats.targets.update({
            q.name: QueueTargets(
                sl_threshold=q.sl_threshold, short_abandon=q.short_abandon, sl_target=q.sl_target,
                max_wait_alert=q.max_wait_alert, asa_target=q.asa_target,
                abandon_rate_target=q.abandon_rate_target,
            )
            for q in queues
        })
        self.feed.agents.set_wrapup({q.name: q.wrapup_seconds for q in queues})

    async def apply_queues(self, target: QueueConfigTarget | None) -> list[str]:
        """After a change of the CRM's queues: Asterisk's queues.conf (when we manage it) and
        our targets follow."""
        changed = await apply_queue_config(self.db, target) if target is not None else []
        await self.load_queue_config()
        self.wallboard.changed()
        return changed

    async def _lookup_customer(self, number: str) -> dict | None:
        return await find_customer_by_number(self.db, number, default_region=self.settings.default_region)

    async def _agent_directory(self) -> dict[str, int]:
        return {interface: user.id for interface, user in (await users_by_interface(self.db)).items()}

    async def _authenticate(self, token: str) -> UserInfo | None:
        return await authenticate_token(self.db, token)

    def _agent_connected(self, user: UserInfo) -> None:
        if user.interface:
            self.pops.register_agent(user.interface, user.id)

    async def _wallboard_view(self, user: UserInfo) -> View:
        visible = await visible_user_ids(self.db, user)
        if visible is None:
            return None
        return frozenset(u.interface for u in (await users_by_interface(self.db)).values()
                         if u.id in visible and u.interface)

    # --- lifecycle ------------------------------------------------------------------------

    def web_app(self) -> web.Application:
        app = web.Application()
        add_routes(app, self.hub, self._authenticate, self._agent_connected)
        add_wallboard_routes(app, self.wallboard, self._wallboard_view)
        app[server_key] = self
        app[supervision_key] = Supervision(self)
        app[callcontrol_key] = CallControl(self)
        app.on_shutdown.append(lambda _: self.hub.close_all())
        app.on_shutdown.append(lambda _: self.wallboard.close_all())
        return app

    async def start(self) -> None:
        await self.pops.load_agents()
        await self.load_queue_config()
        self.fastagi = await start_fastagi(self.settings, dispatch(self.routing.handlers()))
        self._tasks = [
            asyncio.create_task(self.writer.run(), name="crm-writer"),
            asyncio.create_task(self.ami.run(), name="ami"),
            asyncio.create_task(self._ticker(), name="tracker-tick"),
            asyncio.create_task(self.wallboard.run(), name="wallboard"),
        ]

    async def stop(self) -> None:
        self.ami.stop()
        if self.fastagi is not None:
            self.fastagi.close()
            await self.fastagi.wait_closed()
        await asyncio.wait_for(self.writer.drained(), 10)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


def _log_failure(task: asyncio.Task) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("background task failed", exc_info=task.exception())


server_key = web.AppKey("cti_server", CTIServer)
"""The CTI server whose web app this is: pages and APIs reach its services through it."""
