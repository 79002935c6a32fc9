"""The agent's console page and its control routes (JSON; browser sessions send X-CSRF-Token).

- ``GET /console``, ``/console/console.js``, ``/console/console.css``: the page.
- ``GET /api/agent/state``: the agent's live state (from the agent state machine), the queues
  they are in and the queues Asterisk has (to log in to), the pause reasons.
- ``POST /api/agent/login`` ``{"queues": [...]}``, ``/logout`` ``{"queues"?: [...]}`` (default:
  all the agent's queues), ``/pause`` ``{"reason"}``, ``/unpause`` ``{}``: the agent's own
  queue membership (AgentControl with the user's interface).
- ``POST /api/call/{action}``: hangup ``{}``, hold / unhold ``{}``, transfer / atxfer
  ``{"kind": "extension|queue|number", "target"}``, atxfer_cancel ``{}`` (hang up completes an
  attended transfer), conference ``{}``, dial ``{"number"}``, dtmf ``{"digits"}`` on the
  agent's own call (ctiserver.control.callcontrol).
- ``GET /api/script?queue=|campaign=&customer_id=``: the queue's or campaign's telemarketing
  script from the CRM rendered with the customer's fields (crm_core.scripts),
  ``{"script": null}`` when it has none.

Errors: ``{"error": "..."}`` with 400 (bad input), 404, 409 (no call, no phone, not logged in),
502 (Asterisk refused), 503 (no CTI server).
"""
from __future__ import annotations

import json
import re
import time
from pathlib import Path

from aiohttp import web
from markupsafe import Markup

from asterisk_conf.simulation import SIM_AGENT, agent_member
from crm_core.customers import customer_details
from crm_core.dispositions import Owner
from crm_core.scripts import ScriptError, get_script, render_script
from ctiserver.acd.agentcontrol import AgentControlError
from ctiserver.ami.client import AmiError
from ctiserver.control.callcontrol import QUEUE_NAME, CallControl, CallControlError, callcontrol_key
from ctiserver.server import server_key
from ctiserver.web.agentsocket import USER

from .auth import SESSION, db_key
from .jsonbody import BodyError, json_object
from .pages import render
from .work_api import request_scope

STATIC = Path(__file__).with_name("static")
MAX_BODY = 4096
QUEUES_CACHE_SECONDS = 10.0

_queue_cache_key = web.AppKey("console_queue_cache", dict)


class ConsoleError(CallControlError):
    pass


def _server(app: web.Application):
    server = app.get(server_key)
    if server is None:
        raise ConsoleError(503, "the console needs the CTI server")
    return server


def call_control(app: web.Application) -> CallControl:
    service = app.get(callcontrol_key)
    if service is None:
        raise ConsoleError(503, "call controls need the CTI server")
    return service


def state_interface(interface: str) -> str:
    """What Asterisk watches for the member's busy state: the simulated agents' custom
    device state, else the interface itself."""
    match = re.fullmatch(rf"Local/([^@/]+)@{SIM_AGENT}(/n)?", interface)
    return agent_member(match.group(1))[1] if match else interface


def _json_errors(handler):
    async def wrapped(request: web.Request) -> web.Response:
        try:
            return web.json_response(await handler(request))
        except CallControlError as exc:
            return web.json_response({"error": str(exc)}, status=exc.status)
        except AgentControlError as exc:
            return web.json_response({"error": str(exc)}, status=400)
        except AmiError as exc:
            return web.json_response({"error": f"Asterisk refused: {exc}"}, status=502)
    wrapped.__name__ = handler.__name__
    return wrapped


async def _body(request: web.Request) -> dict:
    try:
        return await json_object(request, MAX_BODY, empty={})
    except BodyError as exc:
        raise ConsoleError(400, str(exc)) from None


def _interface(request: web.Request) -> str:
    interface = request[USER].interface
    if not interface:
        raise ConsoleError(409, "your user has no phone (interface): ask an admin to set one")
    return interface


async def available_queues(app: web.Application) -> list[str]:
    """The queues Asterisk has (QueueSummary), cached briefly."""
    cache = app[_queue_cache_key]
    if time.monotonic() - cache.get("at", float("-inf")) > QUEUES_CACHE_SECONDS:
        items = await _server(app).ami.event_list({"Action": "QueueSummary"})
        cache["queues"] = sorted({i["Queue"] for i in items if i.get("Queue")})
        cache["at"] = time.monotonic()
    return cache["queues"]


# --- the page --------------------------------------------------------------------------------


async def console_page(request: web.Request) -> web.Response:
    user = request[USER]
    session = request.get(SESSION)
    server = request.app.get(server_key)
    config = {
        "csrf": session.csrf_token if session else "",
        "user": user.display_name,
        "interface": user.interface or "",
        "pauseReasons": [r for r in (server.agent_control.pause_reasons if server else ())
                         if r != "after-call work"],
    }
    html = render("console.html", user=user, csrf_token=config["csrf"],
                  config=Markup(json.dumps(config, ensure_ascii=False).replace("<", "\\u003c")))
    return web.Response(text=html, content_type="text/html", charset="utf-8",
                        headers={"Cache-Control": "no-store"})


