"""The agent console on the real stack: an agent logs in, joins a queue from the status bar, a
real simulated call arrives through Asterisk, the pop shows the customer's card, the agent
hangs up from the page, gives a disposition, a note and a callback, and everything is in the
database. Call controls (hang up, blind transfer) on live calls through the routes."""
from __future__ import annotations

import asyncio
import random
import time
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from playwright.async_api import Page, expect
from sqlalchemy import select

from ctiserver.ami.events import AmiEvent
from ctiserver.calls.agent_messages import Preview
from asterisk_conf.simulation import agent_member, caller_originate
from crm_core.customers import create_customer
from crm_core.dispositions import Owner
from crm_core.models import Callback, CallWrapup
from crm_core.scripts import delete_script, put_script
from crm_core.users import ensure_user
from ctiserver.ami import events as ev
from ctiserver.ami.client import AmiError

from tests.browser.conftest import log_in

pytestmark = pytest.mark.asyncio(loop_scope="session")

QUEUE, EXT = "itest3", "1010"
"""itest3 has no members in any other test (tests/asterisk's abandon needs it empty: every test
here leaves it again); agent 1010 is used elsewhere only in "sales"."""
INTERFACE = agent_member(EXT)[0]
PASSWORD = "console test password"
NAME = "Jürgen 张伟 Konsole"


def new_number() -> str:
    return f"+4930{random.randrange(10**7, 10**8)}"


async def agent(db) -> tuple[int, str, str]:
    username = "console-agent-1010"
    user_id, token = await ensure_user(db, username, display_name="Zoë Agent 李", role="agent",
                                       extension=EXT, interface=INTERFACE, password=PASSWORD)
    return user_id, username, token


async def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = await predicate()
        if result:
            return result
        await asyncio.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}")


async def console_in_queue(page: Page, username: str) -> None:
    """Log in at the console and join QUEUE from its status bar, as the agent would."""
    await log_in(page, username, PASSWORD, next_path="/console")
    await expect(page.locator("#link")).to_have_text("connected", timeout=10000)
    await expect(page.locator("#queue-select option", has_text=QUEUE)).to_have_count(1, timeout=10000)
    await page.select_option("#queue-select", [QUEUE])
    await page.click("#queue-login")
    await expect(page.locator("#my-queues")).to_contain_text(QUEUE, timeout=5000)
    await expect(page.locator("#agent-state")).to_have_text("available", timeout=5000)


async def leave_queue(cti) -> None:
    if QUEUE in cti.server.feed.agents.queues_of(INTERFACE):
        await cti.server.agent_control.log_out(INTERFACE, [QUEUE])


async def bridged(cti) -> dict | None:
    items = await cti.server.ami.event_list({"Action": "CoreShowChannels"})
    prefix = INTERFACE.rsplit("/", 1)[0] + "-"
    return next((c for c in items if c.get("Channel", "").startswith(prefix) and c.get("BridgeId")), None)


async def test_agent_takes_a_call_and_wraps_it_up(cti, db, console_page: Page) -> None:
    page = console_page
    user_id, username, _ = await agent(db)
    number = new_number()
    customer_id = await create_customer(db, NAME, [number], company="Müller & Söhne 株式会社",
                                        timezone="Europe/Berlin", default_region="DE")
    script = Owner("queue", QUEUE)
    await put_script(db, script, "Guten Tag {{ customer.name }}, hier spricht {{ agent }}.")
    try:
        await console_in_queue(page, username)

        await cti.server.ami.originate(caller_originate(
            QUEUE, number=number, name=NAME, patience=60, ring=1, talk=600, hangup_by="caller"))
        # the pop: the customer's card, then the full card (timeline) within a second
        await expect(page.locator("#customer .name")).to_contain_text(NAME, timeout=15000)
        await expect(page.locator("#customer .company")).to_have_text("Müller & Söhne 株式会社")
        timings = await wait_for(lambda: page.evaluate(
            "Object.values(window.consoleTimings).find(t => t.card)"), 5, "the full card")
        assert timings["card"] - timings["pop"] < 1000, timings
        await expect(page.locator("#script-text")).to_have_text(
            f"Guten Tag {NAME}, hier spricht Zoë Agent 李.", timeout=5000)
        await expect(page.locator("#call-state")).to_have_text("On call", timeout=10000)
        await expect(page.locator("#agent-state")).to_have_text("on_call", timeout=6000)
        # hold and unhold from the page (AMI: the agent muted, music whispered to the caller)
        await page.click("#hold")
        await expect(page.locator("#agent-state")).to_have_text("on_hold", timeout=6000)
        await page.click("#unhold")
        await expect(page.locator("#agent-state")).to_have_text("on_call", timeout=6000)

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
        await expect(page.locator("#agent-state")).to_have_text("available", timeout=8000)

        # search (non-ASCII) finds the customer the agent is working
        await page.fill("#search", "张伟 Konsole")
        await page.click("#search-form button")
        await expect(page.locator("#search-results li")).to_contain_text(NAME, timeout=5000)
        # the dialer's preview card appears only when the dialer sends one
        assert await page.locator("#preview").is_hidden()
        cti.server.hub.to_user(user_id, Preview(name="Åsa", number="+4930999"))
        await expect(page.locator("#preview-body")).to_have_text("Åsa · +4930999", timeout=5000)
        await page.click("#preview-skip")
        await expect(page.locator("#preview")).to_be_hidden()

        await page.click("#queue-logout")
        await expect(page.locator("#my-queues")).to_have_text("not in any queue", timeout=5000)
    finally:
        await delete_script(db, script)
        await leave_queue(cti)


