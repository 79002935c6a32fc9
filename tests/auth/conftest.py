"""The whole web app (CTI server routes + console) on an aiohttp test server, real PostgreSQL."""
from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from callcenter.runtime import build_web_app
from callcenter.settings import Settings
from crm_core.db import Database
from crm_core.users import create_user
from ctiserver.server import CTIServer

PASSWORD = "correct horse battery"


def build_app(settings: Settings, db: Database) -> web.Application:
    """The production app, as callcenter.runtime.start_services builds it, without starting
    the CTI server."""
    return build_web_app(settings, db, CTIServer(settings, db, ami_secret="unused"), None)


@dataclass(frozen=True)
class Account:
    id: int
    username: str
    password: str
    token: str


async def make_user(db: Database, role: str = "agent", *, team: str | None = None) -> Account:
    username = f"{role}-{uuid.uuid4().hex[:10]}"
    user_id, token = await create_user(
        db, username, display_name=username.title(), role=role, team=team, password=PASSWORD
    )
    return Account(user_id, username, PASSWORD, token)


@pytest_asyncio.fixture(loop_scope="session")
async def client(settings: Settings, db: Database) -> AsyncIterator[TestClient]:
    async with TestClient(TestServer(build_app(settings, db))) as test_client:
        yield test_client


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
