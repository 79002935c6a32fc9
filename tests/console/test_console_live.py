"""The agent console on the real stack: an agent logs in, joins a queue from the status bar, a
real simulated call arrives through Asterisk, the pop shows the customer's card, the agent
hangs up from the page, gives a disposition, a note and a callback, and everything is in the
database. Call controls (hang up, blind transfer) on live calls through the routes."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from playwright.async_api import Page, expect
from sqlalchemy import select

from asterisk_conf.simulation import caller_originate
from crm_core.customers import create_customer
from crm_core.dispositions import Owner
from crm_core.models import Callback, CallWrapup
from crm_core.scripts import delete_script, put_script
from ctiserver.ami import events as ev
from ctiserver.ami.client import AmiError

from tests.helpers.console import (console_agent, console_in_queue, leave_queue, new_number,
                                   state_of, until_bridged)
from tests.helpers.waiting import BusWatch

pytestmark = pytest.mark.asyncio(loop_scope="session")

NAME = "Jürgen 张伟 Konsole"


async def test_agent_takes_a_call_and_wraps_it_up(cti, db, console_page: Page, new_queue,
                                                  new_extension) -> None:
    page = console_page
    agent = await console_agent(db, new_extension(), await new_queue("console", product=cti))
    user_id = agent.user_id
    number = new_number()
    customer_id = await create_customer(db, NAME, [number], company="Müller & Söhne 株式会社",
                                        timezone="Europe/Berlin", default_region="DE")
    script = Owner("queue", agent.queue)
    await put_script(db, script, "Guten Tag {{ customer.name }}, hier spricht {{ agent }}.")
    try:
        await console_in_queue(page, agent)

        await cti.server.ami.originate(caller_originate(
            agent.queue, number=number, name=NAME, patience=60, ring=1, talk=600, hangup_by="caller"))
        # the pop: the customer's card, then the full card (timeline) within a second
        await expect(page.locator("#customer .name")).to_contain_text(NAME, timeout=15000)
        await expect(page.locator("#customer .company")).to_have_text("Müller & Söhne 株式会社")
        full_card = await page.wait_for_function(
            "Object.values(window.consoleTimings || {}).find(t => t.card)", timeout=5000)
        timings = await full_card.json_value()
        assert timings["card"] - timings["pop"] < 1000, timings
        await expect(page.locator("#script-text")).to_have_text(
            f"Guten Tag {NAME}, hier spricht Zoë Agent 李.", timeout=5000)
        await expect(page.locator("#call-state")).to_have_text("On a call", timeout=10000)
        await expect(page.locator("#agent-state")).to_have_text("On a call", timeout=6000)
        # hold and unhold from the page (AMI: the agent muted, music whispered to the caller)
        await page.click("#hold")
        await expect(page.locator("#agent-state")).to_have_text("On hold", timeout=6000)
        await page.click("#unhold")
        await expect(page.locator("#agent-state")).to_have_text("On a call", timeout=6000)

        await page.click("#hangup")  # the AMI Hangup of the agent's channel
        form = page.locator("#wrapup")
        await expect(form).to_be_visible(timeout=10000)
        call_key = await form.get_attribute("data-call-id")
        await expect(page.locator("#disposition option[value=resolved]")).to_have_count(1, timeout=5000)
        await page.select_option("#disposition", "resolved")
        note = "Rückruf gewünscht — 下周再打 ✓"
        await page.fill("#note", note)
        await page.check("#callback-on")
        due = datetime.now(ZoneInfo("Europe/Berlin")).date() + timedelta(days=2)
        await page.fill("#callback-date", due.isoformat())
        await page.fill("#callback-time", "10:30")
        # the form survives a reload: nothing the agent typed is lost
        await page.reload()
        await expect(form).to_be_visible(timeout=10000)
        await expect(page.locator("#note")).to_have_value(note)
        await expect(page.locator("#disposition")).to_have_value("resolved", timeout=5000)
        await expect(page.locator("#callback-time")).to_have_value("10:30")
        await page.click("#wrapup-submit")
        await expect(form).to_be_hidden(timeout=10000)
        assert await page.evaluate("sessionStorage.getItem('console.wrapups')") == "{}"

        async with db.sessionmaker() as session:
            wrapup = await session.scalar(select(CallWrapup).where(CallWrapup.call_key == call_key))
            callback = await session.scalar(select(Callback).where(Callback.call_key == call_key))
        assert wrapup.disposition == "resolved" and wrapup.note == note and wrapup.user_id == user_id
        assert callback.customer_id == customer_id and callback.assigned_user_id == user_id
        assert callback.timezone == "Europe/Berlin"
        local = callback.due_at.astimezone(ZoneInfo("Europe/Berlin"))
        assert (local.date(), local.strftime("%H:%M")) == (due, "10:30")
        # the wrap-up released the after-call work pause
        await expect(page.locator("#agent-state")).to_have_text("Available", timeout=8000)

        # search (non-ASCII) finds the customer the agent is working
        await page.fill("#search", "张伟 Konsole")
        await page.click("#search-form button")
        await expect(page.locator("#search-results li")).to_contain_text(NAME, timeout=5000)
        # the dialer's preview card appears only when the dialer reserves a lead
        # (tests/dialer/test_preview_browser.py)
        assert await page.locator("#preview").is_hidden()

        await page.click("#queue-logout")
        await expect(page.locator("#agent-state")).to_have_text("Not in any queue", timeout=5000)
        await expect(page.locator("#my-queues")).to_have_text("")
    finally:
        await delete_script(db, script)
        await leave_queue(cti, agent)


async def test_call_controls_on_live_calls(cti, db, new_queue, new_extension) -> None:
    agent = await console_agent(db, new_extension(), await new_queue("controls", product=cti))
    elsewhere = await new_queue("transferred", product=cti)  # nobody staffs it: the caller waits
    watch = BusWatch(cti.server.bus)
    headers = {"Authorization": f"Bearer {agent.token}"}
    async with aiohttp.ClientSession(cti.url, headers=headers) as http:
        async def post(path: str, body: dict) -> tuple[int, dict]:
            async with http.post(path, json=body) as response:
                return response.status, await response.json()

        async def event(kind: type, uid: str, **fields):
            return await watch.first(kind, f"{kind.__name__} {fields} of {uid}", 10,
                                     uniqueid=uid, **fields)

        status, body = await post("/api/call/hangup", {})
        assert status == 409 and "not on a call" in body["error"]
        assert (await post("/api/call/teleport", {}))[0] == 404
        assert (await post("/api/agent/login", {"queues": ["no-such-queue"]}))[0] == 400
        assert (await post("/api/agent/pause", {"reason": "nap"}))[0] == 400
        assert (await post("/api/agent/login", {"queues": [agent.queue]}))[0] == 200
        channel_ids: list[str] = []
        try:
            for step in ("hangup", "transfer"):
                channel_id = await cti.server.ami.originate(caller_originate(
                    agent.queue, number=new_number(), name=f"Kunde {step} Ø", patience=60, ring=0.5,
                    talk=600, hangup_by="caller"))
                channel_ids.append(channel_id)
                uid = f"{channel_id};2"
                await until_bridged(watch, cti, agent)
                if step == "hangup":
                    status, body = await post("/api/call/dtmf", {"digits": "12#"})
                    assert status == 200 and body["channel"].startswith(f"Local/{agent.queue}@sim-inbound-"), body
                    assert (await post("/api/call/dtmf", {"digits": "1;2"}))[0] == 400
                    assert (await post("/api/call/transfer", {"kind": "planet", "target": "x"}))[0] == 400
                    status, body = await post("/api/call/hangup", {})
                    assert status == 200 and body["channel"].startswith(agent.channel_prefix), body
                    # the agent's channel is gone; the caller left the bridge
                    await watch.first(ev.ChannelHungUp, "the agent's channel to hang up", 10,
                                      channel=body["channel"])
                    await event(ev.BridgeLeft, uid)
                else:
                    status, body = await post("/api/call/transfer", {"kind": "queue", "target": elsewhere})
                    assert status == 200 and body["context"] == cti.server.settings.queue_context, body
                    await event(ev.AgentCompleted, uid, queue=agent.queue, reason="transfer")
                    await event(ev.QueueCallerJoined, uid, queue=elsewhere)  # the caller waits there
                await watch.until(lambda: state_of(cti, agent) not in ("on_call", "ringing"),
                                  "the agent's call to end", 10)
        finally:
            watch.close()
            await leave_queue(cti, agent)
            for item in await cti.server.ami.event_list({"Action": "CoreShowChannels"}):
                if item.get("Linkedid") in channel_ids:
                    try:
                        await cti.server.ami.send({"Action": "Hangup", "Channel": item["Channel"]})
                    except AmiError:
                        pass  # gone meanwhile


async def test_click_to_dial_rings_the_agent_then_bridges_the_number(cti, db, new_extension) -> None:
    agent = await console_agent(db, new_extension(), queue="")  # dials out: in no queue
    number = "+4930" + str(uuid.uuid4().int)[:7]
    headers = {"Authorization": f"Bearer {agent.token}"}
    with BusWatch(cti.server.bus) as watch:
        async with aiohttp.ClientSession(cti.url, headers=headers) as http:
            async with http.post("/api/call/dial", json={"number": number}) as response:
                assert response.status == 200, await response.text()
            leg = await until_bridged(watch, cti, agent, "the agent's phone bridged with the number")
            items = await cti.server.ami.event_list({"Action": "CoreShowChannels"})
            peers = [c["Channel"] for c in items
                     if c.get("BridgeId") == leg["BridgeId"] and c["Channel"] != leg["Channel"]]
            assert any(p.startswith(f"Local/{number}@sim-called-") for p in peers), peers
            async with http.post("/api/call/hangup", json={}) as response:
                assert response.status == 200, await response.text()
            await watch.until(lambda: not any(
                c.linkedid == leg["Linkedid"] for c in cti.server.tracker.calls.values()),
                "the click-to-dial call to end", 10)
