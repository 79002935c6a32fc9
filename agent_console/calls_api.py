"""One call's details for the after-call form (JSON), so that any tab rebuilds a pending
wrap-up from the server: a new tab or browser, a reload, a crash, a CTI restart.

- ``GET /api/calls/{call_key}``: schemas.CallDetails for a call the user may wrap up (their
  own: the CRM's row names them, it popped on their console, or the after-call gate holds it
  for their phone) or, read-only, one their scope covers (a supervisor's team, an admin).
  ``pending``: the after-call gate waits for the user's wrap-up of it. ``recorded`` false: the
  CRM row is not written yet (the writer batches for a few hundred ms after the hangup); what
  the pop said is given meanwhile, ask again for the rest. 404 for anything else, exactly as
  for a call that does not exist.

``GET /api/agent/state`` lists the call keys waiting (``pending_wrapups``); wrap-ups are
stored with ``POST /api/calls/{call_key}/wrapup`` (work_api).
"""
from __future__ import annotations

from aiohttp import web

from callcenter.errors import NotFound
from crm_core.db import Database
from crm_core.worklog import call_details

from .auth import USER
from .console import AgentResource
from .jsonbody import NO_STORE, answer
from .schemas import CallDetails
from .work_api import Scopes

MAX_CALL_KEY = 200


class CallsResource:
    """The calls in ``db`` as ``scopes`` allow, and whether the after-call gate waits for
    their wrap-up: the gate ``agent`` (the console's own routes) asks at the time, which a
    restarted gate replaces."""

    def __init__(self, db: Database, scopes: Scopes, agent: AgentResource) -> None:
        self.db = db
        self.scopes = scopes
        self.agent = agent

    async def call(self, request: web.Request) -> web.Response:
        call_key, user = request.match_info["call_key"], request[USER]
        if len(call_key) > MAX_CALL_KEY:
            raise NotFound("not found")
        details = await call_details(self.db, call_key, await self.scopes.of(user),
                                     self.scopes.working.popped(user.id, call_key))
        if details is None:
            raise NotFound("not found")
        gate = self.agent.wrapups
        pending = bool(user.interface) and call_key in gate.pending(user.interface)
        return answer(CallDetails, {**details, "pending": pending}, headers=NO_STORE)


def add_routes(app: web.Application, calls: CallsResource) -> None:
    app.router.add_get("/api/calls/{call_key}", calls.call)
