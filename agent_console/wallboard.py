"""The supervisors' wallboard page and their actions on agents.

- ``GET /wallboard``: the page (supervisors and admins). Its script follows ``/ws/wallboard``
  (pushed statistics, no polling) and posts actions with the session's CSRF token.
- ``GET /wallboard/wallboard.js``: that script (same roles).
- ``POST /wallboard/actions``: JSON ``{"action": "listen|whisper|barge|pause|unpause|logout",
  "agent": "<queue member interface>", "reason": "<pause reason, pause only>"}``; answers
  ``{"ok": true, ...}`` or ``{"error": "..."}`` with 400 (bad request), 403 (not your team's
  agent), 409 (no phone to listen on, agent not on a call or not logged in), 502 (Asterisk
  refused).
"""
from __future__ import annotations

from pathlib import Path

from aiohttp import web

from callcenter.errors import Forbidden
from crm_core.db import Database
from crm_core.teams import visible_user_ids
from crm_core.users import users_by_interface
from crm_core.values import UserInfo
from ctiserver.acd.spy import SPY_OPTIONS
from ctiserver.acd.supervision import SupervisorResult, Supervision
from ctiserver.acd.wallboard import WALLBOARD_ROLES

from .auth import USER, page, require_role
from .jsonbody import answer, json_object
from .pages import html_page

SCRIPT = Path(__file__).with_name("static") / "wallboard.js"
MAX_BODY = 4096


class WallboardResource:
    """The wallboard page for the users of ``db`` and the supervisors' actions
    (``supervision``)."""

    def __init__(self, db: Database, supervision: Supervision) -> None:
        self.db = db
        self.supervision = supervision

    async def _directory(self, user: UserInfo) -> dict[str, dict]:
        """Display names of the agents this user may see, by interface (the statistics know
        only the queue member names)."""
        visible = await visible_user_ids(self.db, user)
        return {
            interface: {"name": u.display_name, "extension": u.extension, "team": u.team}
            for interface, u in (await users_by_interface(self.db)).items()
            if visible is None or u.id in visible
        }

    @page
    @require_role(*WALLBOARD_ROLES)
    async def wallboard_page(self, request: web.Request) -> web.Response:
        user = request[USER]
        return html_page(request, "wallboard.html", user=user, config={
            "pauseReasons": list(self.supervision.pause_reasons),
            "spyModes": list(SPY_OPTIONS),
            "canSpy": bool(user.interface),
            "directory": await self._directory(user),
        })

    @page
    @require_role(*WALLBOARD_ROLES)
    async def wallboard_script(self, request: web.Request) -> web.Response:
        return web.Response(text=SCRIPT.read_text("utf-8"), content_type="application/javascript",
                            charset="utf-8", headers={"Cache-Control": "no-cache"})

    async def action(self, request: web.Request) -> web.Response:
        user = request[USER]
        if user.role not in WALLBOARD_ROLES:
            raise Forbidden("supervisor actions are for supervisors and admins")
        result = await self.supervision.act(user, await json_object(request, MAX_BODY))
        return answer(SupervisorResult, result, exclude_none=True)


def add_routes(app: web.Application, wallboard: WallboardResource) -> None:
    app.router.add_get("/wallboard", wallboard.wallboard_page)
    app.router.add_get("/wallboard/wallboard.js", wallboard.wallboard_script)
    app.router.add_post("/wallboard/actions", wallboard.action)
