"""Supervisor actions from the wallboard on the real Asterisk: pause with a reason, unpause, log
out, and listening in on a live call (ChanSpy on the supervisor's phone); who may act on whom;
the pure ChanSpy builders."""
from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from asterisk_conf.rawami import RawAmi
from asterisk_conf.simulation import agent_member, caller_originate
from crm_core.teams import set_led_teams
from crm_core.users import ensure_user
from pydantic import ValidationError

from callcenter.errors import Invalid
from ctiserver.acd.spy import SPY_OPTIONS, spy_data, spy_originate
from ctiserver.acd.supervision import check_request
from ctiserver.control.channels import channel_prefix
from ctiserver.web.errors import validation_message

from tests.helpers.product import new_number
from tests.helpers.wallboard import Browser

PASSWORD = "supervisor test password"
REASONS = ("break", "lunch")


# --- the pure builders -----------------------------------------------------------------------


def test_channel_prefix_drops_dial_options() -> None:
    assert channel_prefix("PJSIP/1001") == "PJSIP/1001"
    assert channel_prefix("Local/1001@sim-agent/n") == "Local/1001@sim-agent"
    assert channel_prefix("SIP/trunk/5551234") == "SIP/trunk"
    for bad in ("", "PJSIP", "/1001", "PJSIP/"):
        with pytest.raises(ValueError):
            channel_prefix(bad)


def test_spy_options_per_mode() -> None:
    assert spy_data("listen", "PJSIP/1001") == "PJSIP/1001-,bqES"
    assert spy_data("whisper", "Local/1001@sim-agent/n") == "Local/1001@sim-agent-,bqwES"
    assert spy_data("barge", "PJSIP/1001") == "PJSIP/1001-,bqBES"
    with pytest.raises(ValueError):
        spy_data("shout", "PJSIP/1001")


def test_spy_originate_rings_the_supervisor_into_chanspy() -> None:
    action = spy_originate("whisper", "PJSIP/1001", "PJSIP/2001", caller_id='"w" <w>',
                           channel_id="spy-1")
    assert action.message() == {
        "Action": "Originate", "Channel": "PJSIP/2001", "Application": "ChanSpy",
        "Data": "PJSIP/1001-,bqwES", "CallerID": '"w" <w>', "Timeout": "30000",
        "Async": "true", "ChannelId": "spy-1",
    }
    assert spy_originate("listen", "PJSIP/1001", "PJSIP/2001").channel_id
    assert set(SPY_OPTIONS) == {"listen", "whisper", "barge"}


@pytest.mark.parametrize("body, message", [
    ([], "body: Input should be a valid dictionary"),
    ({"action": "dance", "agent": "PJSIP/1"}, "action: Input should be 'listen'"),
    ({"action": "pause", "agent": "PJSIP/1"}, "'reason' must be one of break, lunch"),
    ({"action": "pause", "agent": "PJSIP/1", "reason": "nap"}, "'reason' must be one of"),
    ({"action": "unpause", "agent": "PJSIP/1", "reason": "lunch"}, "'reason' only goes with 'pause'"),
    ({"action": "listen"}, "agent: Field required"),
    ({"action": "listen", "agent": "nonsense"}, "not a channel interface"),
    ({"action": "listen", "agent": "PJSIP/1", "extra": 1}, "extra: Extra inputs are not permitted"),
])
def test_bad_requests_say_what_is_wrong(body, message) -> None:
    with pytest.raises((Invalid, ValidationError)) as refused:
        check_request(body, REASONS)
    error = refused.value
    assert message in (validation_message(error) if isinstance(error, ValidationError) else str(error))


def test_good_requests() -> None:
    pause = check_request({"action": "pause", "agent": "PJSIP/1", "reason": "lunch"}, REASONS)
    assert (pause.action, pause.agent, pause.reason) == ("pause", "PJSIP/1", "lunch")
    barge = check_request({"action": "barge", "agent": "PJSIP/1"}, REASONS)
    assert (barge.action, barge.agent, barge.reason) == ("barge", "PJSIP/1", "")


# --- on the real Asterisk ----------------------------------------------------------------------


async def person(db, role: str, *, team: str | None = None, interface: str | None = None) -> tuple[int, str]:
    username = f"{role}-{uuid.uuid4().hex[:8]}"
    user_id, _ = await ensure_user(db, username, display_name=f"{role.title()} Ünal", role=role,
                                   team=team, interface=interface, password=PASSWORD)
    return user_id, username


@pytest_asyncio.fixture(loop_scope="session")
async def floor(cti, db, new_queue, new_extension) -> AsyncIterator[dict]:
    """The test's own agent (in a team of its own) logged in to the test's own queue; the team's
    supervisor on the wallboard with a simulated phone; a supervisor of another team; an agent."""
    queue, ext = await new_queue("floor", product=cti), new_extension()
    team, other_team = f"floor-{uuid.uuid4().hex[:8]}", f"floor-{uuid.uuid4().hex[:8]}"
    interface, state_interface = agent_member(ext)
    await ensure_user(db, f"agent{ext}", display_name="Olga Petrova 张伟", role="agent",
                      extension=ext, interface=interface, team=team, password=PASSWORD)
    phone = f"Local/{uuid.uuid4().hex[:8]}@sim-supervisor"
    lead_id, lead = await person(db, "supervisor", interface=phone)
    await set_led_teams(db, lead_id, [team])
    other_id, other = await person(db, "supervisor")
    await set_led_teams(db, other_id, [other_team])
    supervisor = Browser(cti.url)
    assert await supervisor.log_in(lead, PASSWORD) == 200
    await supervisor.follow_wallboard()
    control = cti.server.agent_control
    await control.log_in(interface, [queue], name=ext, state_interface=state_interface)
    try:
        await supervisor.agent_until(interface, lambda a: a["state"] == "available")
        yield {"interface": interface, "supervisor": supervisor, "other": other, "queue": queue,
               "lead_phone": channel_prefix(phone) + "-", "agent": f"agent{ext}"}
    finally:
        if cti.server.feed.agents.queues_of(interface):
            await control.log_out(interface, [queue])
        await supervisor.close()


