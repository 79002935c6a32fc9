"""The after-call form comes from the server, not from the tab: on the real stack an agent takes
a real call (pop, answer), hangs up, and closes the browser before giving a disposition; a new
browser context (nothing kept from the first) logs in and finds the form with the call's
customer, queue and dispositions; two tabs show it; submitting in one releases the agent and
the form leaves the other. Across a CTI restart too: the form appears once the new after-call
gate has taken over the calls from before."""
from __future__ import annotations

import pytest
from playwright.async_api import Browser, Page, expect
from sqlalchemy import select

from agent_console.work_api import wrapup_listeners_key
from asterisk_conf.simulation import caller_originate
from crm_core.customers import create_customer
from crm_core.models import CallWrapup
from crm_core.pendingwrapups import SqlPendingWrapups
from ctiserver.acd.wrapup import WrapupGate

from tests.helpers.browser import log_in
from tests.helpers.console import (PASSWORD, ConsoleAgent, agent_resource, console_agent,
                                   console_in_queue, leave_queue, new_number)
from tests.helpers.records import pending_rows

pytestmark = pytest.mark.asyncio(loop_scope="session")

NAME = "Ærøskøbing 王芳 Nachsorge"


async def agent_of(cti, db, new_queue, new_extension) -> ConsoleAgent:
    return await console_agent(db, new_extension(), await new_queue("anywhere", product=cti),
                               display_name="Ólafur 李 Agent")


async def call_then_close(cti, db, first: Page, agent: ConsoleAgent) -> str:
    """In the first browser: join the queue, take a real call of a known customer, hang up,
    see the form, close the browser (its sessionStorage goes with it). The call's key."""
    number = new_number()
    await create_customer(db, NAME, [number], timezone="Europe/Copenhagen", default_region="DE")
    await console_in_queue(first, agent)
    await cti.server.ami.originate(caller_originate(
        agent.queue, number=number, name=NAME, patience=60, ring=1, talk=600,
        hangup_by="caller"))
    await expect(first.locator("#customer .name")).to_contain_text(NAME, timeout=15000)
    await expect(first.locator("#call-state")).to_have_text("On a call", timeout=10000)
    await first.click("#hangup")
    await expect(first.locator("#wrapup")).to_be_visible(timeout=10000)
    await first.fill("#note", "typed in the first browser")
    call_key = await first.locator("#wrapup").get_attribute("data-call-id")
    await first.context.close()
    return call_key


async def new_browser(browser: Browser, cti, agent: ConsoleAgent, errors: list[str]) -> Page:
    """A logged-in console in a browser context of its own: no cookies, no sessionStorage."""
    context = await browser.new_context(base_url=cti.url, viewport={"width": 1500, "height": 1000})
    page = await context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    await log_in(page, agent.username, PASSWORD, next_path="/console")
    return page


async def expect_the_form(page: Page, agent: ConsoleAgent, call_key: str) -> None:
    form = page.locator("#wrapup")
    await expect(form).to_be_visible(timeout=10000)
    assert await form.get_attribute("data-call-id") == call_key
    await expect(page.locator("#wrapup-call")).to_contain_text(NAME, timeout=5000)
    await expect(page.locator("#wrapup-call")).to_contain_text(f"queue {agent.queue}")
    await expect(page.locator("#callback-zone")).to_have_text(
        "Date and time in the customer's time zone (Europe/Copenhagen)")
    await expect(page.locator("#disposition option[value=resolved]")).to_have_count(1)
    await expect(page.locator("#note")).to_have_value("")  # the closed browser's draft went with it


async def submit(page: Page, db, call_key: str, agent: ConsoleAgent, note: str) -> None:
    await page.select_option("#disposition", "resolved")
    await page.fill("#note", note)
    await page.click("#wrapup-submit")
    await expect(page.locator("#wrapup")).to_be_hidden(timeout=10000)
    await expect(page.locator("#agent-state")).to_have_text("Available", timeout=8000)
    async with db.sessionmaker() as session:
        stored = await session.scalar(select(CallWrapup).where(
            CallWrapup.call_key == call_key, CallWrapup.user_id == agent.user_id))
    assert (stored.disposition, stored.note) == ("resolved", note)


async def test_a_closed_browser_leaves_no_dead_end(cti, db, browser: Browser, console_page: Page,
                                                   new_queue, new_extension) -> None:
    agent, errors, later = await agent_of(cti, db, new_queue, new_extension), [], None
    try:
        call_key = await call_then_close(cti, db, console_page, agent)
        later = await new_browser(browser, cti, agent, errors)
        await expect_the_form(later, agent, call_key)
        await expect(later.locator("#agent-state")).to_have_text("After-call work", timeout=5000)
        # "Available" still waits for the disposition, and says so
        await later.click("#unpause")
        await expect(later.locator("#message")).to_have_text(
            "give a disposition for your last call first", timeout=5000)
        # a second tab of the same browser shows the same form
        other = await later.context.new_page()
        await other.goto("/console")
        await expect_the_form(other, agent, call_key)

        await submit(later, db, call_key, agent, "Neuer Tab, alles da ✓")
        # the other tab learns it from the server's list (its next state refresh)
        await expect(other.locator("#wrapup")).to_be_hidden(timeout=8000)
        await expect(other.locator("#message")).to_have_text("Wrapped up elsewhere.")
        assert not cti.server.wrapups.pending(agent.interface)
        assert not errors, errors
    finally:
        if later is not None:
            await later.context.close()
        await leave_queue(cti, agent)


async def test_the_form_comes_back_after_a_cti_restart(cti, db, browser: Browser,
                                                       console_page: Page, new_queue,
                                                       new_extension) -> None:
    agent = await agent_of(cti, db, new_queue, new_extension)
    errors, later, call_key = [], None, None
    console, listeners = agent_resource(cti.runner.app), cti.runner.app[wrapup_listeners_key]
    running = console.wrapups
    index = listeners.index(running.on_wrapup_submitted)
    try:
        call_key = await call_then_close(cti, db, console_page, agent)
        # the restart: a new gate serves the console; it has not read the CRM's list yet
        after = WrapupGate(cti.server.agent_control.pause, cti.server.agent_control.unpause,
                           SqlPendingWrapups(db))
        console.wrapups, listeners[index] = after, after.on_wrapup_submitted
        later = await new_browser(browser, cti, agent, errors)
        await expect(later.locator("#agent-state")).to_have_text("After-call work", timeout=5000)
        assert await later.locator("#wrapup").is_hidden()  # nothing known yet, nothing lost
        await after.restore()  # on the new CTI server's first resync
        await expect_the_form(later, agent, call_key)
        await submit(later, db, call_key, agent, "nach dem Neustart")
        assert await pending_rows(db, agent.interface) == set()
        assert not errors, errors
    finally:
        console.wrapups, listeners[index] = running, running.on_wrapup_submitted
        if call_key is not None:
            await running.on_wrapup_submitted(agent.interface, call_key)  # its memory of the call
        if later is not None:
            await later.context.close()
        await leave_queue(cti, agent)
