"""The README's demo command on its own data folder, sandbox instance and ports: it starts,
prints logins, simulated calls reach the supervisor's wallboard, and the softphone agent gets
its WebRTC endpoint. Stopped with SIGINT like a person pressing Ctrl-C."""
from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import pytest

from asterisk_conf.sandbox import Sandbox
from callcenter.settings import Settings

from tests.helpers.wallboard import Browser

pytestmark = pytest.mark.asyncio(loop_scope="session")

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


async def offered_calls(http: aiohttp.ClientSession, url: str, timeout: float) -> int:
    """Calls the wallboard counts today, once the simulated callers produced some."""
    async with http.ws_connect(url.replace("http", "ws") + "/ws/wallboard") as ws:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            message = await ws.receive_json(timeout=deadline - time.monotonic())
            if message.get("full"):
                offered = sum(q["today"]["offered"] for q in message["queues"].values())
                if offered:
                    return offered
    pytest.fail("no simulated call reached the wallboard")


async def test_the_demo_command_runs_the_product(settings: Settings) -> None:
    s = demo_settings(settings)  # its embedded PostgreSQL outlives the demo, reused next run
    command = [str(Path(sys.executable).with_name("callcenter")), "demo"]
    proc = await asyncio.create_subprocess_exec(*command, env=environment(s), stdout=subprocess.PIPE,
                                                stderr=subprocess.STDOUT)
    try:
        url, logins = await read_logins(proc.stdout, 120)
        assert {"supervisor", "agent1001", "agent2001"} <= set(logins)
        supervisor, agent = Browser(url), Browser(url)
        try:
            assert await supervisor.log_in("supervisor", logins["supervisor"]) == 200
            assert await offered_calls(supervisor.http, url, 60) > 0
            assert await agent.log_in("agent2001", logins["agent2001"], "/console") == 200
            async with agent.http.get(f"{url}/api/softphone/config") as response:
                assert response.status == 200
                assert (await response.json())["endpoint"] == "webrtc-2001"
            async with agent.http.get(f"{url}/console") as response:
                assert response.status == 200 and "PJSIP/webrtc-2001" in await response.text()
        finally:
            await supervisor.close()
            await agent.close()
        proc.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(proc.wait(), 30) == 0
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        await asyncio.get_running_loop().run_in_executor(None, Sandbox(s).stop)
