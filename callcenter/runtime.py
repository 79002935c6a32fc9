"""Bringing the product up: database, CTI server, web. Shared by `serve`, `demo` and tests."""
from __future__ import annotations

import asyncio
import gc
import logging
from dataclasses import dataclass

from aiohttp import web

from agent_console.queues_api import add_routes as add_queue_routes
from agent_console.web import add_routes as add_console_routes
from agent_console.work_api import working_key, wrapup_listeners_key
from asterisk_conf.queuefile import QueuesInclude
from callcenter.settings import Settings
from crm_core.db import Database, ensure_embedded_postgres, open_database, upgrade
from crm_core.queues import QueueConfigTarget
from ctiserver.server import CTIServer

log = logging.getLogger(__name__)


async def migrated_database(settings: Settings) -> Database:
    """Start embedded PostgreSQL if configured so, migrate to head, connect."""
    loop = asyncio.get_running_loop()
    url = await loop.run_in_executor(None, ensure_embedded_postgres, settings)
    await loop.run_in_executor(None, upgrade, url)
    return await open_database(settings, url=url)


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


async def start_services(settings: Settings, db: Database, *, ami_secret: str,
                         sandbox: QueueConfigTarget | None = None) -> Running:
    """CTI server (AMI link, tracker, writer) and the web app on settings.http_host:port."""
    server = CTIServer(settings, db, ami_secret=ami_secret)
    app = server.web_app()
    add_console_routes(app, db)
    # After-call work: a stored wrap-up releases the agent; a pop lets the agent see the caller.
    app[wrapup_listeners_key].append(server.wrapups.on_wrapup_submitted)
    working = app[working_key]
    server.pops.pop_listeners.append(
        lambda user_id, offer, customer_id: working.allow_call(
            user_id, offer.call_key, customer_id=customer_id, queue=offer.queue))
    target = queue_target(settings, server, sandbox)
    add_queue_routes(app, lambda: server.apply_queues(target))
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, settings.http_host, settings.http_port).start()
    await server.start()
    # What is loaded by now (modules, app, server) lives as long as the process: keep it out of
    # the collector's full passes, which otherwise stall the event loop for 70-100 ms
    # (bench.console_pop's worst cards).
    gc.freeze()
    log.info("web on http://%s:%s", settings.http_host, settings.http_port)
    return Running(server, runner)