async def test_call_controls_on_live_calls(cti, db) -> None:
    _, _, token = await agent(db)
    seen: list = []
    unsubscribe = cti.server.bus.subscribe(AmiEvent, seen.append)
    headers = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession(cti.url, headers=headers) as http:
        async def post(path: str, body: dict) -> tuple[int, dict]:
            async with http.post(path, json=body) as response:
                return response.status, await response.json()

        async def event(kind: type, uid: str, **fields):
            return await wait_for(lambda: asyncio.sleep(0, result=any(
                isinstance(e, kind) and e.uniqueid == uid
                and all(getattr(e, k) == v for k, v in fields.items()) for e in seen)),
                10, f"{kind.__name__} {fields} of {uid}")

        status, body = await post("/api/call/hangup", {})
        assert status == 409 and "not on a call" in body["error"]
        assert (await post("/api/call/teleport", {}))[0] == 404
        assert (await post("/api/agent/login", {"queues": ["no-such-queue"]}))[0] == 400
        assert (await post("/api/agent/pause", {"reason": "nap"}))[0] == 400
        assert (await post("/api/agent/login", {"queues": [QUEUE]}))[0] == 200
        channel_ids: list[str] = []
        try:
            for step in ("hangup", "transfer"):
                channel_id = await cti.server.ami.originate(caller_originate(
                    QUEUE, number=new_number(), name=f"Kunde {step} Ø", patience=60, ring=0.5,
                    talk=600, hangup_by="caller"))
                channel_ids.append(channel_id)
                uid = f"{channel_id};2"
                await wait_for(lambda: bridged(cti), 15, "the call to be bridged")
                if step == "hangup":
                    status, body = await post("/api/call/dtmf", {"digits": "12#"})
                    assert status == 200 and body["channel"].startswith(f"Local/{QUEUE}@sim-inbound-"), body
                    assert (await post("/api/call/dtmf", {"digits": "1;2"}))[0] == 400
                    assert (await post("/api/call/transfer", {"kind": "planet", "target": "x"}))[0] == 400
                    status, body = await post("/api/call/hangup", {})
                    assert status == 200 and body["channel"].startswith(f"Local/{EXT}@sim-agent-"), body
                    # the agent's channel is gone; the caller left the bridge
                    await wait_for(lambda: asyncio.sleep(0, result=any(
                        isinstance(e, ev.ChannelHungUp) and e.channel == body["channel"] for e in seen)),
                        10, "the agent's channel to hang up")
                    await event(ev.BridgeLeft, uid)
                else:
                    status, body = await post("/api/call/transfer", {"kind": "queue", "target": "itest4"})
                    assert status == 200 and body["context"] == cti.server.settings.queue_context, body
                    await event(ev.AgentCompleted, uid, queue=QUEUE, reason="transfer")
                    await event(ev.QueueCallerJoined, uid, queue="itest4")  # the caller waits there
                await wait_for(lambda: asyncio.sleep(0, result=not cti.server.feed.agents.agents()[INTERFACE].state
                                                     in ("on_call", "ringing")), 10, "the agent's call to end")
        finally:
            unsubscribe()
            await leave_queue(cti)
            for item in await cti.server.ami.event_list({"Action": "CoreShowChannels"}):
                if item.get("Linkedid") in channel_ids:
                    try:
                        await cti.server.ami.send({"Action": "Hangup", "Channel": item["Channel"]})
                    except AmiError:
                        pass  # gone meanwhile


async def test_click_to_dial_rings_the_agent_then_bridges_the_number(cti, db) -> None:
    _, _, token = await agent(db)
    number = "+4930" + str(uuid.uuid4().int)[:7]
    async with aiohttp.ClientSession(cti.url, headers={"Authorization": f"Bearer {token}"}) as http:
        async with http.post("/api/call/dial", json={"number": number}) as response:
            assert response.status == 200, await response.text()
        leg = await wait_for(lambda: bridged(cti), 15, "the agent's phone bridged with the number")
        items = await cti.server.ami.event_list({"Action": "CoreShowChannels"})
        peers = [c["Channel"] for c in items
                 if c.get("BridgeId") == leg["BridgeId"] and c["Channel"] != leg["Channel"]]
        assert any(p.startswith(f"Local/{number}@sim-called-") for p in peers), peers
        async with http.post("/api/call/hangup", json={}) as response:
            assert response.status == 200, await response.text()
        await wait_for(lambda: asyncio.sleep(0, result=not any(
            c.linkedid == leg["Linkedid"] for c in cti.server.tracker.calls.values())), 10,
            "the click-to-dial call to end")
