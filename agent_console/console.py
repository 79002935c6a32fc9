"""The agent's console page and its control routes (JSON; browser sessions send X-CSRF-Token).

- ``GET /console``, ``/console/console.js``, ``/console/console.css``: the page.
- ``GET /api/agent/state``: the agent's live state (from the agent state machine), the queues
  they are in and the queues Asterisk has (to log in to), the pause reasons, the calls waiting
  for the agent's wrap-up (``pending_wrapups``; ``pending_complete`` false while a restarted
  CTI server has not taken over the ones from before yet).
- ``POST /api/agent/login`` ``{"queues": [...]}``, ``/logout`` ``{"queues"?: [...]}`` (default:
  all the agent's queues), ``/pause`` ``{"reason"}``, ``/unpause`` ``{}``: the agent's own
  queue membership (AgentControl with the user's interface).
- ``POST /api/call/{action}``: hangup ``{}``, hold / unhold ``{}``, transfer / atxfer
  ``{"kind": "extension|queue|number", "target"}``, atxfer_cancel ``{}`` (hang up completes an
  attended transfer), conference ``{}``, dial ``{"number"}``, dtmf ``{"digits"}`` on the
  agent's own call (ctiserver.control.callcontrol).
- ``POST /api/preview/dial`` ``{}``, ``/skip`` ``{}``: the lead the dialer reserved for the agent
  (dialer.desk): ring the agent's phone, then the lead; or give the lead back.
- ``GET /api/script?queue=|campaign=&customer_id=``: the queue's or campaign's telemarketing
  script from the CRM rendered with the customer's fields (crm_core.scripts),
  ``{"script": null}`` when it has none; a 500 that says why when the script fails to render.

Bodies and answers: agent_console.schemas (the call controls': ctiserver.control.schemas).
Errors: ``{"error": "..."}`` with 400 (bad input), 403 (the dial policy refuses the number: the
reason in words), 404, 409 (no call, no phone, not logged in), 502 (Asterisk refused); one error middleware answers them (ctiserver.web.errors).
"""
from __future__ import annotations

import time
from pathlib import Path

from aiohttp import web

from callcenter.errors import Broken, Conflict, Invalid, NotFound, Unavailable
from crm_core.customers import customer_details
from crm_core.db import Database
from crm_core.dispositions import Owner
from crm_core.scripts import ScriptError, get_script, render_script
from ctiserver.acd.agentcontrol import AgentControl
from ctiserver.acd.agentstate import AgentStateMachine
from ctiserver.acd.queuenames import QueueNames
from ctiserver.acd.wrapup import WrapupGate
from ctiserver.control.callcontrol import CallControl
from ctiserver.control.schemas import CallControlResult
from dialer.desk import PreviewDesk

from .auth import USER, page
from .jsonbody import answer, json_object, query, read
from .pages import html_page
from .schemas import (
    AgentState, Done, LogoutBody, PauseBody, Paused, PreviewDialed, PreviewSkipped, QueuesBody,
    QueuesDone, RenderedScript, ScriptQuery,
)
from .work_api import Scopes

STATIC = Path(__file__).with_name("static")
MAX_BODY = 4096


def _interface(request: web.Request) -> str:
    interface = request[USER].interface
    if not interface:
        raise Conflict("your user has no phone (interface): ask an admin to set one")
    return interface


