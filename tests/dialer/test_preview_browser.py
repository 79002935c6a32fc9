"""Preview mode in headless chromium on the real stack (Asterisk sandbox, PostgreSQL): an agent
of a preview campaign's queue gets the next lead's card in the console — the lead's fields and
the campaign's script, still there after a reload —, skips it with Alt+S (it goes back, no
attempt counted), gets the next one, dials it (their phone rings, then the simulated customer,
who answers and hangs up), and gives the call a disposition of the campaign's: the lead's
status and disposition change."""
from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

from asterisk_conf.simulation import customer_variables

from tests.helpers.browser import checked_page
from tests.helpers.campaigns import fresh_numbers, leads_of
from tests.helpers.console import console_agent, console_in_queue, leave_queue
from tests.helpers.leadcalls import agent_campaign, lead_campaign
from tests.helpers.waiting import poll_until

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


async def test_an_agent_in_preview_mode_skips_dials_and_dispositions_leads(
        cti, db, settings, browser: Browser, new_queue, new_extension, tmp_path: Path):
    agent = await console_agent(db, new_extension(), await new_queue("preview", product=cti),
                                display_name="Zoë 李")
    skipped, dialed = fresh_numbers(2)
    campaign = await lead_campaign(
        db, tmp_path, agent.queue, [[skipped, "Åsa", "Öberg"], [dialed, "Jürgen", "张伟 😀"]],
        {skipped: "Silver 银", dialed: "Gold 金"}, mode="preview", amd=False)
    started = datetime.now(UTC)
    customers = {n: customer_variables("human", talk=2, rings_for=0.5) for n in (skipped, dialed)}
    async with checked_page(browser, cti.url, viewport={"width": 1500, "height": 1000}) as page:
        await console_in_queue(page, agent)
        try:
            async with agent_campaign(cti, db, settings, campaign, agent.queue, customers):
                await expect(page.locator("#preview")).to_be_visible(timeout=15000)
                await expect(page.locator("#preview-body")).to_contain_text("Åsa Öberg")
                await expect(page.locator("#lead-fields")).to_contain_text("Silver 银")
                await expect(page.locator("#script-text")).to_have_text(
                    "Hello Åsa Öberg: Silver 银, Zoë 李 here.")
                await page.reload()  # the lead stays reserved for the agent
                await expect(page.locator("#preview-body")).to_contain_text("Åsa Öberg",
                                                                            timeout=10000)
                await page.keyboard.press("Alt+S")

                await expect(page.locator("#preview-body")).to_contain_text("Jürgen 张伟 😀",
                                                                            timeout=15000)
                await expect(page.locator("#preview")).to_be_visible()
                await expect(page.locator("#script-text")).to_have_text(
                    "Hello Jürgen 张伟 😀: Gold 金, Zoë 李 here.")
                await page.click("#preview-dial")
                await expect(page.locator("#wrapup")).to_be_visible(timeout=30000)
                await expect(page.locator("#disposition option[value=sale]")).to_have_count(
                    1, timeout=10000)
                await page.select_option("#disposition", "sale")
                await page.click("#wrapup-submit")
                await expect(page.locator("#wrapup")).to_be_hidden(timeout=10000)
                await expect(page.locator("#lead")).to_be_hidden()

                async def disposed() -> bool:
                    lead = (await leads_of(db, campaign))[dialed]
                    return lead["disposition"] == "sale" and lead["status"] == "done"
                await poll_until(disposed, "the dialed lead done with the disposition sale", 20)
        finally:
            await leave_queue(cti, agent)

    leads = await leads_of(db, campaign)
    back = leads[skipped]
    assert back["status"] == "new" and back["attempts"] == 0 and back["last_outcome"] == "skipped"
    assert back["next_attempt_at"] > started, "a skipped lead waits before it is offered again"
    assert leads[dialed]["attempts"] == 1 and leads[dialed]["last_outcome"] == "human"
