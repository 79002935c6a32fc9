"""The README's demo command as a subprocess on its own data folder, sandbox instance and ports
(the test slot's own, shifted), and what tells it is up or gone."""
from __future__ import annotations

import asyncio
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TypeVar

import aiohttp
import pytest

from asterisk_conf.sandbox import Sandbox
from callcenter.settings import Settings
from crm_core.db import stop_embedded_postgres

T = TypeVar("T")

PORT_SHIFT = 50
"""The demo's ports: the test slot's own, shifted (slots are 100 apart)."""


def demo_settings(settings: Settings) -> Settings:
    return Settings(
        data_dir=settings.data_dir / "demo",
        sandbox_name=f"{settings.sandbox_name}demo",
        ami_port=settings.ami_port + PORT_SHIFT,
        sandbox_sip_port=settings.sandbox_sip_port + PORT_SHIFT,
        sandbox_http_port=settings.sandbox_http_port + PORT_SHIFT,
        fastagi_port=settings.fastagi_port + PORT_SHIFT,
        http_port=settings.http_port + PORT_SHIFT,
    )


def environment(s: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALLCENTER_") and k != "DATABASE_URL"}
    return env | {
        "CALLCENTER_DATA_DIR": str(s.data_dir), "CALLCENTER_SANDBOX_NAME": s.sandbox_name,
        "CALLCENTER_AMI_PORT": str(s.ami_port), "CALLCENTER_SANDBOX_SIP_PORT": str(s.sandbox_sip_port),
        "CALLCENTER_SANDBOX_HTTP_PORT": str(s.sandbox_http_port),
        "CALLCENTER_FASTAGI_PORT": str(s.fastagi_port), "CALLCENTER_HTTP_PORT": str(s.http_port),
        "PYTHONUNBUFFERED": "1",
    }


async def in_thread(blocking: Callable[..., T], *args: object) -> T:
    return await asyncio.get_running_loop().run_in_executor(None, blocking, *args)


def callcenter_command() -> str:
    return str(Path(sys.executable).with_name("callcenter"))


def run_cli(s: Settings, *args: str) -> str:
    """`callcenter ARGS` against the demo's settings: its output, once it succeeded. Blocking."""
    done = subprocess.run([callcenter_command(), *args], env=environment(s), capture_output=True,
                          text=True, timeout=30, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@asynccontextmanager
async def demo_process(s: Settings) -> AsyncIterator[asyncio.subprocess.Process]:
    """The demo running, its output piped; whatever the test leaves is killed and stopped."""
    proc = await asyncio.create_subprocess_exec(callcenter_command(), "demo", env=environment(s),
                                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        yield proc
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        await in_thread(Sandbox(s).stop)
        await in_thread(stop_embedded_postgres, s.data_dir)


async def read_logins(stdout: asyncio.StreamReader, timeout: float) -> tuple[str, dict[str, str]]:
    """The URL and {username: password} the demo prints once it is up."""
    url, logins, deadline = "", {}, time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = (await asyncio.wait_for(stdout.readline(), deadline - time.monotonic())).decode()
        if not line:
            break
        if match := re.search(r"Log in at (http://\S+)/login", line):
            url = match.group(1)
        elif url and (match := re.fullmatch(r"\s+(\S+)\s+(\S+)\s*", line)):
            logins[match.group(1)] = match.group(2)
        elif url and logins and "CTI server and web up" in line:
            return url, logins
    pytest.fail(f"the demo did not print its logins in {timeout}s (got {logins})")


async def stop_demo(proc: asyncio.subprocess.Process, signal_: int, timeout: float) -> str:
    """Send ``signal_``; the demo's output from then on, once it exited with 0 in ``timeout``."""
    proc.send_signal(signal_)
    output = (await asyncio.wait_for(proc.stdout.read(), timeout)).decode()
    assert await asyncio.wait_for(proc.wait(), 1) == 0, output
    return output


async def socket_count(http: aiohttp.ClientSession, url: str, path: str, what: str,
                       count: Callable[[dict], int], timeout: float) -> int:
    """COUNT of a message the websocket at PATH pushes, once it is not 0."""
    async with http.ws_connect(url.replace("http", "ws") + path) as ws:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if found := count(await ws.receive_json(timeout=deadline - time.monotonic())):
                return found
    pytest.fail(f"no {what} reached {path}")


async def wallboard_count(http: aiohttp.ClientSession, url: str, what: str,
                          count: Callable[[dict], int], timeout: float) -> int:
    """COUNT of the wallboard's queues (its full message's ``queues``), once it is not 0."""
    return await socket_count(
        http, url, "/ws/wallboard", what,
        lambda message: count(message["queues"]) if message.get("full") else 0, timeout)


async def offered_calls(http: aiohttp.ClientSession, url: str, timeout: float) -> int:
    """Calls the wallboard counts today, once the simulated callers produced some."""
    return await wallboard_count(
        http, url, "simulated call",
        lambda queues: sum(q["today"]["offered"] for q in queues.values()), timeout)


async def answered_in(http: aiohttp.ClientSession, url: str, queue: str, timeout: float) -> int:
    """Calls QUEUE's agents answered today, once there are some."""
    return await wallboard_count(
        http, url, f"answered call of queue {queue}",
        lambda queues: queues.get(queue, {}).get("today", {}).get("answered", 0), timeout)


async def campaign_dialed(http: aiohttp.ClientSession, url: str, campaign: str,
                          timeout: float) -> int:
    """CAMPAIGN's finished attempts (the live campaign view's count), once there are some: an
    attempt's row is written when its call ends, well after an agent answered it."""
    return await socket_count(
        http, url, "/ws/campaigns", f"finished attempt of campaign {campaign}",
        lambda message: next((c["dialed"] for c in message.get("campaigns", [])
                              if c["name"] == campaign), 0), timeout)


async def campaign_report(http: aiohttp.ClientSession, url: str, campaign: str) -> dict:
    async with http.get(f"{url}/admin/campaigns/{campaign}/compliance") as response:
        assert response.status == 200, await response.text()
        return await response.json()


def busy_ports(s: Settings) -> list[str]:
    """The demo's ports something still listens on (TCP) or is bound to (SIP, UDP)."""
    checks = [(socket.SOCK_STREAM, p) for p in (s.ami_port, s.http_port, s.sandbox_http_port, s.fastagi_port)]
    busy = []
    for kind, port in [*checks, (socket.SOCK_DGRAM, s.sandbox_sip_port)]:
        with socket.socket(socket.AF_INET, kind) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # TIME_WAIT is free
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                busy.append(f"{'udp' if kind == socket.SOCK_DGRAM else 'tcp'}/{port}")
    return busy
