"""The console's "Collected by the IVR" section in headless chromium, on the real stack: a
simulated caller's IVR answers (non-ASCII, markup-like text) appear with the pop, data collected
while the phone rings is added, and the customer's timeline shows them after the call."""
from __future__ import annotations

import uuid

import pytest
from playwright.async_api import Page, expect

from asterisk_conf.simulation import agent_member, caller_originate
from crm_core.customers import create_customer
from crm_core.users import ensure_user

from tests.helpers.browser import log_in
from tests.helpers.product import add_members, new_number, remove_members

pytestmark = pytest.mark.asyncio(loop_scope="session")

PASSWORD = "collected card password"
NAME = "Jürgen 张伟 IVR"
COLLECTED = {"Account": "4711", "Name": NAME, "Markup": "<b>fett</b> & Co"}


async def test_card_shows_what_the_ivr_collected(cti, db, console_page: Page, new_queue,
                                                 new_extension) -> None:
    page = console_page
    queue, ext = await new_queue("collcard", product=cti), new_extension()
    username = f"collected-card-agent-{ext}"
    await ensure_user(db, username, display_name="Ivr Agent", role="agent", extension=ext,
                      interface=agent_member(ext)[0], password=PASSWORD)
    number = new_number()
    await create_customer(db, NAME, [number], default_region="DE")
    await log_in(page, username, PASSWORD, next_path="/console")
    await expect(page.locator("#link")).to_have_text("connected", timeout=10000)
    await add_members(cti, queue, [ext])
    channel_id = str(uuid.uuid4())
    try:
        await cti.server.ami.originate(caller_originate(
            queue, number=number, name=NAME, patience=60, ring=3, talk=2, hangup_by="caller",
            collected=COLLECTED, channel_id=channel_id))
        section = page.locator("#collected")
        await expect(section).to_be_visible(timeout=15000)
        await expect(section.locator("h3")).to_have_text("Collected by the IVR")
        await expect(section.locator("dt")).to_have_text(list(COLLECTED))
        await expect(section.locator("dd")).to_have_text(list(COLLECTED.values()))
        assert await section.locator("b").count() == 0, "values are text, never markup"

        # more collected while the phone still rings: the card follows
        cti.server.collected.record(channel="", uniqueid=f"{channel_id};2", linkedid=channel_id,
                                    fields={"Sprache": "Deutsch 🇩🇪"})
        await expect(section.locator("dd").last).to_have_text("Deutsch 🇩🇪", timeout=5000)

        form = page.locator("#wrapup")
        await expect(form).to_be_visible(timeout=20000)
        await expect(section).to_be_visible()  # still there while the agent wraps up
        await expect(page.locator("#disposition option[value=resolved]")).to_have_count(1, timeout=5000)
        await page.select_option("#disposition", "resolved")
        await page.click("#wrapup-submit")
        await expect(form).to_be_hidden(timeout=10000)
        await expect(section).to_be_hidden()
    finally:
        await remove_members(cti, queue, [ext])

    # the customer's timeline shows what the IVR collected on that call
    await page.fill("#search", "张伟 IVR")
    await page.click("#search-form button")
    await page.locator("#search-results a", has_text=NAME).click()
    past = page.locator("#customer li .collected")
    await expect(past).to_contain_text(f"Name: {NAME}", timeout=10000)
    await expect(past).to_contain_text("Markup: <b>fett</b> & Co")
