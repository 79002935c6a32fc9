"""The README's demo command on its own data folder, sandbox instance and ports: it starts,
prints logins, simulated calls reach the supervisor's wallboard, its predictive campaign dials
the simulated customers (within their calling hours) and its agents take the calls, and the
softphone agent gets its WebRTC endpoint. Ctrl-C (SIGINT) or SIGTERM stops, within seconds, everything it started
(the CTI server and web, the Asterisk sandbox, the embedded PostgreSQL) and nothing it found
running."""
from __future__ import annotations

import signal

import psutil
import pytest

from asterisk_conf.sandbox import Sandbox
from callcenter.demo import CAMPAIGN_QUEUE, DEMO_CAMPAIGN
from callcenter.settings import Settings
from crm_core.db import embedded_postgres_pid, ensure_embedded_postgres, stop_embedded_postgres

from tests.helpers.demo import (
    answered_in, busy_ports, campaign_dialed, campaign_report, demo_process, demo_settings,
    in_thread, offered_calls, read_logins, run_cli, stop_demo,
)
from tests.helpers.wallboard import Browser

pytestmark = pytest.mark.asyncio(loop_scope="session")

STOP_SECONDS = 10
"""The README's promise: the demo stops within this after Ctrl-C."""


async def test_the_demo_command_runs_the_product_and_ctrl_c_stops_it(settings: Settings) -> None:
    s = demo_settings(settings)
    await in_thread(Sandbox(s).stop)  # leftovers of an aborted run
    await in_thread(stop_embedded_postgres, s.data_dir)
    async with demo_process(s) as proc:
        url, logins = await read_logins(proc.stdout, 120)
        assert {"supervisor", "agent1001", "agent2001"} <= set(logins)
        asterisk, postgres = Sandbox(s).pid(), await in_thread(embedded_postgres_pid, s.data_dir)
        assert asterisk and postgres
        supervisor, agent = Browser(url), Browser(url)
        try:
            assert await supervisor.log_in("supervisor", logins["supervisor"]) == 200
            assert await offered_calls(supervisor.http, url, 60) > 0
            assert await answered_in(supervisor.http, url, CAMPAIGN_QUEUE.name, 120) > 0
            assert await campaign_dialed(supervisor.http, url, DEMO_CAMPAIGN, 120) > 0
            report = await campaign_report(supervisor.http, url, DEMO_CAMPAIGN)
            assert report["attempts"] > 0, report
            assert (report["out_of_window"], report["dnc_calls"]) == (0, 0), report
            assert await agent.log_in("agent2001", logins["agent2001"], "/console") == 200
            async with agent.http.get(f"{url}/api/softphone/config") as response:
                assert response.status == 200
                assert (await response.json())["endpoint"] == "webrtc-2001"
            async with agent.http.get(f"{url}/console") as response:
                assert response.status == 200 and "PJSIP/webrtc-2001" in await response.text()
        finally:
            await supervisor.close()
            await agent.close()
        output = await stop_demo(proc, signal.SIGINT, STOP_SECONDS)
        assert not psutil.pid_exists(asterisk) and not psutil.pid_exists(postgres), output
        assert Sandbox(s).pid() is None and await in_thread(embedded_postgres_pid, s.data_dir) is None
        assert busy_ports(s) == [], output
        for stopped in ("simulated callers", "CTI server and web", "Asterisk sandbox", "embedded PostgreSQL"):
            assert f"stopped {stopped}" in output


async def test_sigterm_leaves_a_postgresql_that_ran_before(settings: Settings) -> None:
    """A user's PostgreSQL (here the embedded one, started before the demo) is left running;
    `callcenter db stop` stops it."""
    s = demo_settings(settings)
    await in_thread(Sandbox(s).stop)
    await in_thread(ensure_embedded_postgres, None, s.data_dir)
    postgres = await in_thread(embedded_postgres_pid, s.data_dir)
    async with demo_process(s) as proc:
        await read_logins(proc.stdout, 120)
        asterisk = Sandbox(s).pid()
        output = await stop_demo(proc, signal.SIGTERM, STOP_SECONDS)
        assert not psutil.pid_exists(asterisk) and Sandbox(s).pid() is None, output
        assert await in_thread(embedded_postgres_pid, s.data_dir) == postgres, output
        assert "stopped embedded PostgreSQL" not in output
        assert f"left running embedded PostgreSQL (pid {postgres})" in output
        # The README's way to stop it by hand.
        stopped = await in_thread(run_cli, s, "db", "stop")
        assert f"embedded PostgreSQL (pid {postgres}) stopped" in stopped
        assert not psutil.pid_exists(postgres)
