"""The after-call form comes from the server, not from the tab: on the real stack an agent takes
a real call (pop, answer), hangs up, and closes the browser before giving a disposition; a new
browser context (nothing kept from the first) logs in and finds the form with the call's
customer, queue and dispositions; two tabs show it; submitting in one releases the agent and
the form leaves the other."""
from __future__ import annotations

import pytest
from playwright.async_api import Browser, Page, expect
from sqlalchemy import select

from asterisk_conf.simulation import caller_originate
from crm_core.customers import create_customer
from crm_core.models import CallWrapup

from tests.helpers.browser import log_in
from tests.helpers.console import (PASSWORD, console_agent, console_in_queue, leave_queue,
                                   new_number)

pytestmark = pytest.mark.asyncio(loop_scope="session")

NAME = "Ærøskøbing 王芳 Nachsorge"


async def new_tab(browser: Browser, cti, errors: list[str]) -> Page:
    """A page in a browser context of its own: no cookies, no sessionStorage from before."""
    context = await browser.new_context(base_url=cti.url, viewport={"width": 1500, "height": 1000})
    page = await context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return page


async def test_a_closed_browser_leaves_no_dead_end(cti, db, browser: Browser, console_page: Page,
                                                   new_queue, new_extension) -> None:
    agent = await console_agent(db, new_extension(), await new_queue("anywhere", product=cti),
                                display_name="Ólafur 李 Agent")
    number = new_number()
    await create_customer(db, NAME, [number], timezone="Europe/Copenhagen", default_region="DE")
    errors: list[str] = []
    later = None
    try:
        first = console_page
        await console_in_queue(first, agent)
        await cti.server.ami.originate(caller_originate(
            agent.queue, number=number, name=NAME, patience=60, ring=1, talk=600,
            hangup_by="caller"))
        await expect(first.locator("#customer .name")).to_contain_text(NAME, timeout=15000)
        await expect(first.locator("#call-state")).to_have_text("On call", timeout=10000)
        await first.click("#hangup")
        await expect(first.locator("#wrapup")).to_be_visible(timeout=10000)
        call_key = await first.locator("#wrapup").get_attribute("data-call-id")
        await first.context.close()  # the browser is gone, and its sessionStorage with it

        later = await new_tab(browser, cti, errors)
        await log_in(later, agent.username, PASSWORD, next_path="/console")
        form = later.locator("#wrapup")
        await expect(form).to_be_visible(timeout=10000)
        assert await form.get_attribute("data-call-id") == call_key
        await expect(later.locator("#wrapup-call")).to_contain_text(NAME, timeout=5000)
        await expect(later.locator("#wrapup-call")).to_contain_text(f"queue {agent.queue}")
        await expect(later.locator("#callback-zone")).to_have_text(
            "Europe/Copenhagen (customer's time)")
        await expect(later.locator("#disposition option[value=resolved]")).to_have_count(1)
        await expect(later.locator("#agent-state")).to_have_text("paused", timeout=5000)
        await expect(later.locator("#agent-reason")).to_have_text("after-call work")
        # "Available" still waits for the disposition, and says so
        await later.click("#unpause")
        await expect(later.locator("#message")).to_have_text(
            "give a disposition for your last call first", timeout=5000)

        # a second tab of the same browser shows the same form
        other = await later.context.new_page()
        await other.goto("/console")
        await expect(other.locator("#wrapup")).to_be_visible(timeout=10000)
        assert await other.locator("#wrapup").get_attribute("data-call-id") == call_key

        await later.select_option("#disposition", "resolved")
        await later.fill("#note", "Neuer Tab, alles da ✓")
        await later.click("#wrapup-submit")
        await expect(form).to_be_hidden(timeout=10000)
        await expect(later.locator("#agent-state")).to_have_text("available", timeout=8000)
        # the other tab learns it from the server's list (its next state refresh)
        await expect(other.locator("#wrapup")).to_be_hidden(timeout=8000)
        await expect(other.locator("#message")).to_have_text("Wrapped up elsewhere.")
        async with db.sessionmaker() as session:
            stored = await session.scalar(select(CallWrapup).where(
                CallWrapup.call_key == call_key, CallWrapup.user_id == agent.user_id))
        assert (stored.disposition, stored.note) == ("resolved", "Neuer Tab, alles da ✓")
        assert not cti.server.wrapups.pending(agent.interface)
        assert not errors, errors
    finally:
        if later is not None:
            await later.context.close()
        await leave_queue(cti, agent)
