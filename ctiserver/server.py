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
from crm_core.users import UserInfo, authenticate_token, users_by_interface

from . import events as ev
from .ami import AmiClient
from .calltracker import CallEnded, CallTracker, Notice
from .crmwriter import CallRecordWriter
from .hub import ClientHub
from .screenpop import ScreenPopService
from .web import add_routes

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
        self.event_listeners: list[EventListener] = []
        self.notice_listeners: list[NoticeListener] = [self.pops.handle, self._write_finished]
        self._tasks: list[asyncio.Task] = []

    # --- event path --------------------------------------------------------------------

    def on_event(self, event: ev.AmiEvent) -> None:
        for listener in self.event_listeners:
            listener(event)
        self._publish(self.tracker.handle(event, time.time()))

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

    async def resync(self, ami: AmiClient) -> None:
        """After every (re)connect: what Asterisk has now replaces what we believed."""
        known = self.tracker.snapshot()
        items = await ami.event_list({"Action": "CoreShowChannels"})
        live = [e for e in map(ev.parse_event, items) if isinstance(e, ev.ChannelCreated)]
        self._publish(self.tracker.resync(known, live, time.time()))
        log.info("resynced: %d live channels", len(live))

    async def _ticker(self) -> None:
        while True:
            await asyncio.sleep(0.5)
            self._publish(self.tracker.tick(time.time()))

    # --- adapters ------------------------------------------------------------------------

    async def _lookup_customer(self, number: str) -> dict | None:
        return await find_customer_by_number(self.db, number, default_region=self.settings.default_region)

    async def _agent_directory(self) -> dict[str, int]:
        return {interface: user.id for interface, user in (await users_by_interface(self.db)).items()}

    async def _authenticate(self, token: str) -> UserInfo | None:
        return await authenticate_token(self.db, token)

    def _agent_connected(self, user: UserInfo) -> None:
        if user.interface:
            self.pops.register_agent(user.interface, user.id)

    # --- lifecycle ------------------------------------------------------------------------

    def web_app(self) -> web.Application:
        app = web.Application()
        add_routes(app, self.hub, self._authenticate, self._agent_connected)
        app.on_shutdown.append(lambda _: self.hub.close_all())
        return app

    async def start(self) -> None:
        await self.pops.load_agents()
        self._tasks = [
            asyncio.create_task(self.writer.run(), name="crm-writer"),
            asyncio.create_task(self.ami.run(), name="ami"),
            asyncio.create_task(self._ticker(), name="tracker-tick"),
        ]

    async def stop(self) -> None:
        self.ami.stop()
        await asyncio.wait_for(self.writer.drained(), 10)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
