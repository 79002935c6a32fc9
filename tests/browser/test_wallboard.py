"""The wallboard in a real browser: a supervisor watches a simulated call arrive through Asterisk
without reloading the page; agents are refused."""
from __future__ import annotations

import uuid

import pytest
from playwright.async_api import Page, expect

from asterisk_conf.simulation import agent_member, caller_originate
from crm_core.teams import set_led_teams
from crm_core.users import ensure_user

from tests.integration.conftest import new_number

from .conftest import log_in

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

QUEUE, EXT = "sales", "1003"
"""No other test uses agent 1003; it leaves the queue at the end."""
AGENT_NAME = "Olga Petrova 张伟"
PASSWORD = "wallboard test password"
SCREENSHOT = "/tmp/wallboard.png"


async def make_floor(db, team: str) -> tuple[str, str]:
    """The agent on EXT in ``team`` and a supervisor leading it; (agent interface, supervisor)."""
    interface, _ = agent_member(EXT)
    await ensure_user(db, f"agent{EXT}", display_name=AGENT_NAME, role="agent", extension=EXT,
                      interface=interface, team=team, password=PASSWORD)
    supervisor = f"boss-{uuid.uuid4().hex[:8]}"
    supervisor_id, _ = await ensure_user(db, supervisor, display_name="Søren Supervisor",
                                         role="supervisor", password=PASSWORD,
                                         interface=f"Local/{supervisor}@sim-supervisor")
    await set_led_teams(db, supervisor_id, [team])
    return interface, supervisor


async def test_supervisor_sees_a_call_arrive_and_the_agent_ring_then_talk(page: Page, product, db) -> None:
    interface, supervisor = await make_floor(db, "floor-browser")
    await log_in(page, supervisor, PASSWORD)
    assert page.url.endswith("/wallboard")
    await expect(page.locator("#link")).to_have_text("live", timeout=10_000)
    control = product.server.agent_control
    row = page.locator(f'#agents tr[data-agent="{interface}"]')
    tile = page.locator(f'.tile[data-queue="{QUEUE}"]')
    await control.log_in(interface, [QUEUE], name=EXT, state_interface=agent_member(EXT)[1])
    try:
        await expect(row).to_have_attribute("data-state", "available", timeout=10_000)
        await expect(row.locator(".name")).to_contain_text(AGENT_NAME)
        handled = int(await row.locator(".calls").text_content())
        await product.server.ami.originate(caller_originate(
            QUEUE, number=new_number(), name="Émile 佐藤", patience=60, ring=3, talk=6, hangup_by="caller"))
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
        await control.log_out(interface, [QUEUE])
    await expect(row).to_have_attribute("data-state", "logged_out", timeout=10_000)


async def test_an_agent_is_refused_the_wallboard(page: Page, product, db) -> None:
    await make_floor(db, "floor-browser")
    await log_in(page, f"agent{EXT}", PASSWORD, next_path="/console")
    assert page.url.endswith("/console")
    response = await page.goto("/wallboard")
    assert response is not None and response.status == 403
    script = await page.request.get("/wallboard/wallboard.js")
    assert script.status == 403