class AgentResource:
    """The agent's own state, queue membership and call controls."""

    def __init__(self, agent_control: AgentControl, agents: AgentStateMachine,
                 wrapups: WrapupGate, call_control: CallControl, queues: QueueNames,
                 desk: PreviewDesk | None = None) -> None:
        self.agent_control = agent_control
        self.desk = desk
        self.agents = agents
        self.wrapups = wrapups
        self.call_control = call_control
        self.queues = queues

    async def state(self, request: web.Request) -> web.Response:
        interface = _interface(request)
        view = self.agents.agents().get(interface)
        return answer(AgentState, {
            "interface": interface,
            "state": view.state if view else "logged out",
            "reason": view.reason if view else "",
            "since": view.since if view else None,
            "now": time.time(),
            "queues": sorted(self.agents.queues_of(interface)),
            "available": await self.queues.names(),
            "pending_wrapups": sorted(self.wrapups.pending(interface)),
            "pending_complete": self.wrapups.restored,
        })

    async def login(self, request: web.Request) -> web.Response:
        interface = _interface(request)
        queues = (await read(request, QueuesBody, MAX_BODY, empty={})).queues
        unknown = set(queues) - set(await self.queues.names())
        if unknown:
            raise Invalid("no such queue: {queues}", queues=", ".join(sorted(unknown)))
        await self.agent_control.log_in(interface, queues, name=request[USER].display_name)
        return answer(QueuesDone, {"queues": queues})

    async def logout(self, request: web.Request) -> web.Response:
        interface = _interface(request)
        body = await read(request, LogoutBody, MAX_BODY, empty={})
        queues = body.queues or sorted(self.agents.queues_of(interface))
        if not queues:
            raise Conflict("you are not logged in to any queue")
        await self.agent_control.log_out(interface, queues)
        return answer(QueuesDone, {"queues": queues})

    async def pause(self, request: web.Request) -> web.Response:
        interface = _interface(request)
        reason = (await read(request, PauseBody, MAX_BODY, empty={})).reason
        await self.agent_control.pause(interface, reason)
        return answer(Paused, {"reason": reason})

    async def unpause(self, request: web.Request) -> web.Response:
        await self.wrapups.unpause(_interface(request))
        return answer(Done, {})

    def _desk(self) -> PreviewDesk:
        if self.desk is None:
            raise Unavailable("the dialer is not running here")
        return self.desk

    async def preview_dial(self, request: web.Request) -> web.Response:
        lead_id, call_id = await self._desk().dial(_interface(request))
        return answer(PreviewDialed, {"lead_id": lead_id, "call_id": call_id})

    async def preview_skip(self, request: web.Request) -> web.Response:
        lead_id = await self._desk().skip(_interface(request))
        return answer(PreviewSkipped, {"lead_id": lead_id})

    async def call_action(self, request: web.Request) -> web.Response:
        result = await self.call_control.act(request[USER], request.match_info["action"],
                                             await json_object(request, MAX_BODY, empty={}))
        return answer(CallControlResult, result, exclude_none=True)


# --- the page --------------------------------------------------------------------------------


def console_page(pause_reasons: tuple[str, ...]):
    offered = [r for r in pause_reasons if r != "after-call work"]

    @page
    async def console(request: web.Request) -> web.Response:
        user = request[USER]
        return html_page(request, "console.html", user=user, config={
            "user": user.display_name, "interface": user.interface or "", "pauseReasons": offered})
    return console


def _static(name: str, content_type: str):
    @page
    async def serve(request: web.Request) -> web.Response:
        return web.Response(text=(STATIC / name).read_text("utf-8"), content_type=content_type,
                            charset="utf-8", headers={"Cache-Control": "no-cache"})
    serve.__name__ = f"console_{name.replace('.', '_')}"
    return serve


def _script_owner(asked: ScriptQuery) -> Owner:
    given = [(kind, name) for kind, name in (("queue", asked.queue), ("campaign", asked.campaign))
             if name is not None]
    if len(given) != 1:
        raise Invalid("give either 'queue' or 'campaign'")
    return Owner(*given[0])


class ConsoleScripts:
    """The console's telemarketing script: the CRM's (``db``) script for the call's queue or
    campaign, rendered with the customer's fields (customers as ``scopes`` allow)."""

    def __init__(self, db: Database, scopes: Scopes) -> None:
        self.db = db
        self.scopes = scopes

    async def script(self, request: web.Request) -> web.Response:
        asked = query(request, ScriptQuery)
        owner = _script_owner(asked)
        found = await get_script(self.db, owner)
        if found is None:
            return answer(RenderedScript, {"script": None}, exclude_unset=True)
        customer = None
        if asked.customer_id is not None:
            customer = await customer_details(self.db, int(asked.customer_id),
                                              await self.scopes.of(request[USER]))
            if customer is None:
                raise NotFound("not found")
        try:
            text = render_script(found.body, customer, request[USER].display_name)
        except ScriptError as exc:  # the admin's script is broken, not the agent's request
            raise Broken("the script for {kind} {name} is broken: {problem}", kind=owner.kind,
                         name=owner.name, problem=exc) from None
        return answer(RenderedScript, {"script": text, "title": found.title,
                                       owner.kind: owner.name}, exclude_unset=True)


def add_routes(app: web.Application, agent: AgentResource, scripts: ConsoleScripts) -> None:
    app.router.add_get("/console", console_page(agent.agent_control.pause_reasons))
    app.router.add_get("/console/console.js", _static("console.js", "application/javascript"))
    app.router.add_get("/console/console.css", _static("console.css", "text/css"))
    app.router.add_get("/api/agent/state", agent.state)
    app.router.add_post("/api/agent/login", agent.login)
    app.router.add_post("/api/agent/logout", agent.logout)
    app.router.add_post("/api/agent/pause", agent.pause)
    app.router.add_post("/api/agent/unpause", agent.unpause)
    app.router.add_post("/api/call/{action}", agent.call_action)
    app.router.add_post("/api/preview/dial", agent.preview_dial)
    app.router.add_post("/api/preview/skip", agent.preview_skip)
    app.router.add_get("/api/script", scripts.script)
