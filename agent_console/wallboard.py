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

import json
from pathlib import Path

from aiohttp import web

from crm_core.teams import visible_user_ids
from crm_core.users import users_by_interface
from ctiserver.acd.stats import DEFAULT_SL_VARIANT, SL_VARIANTS
from callcenter.errors import Forbidden
from ctiserver.acd.spy import SPY_OPTIONS
from ctiserver.acd.supervision import Supervision
from ctiserver.acd.wallboard import WALLBOARD_ROLES
from agent_console.auth import USER

from .auth import SESSION, db_key, require_role
from .jsonbody import json_object
from .pages import render

SCRIPT = Path(__file__).with_name("static") / "wallboard.js"
MAX_BODY = 4096
supervision_key = web.AppKey("supervision", Supervision)


async def _directory(request: web.Request) -> dict[str, dict]:
    """Display names of the agents this user may see, by interface (the statistics know
    only the queue member names)."""
    db, user = request.app[db_key], request[USER]
    visible = await visible_user_ids(db, user)
    return {
        interface: {"name": u.display_name, "extension": u.extension, "team": u.team}
        for interface, u in (await users_by_interface(db)).items()
        if visible is None or u.id in visible
    }


@require_role(*WALLBOARD_ROLES)
async def wallboard_page(request: web.Request) -> web.Response:
    user = request[USER]
    session = request.get(SESSION)
    config = {
        "csrf": session.csrf_token if session else "",
        "pauseReasons": list(request.app[supervision_key].pause_reasons),
        "spyModes": list(SPY_OPTIONS),
        "canSpy": bool(user.interface),
        "slVariant": DEFAULT_SL_VARIANT,
        "slFormula": SL_VARIANTS[DEFAULT_SL_VARIANT],
        "directory": await _directory(request),
    }
    html = render("wallboard.html", user=user, config=json.dumps(config, ensure_ascii=False),
                  csrf_token=config["csrf"], sl_formula=config["slFormula"])
    return web.Response(text=html, content_type="text/html", charset="utf-8",
                        headers={"Cache-Control": "no-store"})


@require_role(*WALLBOARD_ROLES)
async def wallboard_script(request: web.Request) -> web.Response:
    return web.Response(text=SCRIPT.read_text("utf-8"), content_type="application/javascript",
                        charset="utf-8", headers={"Cache-Control": "no-cache"})


async def wallboard_action(request: web.Request) -> web.Response:
    user = request[USER]
    if user.role not in WALLBOARD_ROLES:
        raise Forbidden("supervisor actions are for supervisors and admins")
    data = await json_object(request, MAX_BODY)
    result = await request.app[supervision_key].act(user, data)
    return web.json_response(result.model_dump(exclude_none=True))


def add_routes(app: web.Application, supervision: Supervision) -> None:
    app[supervision_key] = supervision
    app.router.add_get("/wallboard", wallboard_page)
    app.router.add_get("/wallboard/wallboard.js", wallboard_script)
    app.router.add_post("/wallboard/actions", wallboard_action)
