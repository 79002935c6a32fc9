"""A logged-in browser session against the running product, without a browser: the login form,
the wallboard's actions and its websocket's latest snapshot."""
from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable

import aiohttp


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
