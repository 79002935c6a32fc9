"""The production web app on an aiohttp test client: building it and logging in through its form."""
from __future__ import annotations

import re
from typing import TypeVar

from aiohttp import web
from aiohttp.test_utils import TestClient

from callcenter.runtime import build_web_app
from callcenter.settings import Settings
from crm_core.db import Database
from ctiserver.server import CTIServer

from tests.helpers.accounts import Account

T = TypeVar("T")


def build_app(settings: Settings, db: Database) -> web.Application:
    """The production app, as callcenter.runtime.start_services builds it, without starting
    the CTI server."""
    return build_app_and_server(settings, db)[0]


def build_app_and_server(settings: Settings, db: Database) -> tuple[web.Application, CTIServer]:
    """build_app, and the CTI server (not started) it serves."""
    server = CTIServer(settings, db, ami_secret="unused")
    return build_web_app(settings, db, server, None), server


def form_csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]*)"', html).group(1)


async def post_login(client: TestClient, username: str, password: str, **extra: str):
    """Fetch the form (for its CSRF token), then submit it; redirects are not followed."""
    page = await client.get("/login")
    data = {"csrf_token": form_csrf(await page.text()), "username": username,
            "password": password, **extra}
    return await client.post("/login", data=data, allow_redirects=False)


async def log_in(client: TestClient, account: Account) -> str:
    """Log in; returns the session's CSRF token (as the console page carries it)."""
    response = await post_login(client, account.username, account.password)
    assert response.status == 303, await response.text()
    console = await client.get("/console")
    assert console.status == 200
    return form_csrf(await console.text())


def route_owner(app: web.Application, kind: type[T]) -> T:
    """The KIND object serving some of APP's routes (their handlers are its bound methods): the
    services a resource was built with, as the running app uses them."""
    for route in app.router.routes():
        owner = getattr(route.handler, "__self__", None)
        if isinstance(owner, kind):
            return owner
    raise AssertionError(f"no {kind.__name__} serves the app's routes")
