"""Agent console web app: login, the console page, the admin API, and the access rules that
guard every route of the application (see auth.py)."""
from __future__ import annotations

from aiohttp import web

from crm_core.db import Database

from . import admin, console, login, scripts_api, softphone, wallboard, work_api
from .auth import auth_middleware, db_key


def add_routes(app: web.Application, db: Database) -> None:
    """Mount the console on the CTI server's app; from here on every route of ``app``, the
    CTI server's too, needs a logged-in user unless marked public."""
    app[db_key] = db
    app.middlewares.append(auth_middleware)
    login.add_routes(app)
    admin.add_routes(app)
    scripts_api.add_routes(app)
    wallboard.add_routes(app)
    work_api.add_routes(app)
    console.add_routes(app)
    softphone.add_routes(app)