@pytest.mark.integration
@pytest.mark.asyncio(loop_scope="session")
async def test_pause_with_reason_unpause_and_log_out_show_on_the_wallboard(floor) -> None:
    supervisor, interface = floor["supervisor"], floor["interface"]
    status, answer = await supervisor.act(action="pause", agent=interface, reason="lunch")
    assert (status, answer) == (200, {"ok": True, "action": "pause", "agent": interface, "reason": "lunch"})
    agent = await supervisor.agent_until(interface, lambda a: a["state"] == "paused")
    assert agent["reason"] == "lunch"

    status, _ = await supervisor.act(action="unpause", agent=interface)
    assert status == 200
    await supervisor.agent_until(interface, lambda a: a["state"] == "available")

    status, answer = await supervisor.act(action="logout", agent=interface)
    assert (status, answer["queues"]) == (200, [floor["queue"]])
    agent = await supervisor.agent_until(interface, lambda a: a["state"] == "logged_out")
    assert agent["queues"] == []
    status, answer = await supervisor.act(action="logout", agent=interface)
    assert status == 409 and "not logged in" in answer["error"]


@pytest.mark.integration
@pytest.mark.asyncio(loop_scope="session")
async def test_only_the_team_lead_and_admins_may_act(floor, cti, db) -> None:
    interface = floor["interface"]
    outsider = Browser(cti.url)
    agent = Browser(cti.url)
    admin = Browser(cti.url)
    try:
        assert await outsider.log_in(floor["other"], PASSWORD) == 200
        status, answer = await outsider.act(action="pause", agent=interface, reason="break")
        assert status == 403 and "teams you lead" in answer["error"]

        assert await agent.log_in(floor["agent"], PASSWORD) == 403  # the login lands on /wallboard: refused
        agent.csrf = re.search(r'name="csrf_token" value="([^"]*)"',
                               await (await agent.http.get(f"{cti.url}/console")).text()).group(1)
        status, _ = await agent.act(action="pause", agent=interface, reason="break")
        assert status == 403

        _, admin_name = await person(db, "admin")
        assert await admin.log_in(admin_name, PASSWORD) == 200
        status, _ = await admin.act(action="pause", agent=interface, reason="break")
        assert status == 200
        await floor["supervisor"].agent_until(interface, lambda a: a["state"] == "paused")
        status, answer = await admin.act(action="listen", agent=interface)
        assert status == 409 and "no phone" in answer["error"]
        assert (await admin.act(action="unpause", agent=interface))[0] == 200

        status, answer = await floor["supervisor"].act(action="listen", agent=interface)
        assert status == 409 and "not on a call" in answer["error"]
        no_csrf = await floor["supervisor"].http.post(
            f"{cti.url}/wallboard/actions", json={"action": "unpause", "agent": interface})
        assert no_csrf.status == 403
        bad = await floor["supervisor"].http.post(
            f"{cti.url}/wallboard/actions", data=b"{not json",
            headers={"X-CSRF-Token": floor["supervisor"].csrf, "Content-Type": "application/json"})
        assert bad.status == 400 and (await bad.json())["error"] == "the body must be JSON"
    finally:
        for browser in (outsider, agent, admin):
            await browser.close()


@pytest.mark.integration
@pytest.mark.asyncio(loop_scope="session")
async def test_listen_puts_chanspy_on_the_agents_live_call(floor, cti, settings, ami_secret) -> None:
    supervisor, interface = floor["supervisor"], floor["interface"]
    await cti.server.ami.originate(caller_originate(
        floor["queue"], number=new_number(), name="Zoë Listener", patience=60, ring=0.5, talk=8,
        hangup_by="caller"))
    await supervisor.agent_until(interface, lambda a: a["state"] == "on_call", timeout=15)

    with RawAmi(settings.ami_host, settings.ami_port) as events:
        events.login(settings.ami_user, ami_secret)
        status, answer = await supervisor.act(action="listen", agent=interface)
        assert status == 200 and answer["channel_id"], answer
        start = await asyncio.to_thread(
            events.wait_for, lambda m: m.get("Event") == "ChanSpyStart", 15)
    assert start["SpyerChannel"].startswith(floor["lead_phone"])
    assert start["SpyeeChannel"].startswith(channel_prefix(interface) + "-")

    channels = await cti.server.ami.event_list({"Action": "CoreShowChannels"})
    spies = [(c.get("Channel", ""), c.get("ApplicationData")) for c in channels
             if c.get("Application") == "ChanSpy"]
    assert any(channel.startswith(floor["lead_phone"]) and data == spy_data("listen", interface)
               for channel, data in spies), channels
