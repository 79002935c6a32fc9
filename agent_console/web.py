"""Agent console web app: login, the console page, the admin API, and the access rules that
guard every route of the application (see auth.py)."""
from __future__ import annotations

from aiohttp import web

from crm_core.db import Database
from ctiserver.web import current_user

from . import admin, login, softphone, wallboard, work_api
from .auth import SESSION, auth_middleware, db_key
from .pages import render


async def console_page(request: web.Request) -> web.Response:
    user = await current_user(request)
    session = request.get(SESSION)
    html = render("console.html", user=user, csrf_token=session.csrf_token if session else "")
    return web.Response(text=html, content_type="text/html", charset="utf-8")


def add_routes(app: web.Application, db: Database) -> None:
    """Mount the console on the CTI server's app; from here on every route of ``app``, the
    CTI server's too, needs a logged-in user unless marked public."""
    app[db_key] = db
    app.middlewares.append(auth_middleware)
    login.add_routes(app)
    admin.add_routes(app)
    app.router.add_get("/console", console_page)
    wallboard.add_routes(app)
    work_api.add_routes(app)
    softphone.add_routes(app)
