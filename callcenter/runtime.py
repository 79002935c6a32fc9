"""Bringing the product up: database, CTI server, web. Shared by `serve`, `demo` and tests."""
from __future__ import annotations

import asyncio
import gc
import logging
import time
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from functools import partial

from aiohttp import web

from agent_console.console import AgentResource
from agent_console.softphone import SoftphoneSite
from agent_console.wiring import add_routes as add_console_routes
from asterisk_conf.credentials import softphone_password
from asterisk_conf.queuefile import QueuesInclude
from asterisk_conf.simulation import state_interface
from callcenter.settings import Settings
from crm_core.db import (
    Database, embedded_postgres_pid, ensure_embedded_postgres, open_database, stop_embedded_postgres, upgrade,
)
from crm_core.queues import QueueConfigTarget
from ctiserver.acd.queuenames import QueueNames
from ctiserver.server import CTIServer
from dialer.wiring import DialVariables

log = logging.getLogger(__name__)


async def migrated_database(settings: Settings) -> Database:
    """Start embedded PostgreSQL if configured so, migrate to head, connect."""
    loop = asyncio.get_running_loop()
    url = await loop.run_in_executor(None, ensure_embedded_postgres,
                                            settings.database_url, settings.data_dir)
    await loop.run_in_executor(None, upgrade, url)
    return await open_database(url)


WEB_SHUTDOWN_SECONDS = 3.0
"""How long the web server waits for requests in flight when it stops."""


def on_exit(stack: AsyncExitStack, what: str, stop: Callable[[], Awaitable[object]]) -> None:
    """Run ``stop`` when ``stack`` unwinds (in reverse order of registration) and say so."""
    async def stopping() -> None:
        began = time.monotonic()
        await stop()
        print(f"  stopped {what} ({time.monotonic() - began:.1f} s)", flush=True)
    stack.push_async_callback(stopping)


def left_running(stack: AsyncExitStack, what: str) -> None:
    """Say, when ``stack`` unwinds, that ``what`` ran before and is not stopped."""
    stack.callback(print, f"  left running {what}: it was running before", flush=True)


def in_thread(blocking: Callable[[], object]) -> Callable[[], Awaitable[object]]:
    return lambda: asyncio.get_running_loop().run_in_executor(None, blocking)


async def owned_database(stack: AsyncExitStack, settings: Settings) -> Database:
    """migrated_database, closed when ``stack`` unwinds; an embedded server that was not
    running before is stopped then too (one that ran already, or the site's own, stays)."""
    loop = asyncio.get_running_loop()
    embedded = settings.database_url is None
    running_before = embedded and await loop.run_in_executor(None, embedded_postgres_pid, settings.data_dir)
    if running_before:
        left_running(stack, f"embedded PostgreSQL (pid {running_before})")
    elif embedded:
        on_exit(stack, f"embedded PostgreSQL ({settings.data_dir / 'pgdata'})",
                in_thread(partial(stop_embedded_postgres, settings.data_dir)))
    db = await migrated_database(settings)
    stack.push_async_callback(db.close)
    return db


@dataclass
class Running:
    server: CTIServer
    runner: web.AppRunner

    @property
    def url(self) -> str:
        s = self.server.settings
        return f"http://{s.http_host}:{s.http_port}"

    async def stop(self) -> None:
        await self.server.stop()
        await self.runner.cleanup()


def queue_target(settings: Settings, server: CTIServer,
                 sandbox: QueueConfigTarget | None) -> QueueConfigTarget | None:
    """Where the CRM's queues go: the sandbox's queues.conf, the file a site #includes, or
    nowhere (the site keeps its own queues.conf; statistics targets still follow the CRM)."""
    if sandbox is not None:
        return sandbox
    if settings.queues_include_path is not None:
        return QueuesInclude(settings.queues_include_path, server.ami.send)
    return None


def build_web_app(settings: Settings, db: Database, server: CTIServer,
                  target: QueueConfigTarget | None) -> web.Application:
    """The product's one web app: the CTI server's sockets with the console mounted on it."""
    app = server.web_app()
    queue_names = QueueNames(server.ami.queue_summary)

    async def apply_queues() -> list[str]:
        changed = await server.apply_queues(target)
        queue_names.forget()  # agents pick a new queue at once
        return changed

    add_console_routes(
        app, db,
        agent=AgentResource(server.agent_control, server.feed.agents, server.wrapups,
                            server.call_control, queue_names, server.desk),
        supervision=server.supervision, bus=server.bus,
        on_wrapup=server.wrapups.on_wrapup_submitted,
        default_region=settings.default_region,
        softphone_site=SoftphoneSite(
            sip_host=settings.ami_host,
            ws_url=f"ws://{settings.ami_host}:{settings.sandbox_http_port}/ws",
            password=partial(softphone_password, settings.data_dir)),
        apply_queues=apply_queues,
        dial_policies=server.dial_policies,
        dialer_dir=settings.dialer_dir,
        campaign_board=server.campaign_board,
        trusted_proxies=settings.trusted_proxies,
    )
    server.ivr.add_routes(app)
    return app


async def start_services(settings: Settings, db: Database, *, ami_secret: str,
                         sandbox: QueueConfigTarget | None = None,
                         dial_variables: DialVariables | None = None) -> Running:
    """CTI server (AMI link, tracker, writer) and the web app on settings.http_host:port.
    With the sandbox, its simulated agents' busy state is their custom device state;
    DIAL_VARIABLES: what the dialer adds to each call (the sandbox's simulated customers)."""
    server = CTIServer(settings, db, ami_secret=ami_secret, dial_variables=dial_variables,
                       **({"state_interface": state_interface} if sandbox is not None else {}))
    app = build_web_app(settings, db, server, queue_target(settings, server, sandbox))
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=WEB_SHUTDOWN_SECONDS)
    await runner.setup()
    await web.TCPSite(runner, settings.http_host, settings.http_port).start()
    await server.start()
    # What is loaded by now (modules, app, server) lives as long as the process: keep it out of
    # the collector's full passes, which otherwise stall the event loop for 70-100 ms
    # (bench.console_pop's worst cards).
    gc.freeze()
    log.info("web on http://%s:%s", settings.http_host, settings.http_port)
    return Running(server, runner)