def _static(name: str, content_type: str):
    async def serve(request: web.Request) -> web.Response:
        return web.Response(text=(STATIC / name).read_text("utf-8"), content_type=content_type,
                            charset="utf-8", headers={"Cache-Control": "no-cache"})
    serve.__name__ = f"console_{name.replace('.', '_')}"
    return serve


# --- the agent's state and queues ------------------------------------------------------------


@_json_errors
async def agent_state(request: web.Request) -> dict:
    interface = _interface(request)
    server = _server(request.app)
    view = server.feed.agents.agents().get(interface)
    return {
        "interface": interface,
        "state": view.state if view else "logged out",
        "reason": view.reason if view else "",
        "since": view.since if view else None,
        "now": time.time(),
        "queues": sorted(server.feed.agents.queues_of(interface)),
        "available": await available_queues(request.app),
        "pending_wrapups": sorted(server.wrapups.pending(interface)),
    }


def _queue_list(data: dict, *, required: bool) -> list[str] | None:
    queues = data.get("queues")
    if queues is None and not required:
        return None
    if not (isinstance(queues, list) and 0 < len(queues) <= 50
            and all(isinstance(q, str) and QUEUE_NAME.match(q) for q in queues)):
        raise ConsoleError(400, "'queues' must be a list of 1 to 50 queue names")
    return queues


@_json_errors
async def agent_login(request: web.Request) -> dict:
    interface = _interface(request)
    queues = _queue_list(await _body(request), required=True)
    unknown = set(queues) - set(await available_queues(request.app))
    if unknown:
        raise ConsoleError(400, f"no such queue: {', '.join(sorted(unknown))}")
    await _server(request.app).agent_control.log_in(
        interface, queues, name=request[USER].display_name, state_interface=state_interface(interface))
    return {"ok": True, "queues": queues}


@_json_errors
async def agent_logout(request: web.Request) -> dict:
    interface = _interface(request)
    server = _server(request.app)
    mine = server.feed.agents.queues_of(interface)
    queues = _queue_list(await _body(request), required=False) or sorted(mine)
    if not queues:
        raise ConsoleError(409, "you are not logged in to any queue")
    await server.agent_control.log_out(interface, queues)
    return {"ok": True, "queues": queues}


@_json_errors
async def agent_pause(request: web.Request) -> dict:
    interface = _interface(request)
    reason = (await _body(request)).get("reason")
    if not isinstance(reason, str):
        raise ConsoleError(400, "'reason' is required")
    await _server(request.app).agent_control.pause(interface, reason)
    return {"ok": True, "reason": reason}


@_json_errors
async def agent_unpause(request: web.Request) -> dict:
    interface = _interface(request)
    server = _server(request.app)
    if server.wrapups.pending(interface):
        raise ConsoleError(409, "give a disposition for your last call first")
    await server.agent_control.unpause(interface)
    return {"ok": True}


# --- call controls and scripts ---------------------------------------------------------------


@_json_errors
async def call_action(request: web.Request) -> dict:
    data = await _body(request)
    return await call_control(request.app).act(request[USER], request.match_info["action"], data)


def _script_owner(request: web.Request) -> Owner:
    given = [(kind, request.query[kind]) for kind in ("queue", "campaign") if kind in request.query]
    if len(given) != 1:
        raise ConsoleError(400, "give either 'queue' or 'campaign'")
    try:
        return Owner(*given[0])
    except ValueError as exc:
        raise ConsoleError(400, str(exc)) from None


@_json_errors
async def script(request: web.Request) -> dict:
    owner = _script_owner(request)
    found = await get_script(request.app[db_key], owner)
    if found is None:
        return {"script": None}
    customer = None
    raw_id = request.query.get("customer_id", "")
    if raw_id:
        if not raw_id.isdigit() or len(raw_id) > 9:
            raise ConsoleError(400, "'customer_id' must be a customer id")
        customer = await customer_details(request.app[db_key], int(raw_id), await request_scope(request))
        if customer is None:
            raise ConsoleError(404, "not found")
    try:
        text = render_script(found.body, customer, request[USER].display_name)
    except ScriptError as exc:
        broken = f"the script for {owner.kind} {owner.name} is broken: {exc}"
        raise ConsoleError(500, broken) from None
    return {"script": text, "title": found.title, owner.kind: owner.name}


def add_routes(app: web.Application) -> None:
    app[_queue_cache_key] = {}
    app.router.add_get("/console", console_page)
    app.router.add_get("/console/console.js", _static("console.js", "application/javascript"))
    app.router.add_get("/console/console.css", _static("console.css", "text/css"))
    app.router.add_get("/api/agent/state", agent_state)
    app.router.add_post("/api/agent/login", agent_login)
    app.router.add_post("/api/agent/logout", agent_logout)
    app.router.add_post("/api/agent/pause", agent_pause)
    app.router.add_post("/api/agent/unpause", agent_unpause)
    app.router.add_post("/api/call/{action}", call_action)
    app.router.add_get("/api/script", script)
