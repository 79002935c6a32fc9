"""Wiring of the agent console web app: login, the console page, the admin, work and script
APIs, the wallboard page and the softphone, mounted on the CTI server's app. Each module's
handlers are the bound methods of a resource built here from the services it needs; the access
rules guard every route of the application (see auth.py) and one error middleware answers
refused requests as JSON (ctiserver.web.errors); every response carries the security headers
and browsers' state changes must come from this site (headers.py)."""
from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from functools import partial
from pathlib import Path

from aiohttp import web

from crm_core.db import Database
from crm_core.dialpolicies import DialPolicies
from crm_core.workscope import Working
from ctiserver.acd.supervision import Supervision
from ctiserver.bus import EventBus
from ctiserver.calls.screenpop import PopShown
from ctiserver.web.errors import error_middleware
from dialer.hopper import Hopper
from dialer.live import LiveBoard
from dialer.liveview import CampaignViewPublisher
from dialer.reportstore import campaign_counts

from . import admin, assets, calls_api, campaigns_api, console, dialpolicy_api, headers, login
from . import me_api, queues_api, scripts_api, security_api, softphone, wallboard, work_api
from .admin import UsersResource
from .auth import auth_middleware, request_gettext
from .calls_api import CallsResource
from .campaigns_api import CampaignsResource
from .headers import origin_middleware
from .console import AgentResource, ConsoleScripts
from .dialpolicy_api import DialPolicyResource
from .login import LoginResource
from .me_api import MeResource
from .queues_api import QueuesResource
from .scripts_api import ScriptsResource
from .security_api import SecurityResource
from .softphone import SoftphoneSite
from .wallboard import WallboardResource
from .work_api import Scopes, WorkResource, WrapupListener, lead_disposition


def add_routes(app: web.Application, db: Database, *, agent: AgentResource,
               supervision: Supervision, bus: EventBus, on_wrapup: WrapupListener,
               default_region: str, softphone_site: SoftphoneSite,
               apply_queues: Callable[[], Awaitable[list[str]]], dial_policies: DialPolicies,
               dialer_dir: Path, campaign_board: LiveBoard,
               trusted_proxies: Iterable[str] = ()) -> None:
    """Mount the console on the CTI server's app; from here on every route of ``app``, the
    CTI server's too, needs a logged-in user unless marked public, and every response
    carries the security headers (headers.py). Logins count for the client's address, which
    a request from one of ``trusted_proxies`` names in X-Forwarded-For. The dialer keeps
    uploads and error reports in ``dialer_dir``; the live campaign view reads the figures of
    the campaigns dialing in this process from ``campaign_board``."""
    app.middlewares.append(error_middleware(request_gettext))
    app.middlewares.append(origin_middleware)  # before any password or session is looked at
    app.middlewares.append(auth_middleware(db))
    headers.install(app, connect_sources=[headers.websocket_source(softphone_site.ws_url)])
    working = Working()
    # A pop lets the agent see that caller's card; a stored wrap-up releases the agent.
    bus.subscribe(PopShown, lambda shown: working.allow_call(
        shown.user_id, shown.offer.call_key, customer_id=shown.customer_id,
        queue=shown.offer.queue, caller_number=shown.offer.caller_num,
        caller_name=shown.offer.caller_name, campaign=shown.campaign))
    scopes = Scopes(db, working)
    login.add_routes(app, LoginResource(db, trusted_proxies=trusted_proxies))
    admin.add_routes(app, UsersResource(db))
    me_api.add_routes(app, MeResource(db))
    security_api.add_routes(app, SecurityResource(db))
    scripts_api.add_routes(app, ScriptsResource(db))
    queues_api.add_routes(app, QueuesResource(db, apply_queues))
    dialpolicy_api.add_routes(app, DialPolicyResource(db, dial_policies))
    wallboard.add_routes(app, WallboardResource(db, supervision))
    hopper = Hopper(db)  # a dialer call's disposition goes onto its lead
    work_api.add_routes(app, WorkResource(db, scopes, default_region=default_region,
                                          wrapup_listeners=[on_wrapup, lead_disposition(hopper)]))
    console.add_routes(app, agent, ConsoleScripts(db, scopes))
    calls_api.add_routes(app, CallsResource(db, scopes, agent))
    campaigns_api.add_routes(app, CampaignsResource(db, dialer_dir=dialer_dir,
                                                    default_region=default_region),
                             CampaignViewPublisher(partial(campaign_counts, db), campaign_board))
    softphone.add_routes(app, softphone_site)
    assets.add_routes(app)
