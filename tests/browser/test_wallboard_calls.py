"""The wallboard's per-agent call count on the real stack: a WebRTC agent (a PJSIP endpoint
with the console's softphone) answers a queue call and hangs up; in the after-call work that
follows, the supervisor's wallboard already counts the call for that agent, and not for an
agent of the same queue who did not take it."""
from __future__ import annotations

import uuid

import pytest
from playwright.async_api import Page, expect

from asterisk_conf.render import webrtc_endpoint
from asterisk_conf.simulation import agent_member, caller_originate
from crm_core.teams import set_led_teams
from crm_core.users import ensure_user

from tests.helpers.browser import MEDIA_ARGS, chromium, log_in
from tests.helpers.console import new_number, queue_toggle

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

PASSWORD = "wallboard calls password"
WRAPUP_SECONDS = 60
"""Long enough for the wallboard to be read while app_queue's wrap-up runs."""


async def test_the_agent_who_took_a_call_shows_it_during_after_call_work(
        page: Page, product, db, asterisk, new_queue, new_extension) -> None:
    ext, idle_ext = new_extension(), new_extension()
    asterisk.softphones.append(ext)
    assert "pjsip.conf" in asterisk.write_config()
    queue = await new_queue("wbcalls", product=product, wrapup_seconds=WRAPUP_SECONDS)
    interface, idle = f"PJSIP/{webrtc_endpoint(ext)}", agent_member(idle_ext)
    team = f"calls-{uuid.uuid4().hex[:8]}"
    await ensure_user(db, f"webrtc{ext}", display_name="Ana Softphone 张", role="agent",
                      extension=ext, interface=interface, team=team, password=PASSWORD)
    await ensure_user(db, f"idle{idle_ext}", display_name="Idris Idle", role="agent",
                      extension=idle_ext, interface=idle[0], team=team, password=PASSWORD)
    boss_id, _ = await ensure_user(db, f"boss{ext}", display_name="Søren", role="supervisor",
                                   password=PASSWORD)
    await set_led_teams(db, boss_id, [team])
    control = product.server.agent_control
    await control.log_in(idle[0], [queue], name=idle_ext, state_interface=idle[1])
    await control.pause(idle[0], "lunch")  # in the queue, never rung
    async with chromium(MEDIA_ARGS) as media:
        console = await (await media.new_context(base_url=product.url)).new_page()
        try:
            await log_in(console, f"webrtc{ext}", PASSWORD, next_path="/console")
            await expect(console.locator("#message")).to_contain_text("ready", timeout=15_000)
            await queue_toggle(console, queue).click()
            await expect(console.locator("#agent-state")).to_have_attribute("data-state", "available", timeout=10_000)

            await log_in(page, f"boss{ext}", PASSWORD)
            row = page.locator(f'#agents tr[data-agent="{interface}"]')
            await expect(row).to_have_attribute("data-state", "available", timeout=10_000)
            await expect(row.locator(".calls")).to_have_text("0")

            await product.server.ami.originate(caller_originate(
                queue, number=new_number(), name="Émile 佐藤", patience=60, ring=1, talk=600,
                hangup_by="caller"))
            await expect(console.locator("#agent-state")).to_have_attribute("data-state", "on_call", timeout=20_000)
            await console.click("#hangup")
            await expect(console.locator("#wrapup")).to_be_visible(timeout=10_000)

            await expect(row).to_have_attribute("data-state", "wrapup", timeout=10_000)
            await expect(row.locator(".state")).to_have_text("after-call work")
            await expect(row.locator(".calls")).to_have_text("1")
            await expect(page.locator(f'#agents tr[data-agent="{idle[0]}"] .calls')).to_have_text("0")
        finally:
            await control.log_out(interface, [queue])
            await control.log_out(idle[0], [queue])
