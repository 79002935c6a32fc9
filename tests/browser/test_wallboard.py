"""The wallboard in a real browser: a supervisor watches a simulated call arrive through Asterisk
without reloading the page; agents are refused."""
from __future__ import annotations

import re
import time

import pytest
from playwright.async_api import Page, expect

from asterisk_conf.simulation import agent_member, caller_originate
from ctiserver.acd.agentstate import AgentChange
from ctiserver.calls.tracker import QueueCallerArrived, QueueCallerDeparted
from ctiserver.acd.stats import QueueStats, QueueTargets
from ctiserver.acd.wallboard_levels import MIN_CALLS_TO_ALERT

from tests.helpers.browser import log_in
from tests.helpers.product import new_number
from tests.helpers.wallboard import FAKE_SOCKET, PASSWORD, make_floor, push

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

SCREENSHOT = "/tmp/wallboard.png"
SCREENSHOT_ALERTS = "/tmp/wallboard-alerts.png"


async def test_supervisor_sees_a_call_arrive_and_the_agent_ring_then_talk(
        page: Page, product, db, new_queue, new_extension) -> None:
    queue = await new_queue("wallboard", product=product)
    floor = await make_floor(db, new_extension())
    interface = floor.interface
    await log_in(page, floor.supervisor, PASSWORD)
    assert page.url.endswith("/wallboard")
    await expect(page.locator("#link")).to_have_text("live", timeout=10_000)
    control = product.server.agent_control
    row = page.locator(f'#agents tr[data-agent="{interface}"]')
    tile = page.locator(f'.tile[data-queue="{queue}"]')
    await control.log_in(interface, [queue], name=floor.ext, state_interface=agent_member(floor.ext)[1])
    try:
        await expect(row).to_have_attribute("data-state", "available", timeout=10_000)
        await expect(row.locator(".name")).to_contain_text(floor.agent_name)
        handled = int(await row.locator(".calls").text_content())
        await product.server.ami.originate(caller_originate(
            queue, number=new_number(), name="Émile 佐藤", patience=60, ring=3, talk=6, hangup_by="caller"))
        await expect(tile.locator('[data-figure="waiting"]')).to_have_text("1", timeout=10_000)
        await expect(row).to_have_attribute("data-state", "ringing", timeout=10_000)
        await expect(row.locator(".state")).to_have_text("ringing")
        await expect(row).to_have_attribute("data-state", "on_call", timeout=10_000)
        await expect(row.locator(".state")).to_have_text("on call")
        await expect(tile.locator('[data-figure="waiting"]')).to_have_text("0", timeout=5_000)
        await expect(row.locator('button[data-action="listen"]')).to_be_enabled()
        await page.screenshot(path=SCREENSHOT, full_page=True)
        await expect(row).not_to_have_attribute("data-state", "on_call", timeout=20_000)
        await expect(row.locator(".calls")).to_have_text(str(handled + 1), timeout=20_000)
    finally:
        await control.log_out(interface, [queue])
    await expect(row).to_have_attribute("data-state", "logged_out", timeout=10_000)


async def test_an_agent_is_refused_the_wallboard(page: Page, product, db, new_extension) -> None:
    floor = await make_floor(db, new_extension())
    await log_in(page, floor.agent, PASSWORD, next_path="/console")
    assert page.url.endswith("/console")
    response = await page.goto("/wallboard")
    assert response is not None and response.status == 403
    script = await page.request.get("/wallboard/wallboard.js")
    assert script.status == 403


EARLIER = MIN_CALLS_TO_ALERT - 3
"""Callers who gave up before the three the test follows (today's figures alert from
MIN_CALLS_TO_ALERT offered calls on)."""


def missed_targets_snapshot(now: float) -> dict:
    """What the server pushes when queue "vip" misses its targets: callers waiting past the
    alert, long abandons (service level and abandon rate missed, on enough calls to alert), a
    paused agent."""
    stats = QueueStats({"vip": QueueTargets(max_wait_alert=60, sl_target=0.8)})
    for n in range(EARLIER):
        stats.handle_notice(QueueCallerArrived(f"early{n}", now - 200, "vip", "+4933", ""))
        stats.handle_notice(QueueCallerDeparted(f"early{n}", now - 100, "vip", "abandoned", 100))
    stats.handle_notice(QueueCallerArrived("a", now - 95, "vip", "+4930", ""))
    stats.handle_notice(QueueCallerArrived("b", now - 90, "vip", "+4931", ""))
    stats.handle_change(AgentChange("PJSIP/1001", "logged_out", "paused", now - 75,
                                    name="Jürgen 张伟", reason="lunch", queues=frozenset({"vip"})))
    stats.handle_notice(QueueCallerDeparted("b", now - 10, "vip", "abandoned", 80))
    stats.handle_notice(QueueCallerArrived("c", now - 30, "vip", "+4932", ""))
    return stats.snapshot(now)


async def test_missed_targets_are_red_and_alerted_and_time_in_state_ticks(
        page: Page, product, db, new_extension) -> None:
    floor = await make_floor(db, new_extension())
    await page.add_init_script(FAKE_SOCKET)
    await log_in(page, floor.supervisor, PASSWORD)
    await push(page, missed_targets_snapshot(time.time()))

    tile = page.locator('.tile[data-queue="vip"]')
    await expect(tile).to_have_class(re.compile(r"\bmissed\b"))
    await expect(tile.locator('[data-figure="waiting"]')).to_have_text("2")
    await expect(tile.locator('[data-figure="longest_wait"]')).to_have_class("bad")
    await expect(tile.locator('[data-figure="service_level"]')).to_have_text("0%")
    await expect(tile.locator('[data-figure="service_level"]')).to_have_class("bad")
    await expect(tile.locator('[data-figure="abandon_rate"]')).to_have_class("bad")
    await expect(page.locator('[data-alert="vip:longest_wait"]')).to_contain_text(
        "vip: a caller has waited 1:35 — alert above 1:00")
    await expect(page.locator('[data-alert="vip:service_level"]')).to_contain_text(
        "service level today 0% — target at least 80%")
    row = page.locator('#agents tr[data-agent="PJSIP/1001"]')
    await expect(row.locator(".name")).to_have_text("Jürgen 张伟")
    await expect(row.locator(".reason")).to_have_text("Lunch")
    await expect(row.locator(".time")).to_have_text("1:17", timeout=4_000)  # ticks without a push
    await page.click('.periods button[data-period="last15"]')
    await expect(tile.locator('[data-figure="offered"]')).to_have_text(str(EARLIER + 3))
    await page.screenshot(path=SCREENSHOT_ALERTS, full_page=True)

    async with page.expect_request(re.compile(r"/login\?next=/wallboard")):
        await page.evaluate("() => window.__sockets.at(-1).onclose({code: 4401})")
