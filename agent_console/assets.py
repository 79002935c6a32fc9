"""The pages' stylesheets and scripts that were inline before the Content-Security-Policy
(headers.py) allowed only this site's own files:

- ``GET /login/login.css``: the login page's style (public, as the login page is);
- ``GET /wallboard/wallboard.css``: the wallboard's (supervisors and admins, as its page);
- ``GET /softphone/page.js``: the bare softphone page's script (agents, as its page);
- ``GET /campaigns/campaigns.js``, ``/campaigns/campaigns.css``: the campaigns page's
  (admins and supervisors, as its page);
- ``GET /recordings/recordings.js``, ``/recordings/recordings.css``: the recordings' player (any
  logged-in user: the console and the recording's page have it);
- ``GET /admin/ivr/ivr.js``, ``/admin/ivr/ivr.css``: the IVR page's (admins and supervisors);
- ``GET /page/page.css``: what the pages built on layout.html share (any logged-in user);
- ``GET /i18n/i18n.js``: translations and locale formatting for every page's script (any
  logged-in user; each page carries its own catalog);
- ``GET /i18n/language.js``: the pages' language chooser (public: the login page has it).

They are marked ``page`` as the pages are: refusals redirect to the login or are plain text.

- ``GET /favicon.ico`` and ``/favicon.svg``: the site's icon (a headset), public: it is no data,
  and browsers ask for /favicon.ico on every page by themselves, logged in or not.
"""
from __future__ import annotations

from pathlib import Path

from aiohttp import web

from ctiserver.acd.wallboard import WALLBOARD_ROLES
from dialer.campaigns import CAMPAIGN_MANAGERS

from .auth import Handler, every_role, page, public, require_role

STATIC = Path(__file__).with_name("static")
TYPES = {".css": "text/css", ".js": "application/javascript"}
ICON_CACHE = "public, max-age=86400"
"""The icon changes with releases at most: browsers keep it a day."""


def _serve(name: str) -> Handler:
    path = STATIC / name

    @page
    async def serve(request: web.Request) -> web.Response:
        return web.Response(text=path.read_text("utf-8"), content_type=TYPES[path.suffix],
                            charset="utf-8", headers={"Cache-Control": "no-cache"})
    serve.__name__ = f"asset_{name.replace('.', '_')}"
    return serve


def _icon() -> Handler:
    body = (STATIC / "favicon.svg").read_bytes()

    async def favicon(request: web.Request) -> web.Response:
        return web.Response(body=body, content_type="image/svg+xml",
                            headers={"Cache-Control": ICON_CACHE})
    return favicon


def add_routes(app: web.Application) -> None:
    icon = public(_icon())
    app.router.add_get("/favicon.ico", icon)
    app.router.add_get("/favicon.svg", icon)
    app.router.add_get("/login/login.css", public(_serve("login.css")))
    app.router.add_get("/i18n/i18n.js", every_role(_serve("i18n.js")))
    app.router.add_get("/page/page.css", every_role(_serve("page.css")))
    app.router.add_get("/live/socket.js", every_role(_serve("livesocket.js")))
    app.router.add_get("/i18n/language.js", public(_serve("language.js")))
    app.router.add_get("/wallboard/wallboard.css",
                       require_role(*WALLBOARD_ROLES)(_serve("wallboard.css")))
    app.router.add_get("/softphone/page.js", require_role("agent")(_serve("softphone_page.js")))
    for name in ("recordings.js", "recordings.css"):
        app.router.add_get(f"/recordings/{name}", _serve(name))
    for name in ("ivr.js", "ivr.css"):
        app.router.add_get(f"/admin/ivr/{name}", require_role("admin", "supervisor")(_serve(name)))
    for name in ("campaigns.js", "campaigns.css"):
        app.router.add_get(f"/campaigns/{name}", require_role(*CAMPAIGN_MANAGERS)(_serve(name)))
