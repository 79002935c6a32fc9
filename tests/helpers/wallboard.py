"""The wallboard in tests: a floor (an agent and the supervisor leading it), a wallboard page
fed snapshots of the test's own making, and a logged-in session without a browser (the login
form, the wallboard's actions and its websocket's latest snapshot); the keyword alerts a
wallboard's socket hears."""
from __future__ import annotations

import asyncio
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import aiohttp
from playwright.async_api import Page

from asterisk_conf.simulation import agent_member
from crm_core.db import Database
from crm_core.teams import set_led_teams
from crm_core.users import ensure_user

PASSWORD = "wallboard test password"
AGENT_NAME = "Olga Petrova 张伟"


@dataclass(frozen=True)
class Floor:
    ext: str
    interface: str
    agent: str
    agent_name: str
    supervisor: str


async def make_floor(db: Database, ext: str, *, supervisor_has_phone: bool = True) -> Floor:
    """The agent on simulated extension EXT in a team of its own and a supervisor leading it
    (with a phone to listen on, unless told otherwise)."""
    interface, _ = agent_member(ext)
    team = f"floor-{uuid.uuid4().hex[:8]}"
    await ensure_user(db, f"agent{ext}", display_name=AGENT_NAME, role="agent", extension=ext,
                      interface=interface, team=team, password=PASSWORD)
    supervisor = f"boss-{uuid.uuid4().hex[:8]}"
    phone = f"Local/{supervisor}@sim-supervisor" if supervisor_has_phone else None
    supervisor_id, _ = await ensure_user(db, supervisor, display_name="Søren Supervisor",
                                         role="supervisor", password=PASSWORD, interface=phone)
    await set_led_teams(db, supervisor_id, [team])
    return Floor(ext, interface, f"agent{ext}", AGENT_NAME, supervisor)


FAKE_SOCKET = """
window.__sockets = [];
window.WebSocket = class {
  constructor(url) { this.url = url; window.__sockets.push(this);
                     setTimeout(() => this.onopen && this.onopen(), 0); }
  send() {}
  close() {}
};
"""
"""An init script standing in for the page's WebSocket: the test pushes the snapshots (push)."""


async def push(page: Page, snapshot: dict) -> None:
    """The wallboard page (FAKE_SOCKET) receives SNAPSHOT (QueueStats.snapshot) as a full update."""
    message = {**snapshot, "type": "stats", "event_at": snapshot["at"], "full": True}
    await page.evaluate("m => window.__sockets.at(-1).onmessage({data: JSON.stringify(m)})", message)


class Browser:
    """A logged-in browser session against the running product: cookie, CSRF token, wallboard
    websocket with the latest snapshot."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.csrf = ""
        self.latest: dict = {}
        self._updated = asyncio.Event()
        self._reader: asyncio.Task | None = None

    async def log_in(self, username: str, password: str, page: str = "/wallboard") -> int:
        """Through the login form; the status of the page it leads to."""
        form = await (await self.http.get(f"{self.url}/login")).text()
        token = re.search(r'name="csrf_token" value="([^"]*)"', form).group(1)
        response = await self.http.post(f"{self.url}/login", data={
            "csrf_token": token, "username": username, "password": password, "next": page})
        found = re.search(r'name="csrf_token" value="([^"]*)"', await response.text())
        if response.status == 200 and found:
            self.csrf = found.group(1)
        return response.status

    async def act(self, **body: str) -> tuple[int, dict]:
        response = await self.http.post(f"{self.url}/wallboard/actions", json=body,
                                        headers={"X-CSRF-Token": self.csrf})
        return response.status, await response.json()

    async def follow_wallboard(self) -> None:
        ws = await self.http.ws_connect(f"{self.url}/ws/wallboard")

        async def read() -> None:
            async for message in ws:
                if message.type == aiohttp.WSMsgType.TEXT:
                    self.latest = message.json()
                    self._updated.set()

        self._reader = asyncio.ensure_future(read())

    async def agent_until(self, interface: str, check: Callable[[dict], bool], timeout: float = 10) -> dict:
        """The agent's figures on the wallboard once ``check`` holds for them."""
        deadline = time.monotonic() + timeout
        while True:
            agent = self.latest.get("agents", {}).get(interface)
            if agent is not None and check(agent):
                return agent
            left = deadline - time.monotonic()
            assert left > 0, f"wallboard never showed it; last: {agent}"
            self._updated.clear()
            try:
                await asyncio.wait_for(self._updated.wait(), left)
            except asyncio.TimeoutError:
                pass

    async def close(self) -> None:
        if self._reader:
            self._reader.cancel()
        await self.http.close()


class KeywordAlerts:
    """The ``keyword_alert`` messages of a wallboard socket, kept as they come while open."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.heard: list[dict] = []
        self._ws = ws
        self._reader: asyncio.Future | None = None

    async def __aenter__(self) -> KeywordAlerts:
        self._reader = asyncio.ensure_future(self._read())
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._reader is not None:
            self._reader.cancel()
        await self._ws.close()

    async def _read(self) -> None:
        async for message in self._ws:
            data = message.json()
            if data.get("type") == "keyword_alert":
                self.heard.append(data)

    async def of(self, call_key: str) -> list[dict]:
        """The alerts of CALL_KEY heard so far (for ``poll_until``)."""
        return [a for a in self.heard if a["call_key"] == call_key]
