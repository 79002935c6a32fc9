"""Wiring of the agent console web app: login, the console page, the admin, work and script
APIs, the wallboard page and the softphone, mounted on the CTI server's app. Each module's
handlers are the bound methods of a resource built here from the services it needs; the access
rules guard every route of the application (see auth.py) and one error middleware answers
refused requests as JSON (ctiserver.web.errors)."""
from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from crm_core.db import Database
from crm_core.workscope import Working
from ctiserver.acd.supervision import Supervision
from ctiserver.calls.screenpop import ScreenPopService
from ctiserver.web.errors import error_middleware

from . import admin, console, login, queues_api, scripts_api, softphone, wallboard, work_api
from .admin import UsersResource
from .auth import auth_middleware
from .console import AgentResource, ConsoleScripts
from .login import LoginResource
from .queues_api import QueuesResource
from .scripts_api import ScriptsResource
from .softphone import SoftphoneSite
from .wallboard import WallboardResource
from .work_api import Scopes, WorkResource, WrapupListener


def add_routes(app: web.Application, db: Database, *, agent: AgentResource,
               supervision: Supervision, pops: ScreenPopService, on_wrapup: WrapupListener,
               default_region: str, softphone_site: SoftphoneSite,
               apply_queues: Callable[[], Awaitable[list[str]]]) -> None:
    """Mount the console on the CTI server's app; from here on every route of ``app``, the
    CTI server's too, needs a logged-in user unless marked public."""
    app.middlewares.append(error_middleware)
    app.middlewares.append(auth_middleware(db))
    working = Working()
    # A pop lets the agent see that caller's card; a stored wrap-up releases the agent.
    pops.pop_listeners.append(
        lambda user_id, offer, customer_id: working.allow_call(
            user_id, offer.call_key, customer_id=customer_id, queue=offer.queue))
    scopes = Scopes(db, working)
    login.add_routes(app, LoginResource(db))
    admin.add_routes(app, UsersResource(db))
    scripts_api.add_routes(app, ScriptsResource(db))
    queues_api.add_routes(app, QueuesResource(db, apply_queues))
    wallboard.add_routes(app, WallboardResource(db, supervision))
    work_api.add_routes(app, WorkResource(db, scopes, default_region=default_region,
                                          wrapup_listeners=[on_wrapup]))
    console.add_routes(app, agent, ConsoleScripts(db, scopes))
    softphone.add_routes(app, softphone_site)
