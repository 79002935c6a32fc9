"""The CTI server's composition root: AMI link -> typed events -> bus -> CallTracker -> notices
-> the domains' handlers.

It reads the settings once and builds each domain (calls, acd, control) from explicit values
and collaborators; the domains subscribe their handlers to the bus. Events are handled
synchronously, in arrival order, on the event loop; anything that does I/O (CRM writes,
customer lookups, websocket sends) happens in tasks the handlers start.
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable
from functools import partial

from aiohttp import web

from callcenter.errors import Unavailable
from callcenter.settings import Settings
from callcenter.vosk_models import model_folders
from crm_core.calls import record_calls
from crm_core.customers import find_customers_by_numbers
from crm_core.db import Database
from crm_core.dialpolicies import DialPolicies, record_dial
from crm_core.directory import UserDirectory
from crm_core.pendingwrapups import SqlPendingWrapups
from crm_core.queues import QueueConfigTarget, apply_queue_config, list_queues
from crm_core.values import UserInfo
from ctiserver.acd.agentcontrol import StateInterface
from ctiserver.acd.queue_log_follower import QueueLogFollower
from ctiserver.acd.routeagi import RoutingService, ami_live_source
from ctiserver.acd.stats import QueueTargets
from ctiserver.acd.wiring import AcdDomain
from ctiserver.agi.server import FastAgiServer, Handler, dispatch, start_fastagi
from ctiserver.ami import events as ev
from ctiserver.ami.client import AmiClient
from ctiserver.bus import EventBus
from ctiserver.calls.agent_messages import RecordingState
from ctiserver.calls.collected import CollectedRecorder
from ctiserver.calls.screenpop import BatchedLookup
from ctiserver.calls.tracker import Notice
from ctiserver.calls.wiring import CallsDomain
from ctiserver.control.callcontrol import CallControl
from ctiserver.control.channels import held_agents, hold_channel_prefix
from ctiserver.control.dialpolicy import DialRules
from ctiserver.web.hub import ClientHub
from ctiserver.web.wiring import add_agent_socket
from dialer.desk import PreviewDesk
from dialer.hopper import Hopper
from dialer.leadcards import LeadCards
from dialer.live import LiveBoard
from dialer.wiring import DialerDomain, DialVariables
from recordings.wiring import RecordingsDomain, TranscriptionSettings, keyword_alert
from ivr.wiring import IvrDomain, SpeechSetup, SurveyBoard

log = logging.getLogger(__name__)


class CTIServer:
    def __init__(self, settings: Settings, db: Database, *, ami_secret: str,
                 state_interface: StateInterface = lambda interface: interface,
                 dial_variables: DialVariables | None = None) -> None:
        self.settings = settings
        self.directory = UserDirectory(db)
        self.bus = EventBus()
        self.hub = ClientHub()
        self.ami = AmiClient(
            host=settings.ami_host, port=settings.ami_port, username=settings.ami_user,
            secret=ami_secret, on_event=self.on_event, on_connected=self.resync,
            action_timeout=settings.ami_action_timeout, ping_interval=settings.ami_ping_interval,
        )
        lookup_customer = BatchedLookup(partial(find_customers_by_numbers, db,
                                                default_region=settings.default_region))
        lead_cards = LeadCards(db, lookup_customer)
        self.calls = CallsDomain(
            self.bus, self.hub,
            record_calls=partial(record_calls, db, default_region=settings.default_region),
            lookup_customer=lookup_customer, lead_cards=lead_cards.reached,
            agent_ids=self.directory.agent_ids,
            batch_size=settings.crm_batch_size, flush_interval=settings.crm_flush_interval,
            # Timeout and empty queue look alike on AMI; the exit's queue_log line tells them apart.
            exit_log=QueueLogFollower(settings.effective_queue_log).read,
        )
        self.tracker, self.writer, self.pops = self.calls.tracker, self.calls.writer, self.calls.pops
        self.acd = AcdDomain(
            self.bus, self.ami, pause_reasons=settings.pause_reasons,
            state_interface=state_interface, day_start_hour=settings.stats_day_start_hour,
            timezone=settings.stats_timezone, pending_store=SqlPendingWrapups(db),
            may_act_on=self.directory.may_act_on,
            at_console=lambda interface: self.hub.connected(self.pops.user_of(interface)),
            background=_background,
        )
        self.feed, self.wallboard = self.acd.feed, self.acd.wallboard
        self.agent_control, self.wrapups = self.acd.agent_control, self.acd.wrapups
        self.supervision = self.acd.supervision
        self.dial_policies = DialPolicies(
            db, region=settings.default_region,
            builtin=DialRules.of(block=settings.dial_blocked_prefixes,
                                 blocked_types=settings.dial_blocked_types),
            extension_max_digits=settings.dial_extension_max_digits)
        self.call_control = CallControl(
            self.ami, hold_context=settings.hold_context, set_held=self.acd.set_held,
            supervisor_of=self.directory.supervisor_of,
            policy_for=self.dial_policies.policy_for, record_dial=partial(record_dial, db),
            contexts={"queue": settings.queue_context, "extension": settings.internal_context,
                      "number": settings.outbound_context},
        )
        # Our FastAGI scripts record collected data through the event path, as a UserEvent
        # would. Live figures for overflow come from app_queue itself (QueueSummary): it knows
        # which members are free right now, including queues our statistics have not seen yet.
        self.collected = CollectedRecorder(self.on_event)
        self.routing = RoutingService(db, default_region=settings.default_region,
                                      live=ami_live_source(self.ami.queue_summary),
                                      collected=self.collected)
        self.campaign_board = LiveBoard()
        """The live figures of the campaigns dialing in this process, for the live view."""
        # Leads reserved for one agent (preview, callbacks for the booking agent), on their console.
        self.desk = PreviewDesk(
            self.ami, Hopper(db), lead_cards.card,
            context=settings.dialer_context,
            send=self.hub.to_user, user_of=self.pops.user_of, at_console=self.hub.connected,
            publish=self.bus.publish, background=_background)
        self.bus.subscribe(ev.AmiEvent, self.desk.handle)
        self.dialer = DialerDomain(
            self.bus, self.ami, db, self.feed.agents, dial_string=settings.dialer_dial_string,
            context=settings.dialer_context, ring_timeout=settings.dialer_ring_timeout,
            hang_up_after=settings.dialer_hang_up_after,
            default_region=settings.default_region, poll_interval=settings.dialer_poll_interval,
            background=_background, board=self.campaign_board, desk=self.desk,
            dial_variables=dial_variables) if settings.dialer_enabled else None
        vosk_models = model_folders(settings.vosk_models)
        self.recordings = RecordingsDomain(
            self.bus, self.ami, db, spool=settings.recordings_spool_host,
            store_dir=settings.effective_recordings_dir, bitrate=settings.recordings_bitrate,
            processes=settings.recordings_processes,
            poll_interval=settings.recordings_poll_interval, convert=settings.recordings_worker,
            background=_background, agents_hear_own=settings.recordings_agents_hear_own,
            retention_interval=settings.recordings_retention_interval,
            on_state=self._recording_state,
            on_alert=lambda alerted: self.wallboard.notify(keyword_alert(alerted), alerted.agent),
            transcription=TranscriptionSettings(vosk_models, settings.transcription_language))
        self.ivr = IvrDomain(
            db, flows_dir=settings.ivr_flows_dir, queue_context=settings.queue_context,
            default_region=settings.default_region, collected=self.collected,
            prompt_cache=settings.ivr_prompt_paths, voices=settings.ivr_voices,
            uploads=settings.ivr_upload_paths,
            speech=SpeechSetup(settings.ivr_speech_paths, vosk_models,
                               settings.ivr_speech_min_confidence, settings.ivr_speech_workers),
            background=_background, recording=self.recordings.capture,
            surveys=SurveyBoard(self.acd.today_since, self.acd.set_surveys))
        self._db = db
        self.fastagi: FastAgiServer | None = None
        self._rebuilt = False
        self._hold_prefix = hold_channel_prefix(settings.hold_context)
        self._tasks: list[asyncio.Task] = []

    def _recording_state(self, interface: str, call_key: str, state: str) -> None:
        """A recording's state to the console of the agent at INTERFACE."""
        user_id = self.pops.user_of(interface)
        if user_id is not None:
            self.hub.to_user(user_id, RecordingState(call_key, state))

    # --- event path --------------------------------------------------------------------

    def on_event(self, event: ev.AmiEvent) -> None:
        self.bus.publish(event)
        if not self._is_hold_music(event):
            self._publish(self.tracker.handle(event, time.time()))

    def _is_hold_music(self, event: ev.AmiEvent) -> bool:
        """The console's hold music channels are part of no call (ctiserver.control)."""
        return isinstance(event, ev.ChannelEvent) and event.channel.startswith(self._hold_prefix)

    def _publish(self, notices: list[Notice]) -> None:
        for notice in notices:
            self.bus.publish(notice)

    async def resync(self, ami: AmiClient) -> None:
        """After every (re)connect: what Asterisk has now replaces what we believed. The first
        time, today's statistics are rebuilt from queue_log before the live state is applied."""
        known = self.tracker.snapshot()
        channels = await ami.channels()
        live = [c.created for c in channels if not self._is_hold_music(c.created)]
        self._publish(self.tracker.resync(known, live, time.time()))
        # After a start, the after-call gate takes over its pending calls (unpausing needs AMI).
        await self.wrapups.restore()
        members = (await ami.queue_status()).members
        if not self._rebuilt:
            await self.acd.rebuild_today(self.settings.effective_queue_log,
                                         {m.member_name: m.interface for m in members})
            self._rebuilt = True
        self.acd.apply_members(members, held_agents(channels, self.feed.agents.agents(),
                                                    self.settings.hold_context))
        log.info("resynced: %d live channels, %d queue members", len(live), len(members))

    async def _ticker(self) -> None:
        while True:
            await asyncio.sleep(0.5)
            now = time.time()
            self._publish(self.tracker.tick(now))
            self.acd.tick(now)

    # --- queues --------------------------------------------------------------------------

    async def load_queue_config(self) -> None:
        """Targets and wrap-up times of the queues defined in the CRM."""
        queues = await list_queues(self._db)
        self.acd.configure_queues(
            {q.name: QueueTargets(
                sl_threshold=q.sl_threshold, short_abandon=q.short_abandon, sl_target=q.sl_target,
                max_wait_alert=q.max_wait_alert, asa_target=q.asa_target,
                abandon_rate_target=q.abandon_rate_target) for q in queues},
            {q.name: q.wrapup_seconds for q in queues})

    async def apply_queues(self, target: QueueConfigTarget | None) -> list[str]:
        """After a change of the CRM's queues: Asterisk's queues.conf (when we manage it) and
        our targets follow."""
        changed = await apply_queue_config(self._db, target) if target is not None else []
        await self.load_queue_config()
        return changed

    # --- lifecycle ------------------------------------------------------------------------

    def _agent_connected(self, user: UserInfo) -> None:
        if user.interface:
            self.pops.register_agent(user.interface, user.id)
            self.desk.show_again(user.interface)  # a reload keeps the lead reserved for them
            recording = self.recordings.recording_of(user.interface)
            if recording is not None:  # and shows the call's recording as it stands
                self._recording_state(user.interface, *recording)

    def web_app(self) -> web.Application:
        app = web.Application()
        add_agent_socket(app, self.hub, self.directory.authenticate, self._agent_connected)
        self.acd.add_routes(app, self.directory.visible_interfaces)
        self.recordings.add_routes(app, trusted_proxies=frozenset(self.settings.trusted_proxies))
        self.recordings.add_transcript_routes(app)
        return app

    def fastagi_handler(self) -> Handler:
        """The FastAGI scripts: routing, the IVR, the recording policy."""
        return dispatch(self.routing.handlers() | self.ivr.handlers()
                        | self.recordings.handlers())

    async def start(self) -> None:
        await self.pops.load_agents()
        await self.load_queue_config()
        try:
            await self.ivr.load()
        except Unavailable as exc:  # the rest of the product works without the IVR's flows
            log.error("%s", exc)
        self.fastagi = await start_fastagi(self.settings.fastagi_host, self.settings.fastagi_port,
                                           self.fastagi_handler())
        self._tasks = [
            asyncio.create_task(self.writer.run(), name="crm-writer"),
            asyncio.create_task(self.ami.run(), name="ami"),
            asyncio.create_task(self._ticker(), name="tracker-tick"),
            asyncio.create_task(self.ivr.survey_ticker(), name="survey-scores"),
            asyncio.create_task(self.wallboard.run(), name="wallboard"),
        ]
        if self.dialer is not None:
            self.dialer.start()
        self.recordings.start()

    async def stop(self) -> None:
        if self.dialer is not None:
            await self.dialer.stop()
        await self.recordings.stop()
        self.ivr.close()
        self.ami.stop()
        if self.fastagi is not None:
            self.fastagi.close()
            await self.fastagi.wait_closed()
        await asyncio.wait_for(self.writer.drained(), 10)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


def _background(coro: Awaitable[None]) -> None:
    """Run an I/O follow-up of an event; failures are logged, never lost silently."""
    task = asyncio.ensure_future(coro)
    task.add_done_callback(_log_failure)


def _log_failure(task: asyncio.Task) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("background task failed", exc_info=task.exception())

