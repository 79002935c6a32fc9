"""An unknown caller on the real stack: the console offers a new-customer form prefilled with
the caller's number and caller-ID name; the agent completes and creates it, the card replaces
the form, the customer is in the CRM with that number and found by search."""
from __future__ import annotations

import pytest
from playwright.async_api import Page, expect
from sqlalchemy import select

from asterisk_conf.simulation import caller_originate
from crm_core.models import ContactNumber, Customer

from tests.helpers.console import console_agent, console_in_queue, leave_queue, new_number

pytestmark = pytest.mark.asyncio(loop_scope="session")

CALLER = "Émile Faure-张"


async def test_unknown_caller_becomes_a_customer(cti, db, console_page: Page, new_queue,
                                                new_extension) -> None:
    page = console_page
    agent = await console_agent(db, new_extension(), await new_queue("newcust", product=cti))
    number = new_number()
    try:
        await console_in_queue(page, agent)

        await cti.server.ami.originate(caller_originate(
            agent.queue, number=number, name=CALLER, patience=60, ring=1, talk=600, hangup_by="caller"))
        form = page.locator("#new-customer")
        await expect(form).to_be_visible(timeout=15000)
        await expect(page.locator("#new-number")).to_have_value(number)
        await expect(page.locator("#new-name")).to_have_value(CALLER)
        await page.fill("#new-company", "Faure & Fils 有限公司")
        await page.click("#new-customer button")
        await expect(page.locator("#customer .name")).to_contain_text(CALLER, timeout=5000)
        await expect(form).to_be_hidden()
        async with db.sessionmaker() as session:
            customer = await session.scalar(select(Customer).join(ContactNumber).where(
                ContactNumber.number_e164 == number))
        assert customer is not None and customer.name == CALLER
        assert customer.company == "Faure & Fils 有限公司"

        await expect(page.locator("#call-state")).to_have_text("On a call", timeout=10000)
        await page.click("#hangup")
        await expect(page.locator("#wrapup")).to_be_visible(timeout=10000)
        await expect(page.locator("#disposition option[value=resolved]")).to_have_count(1, timeout=5000)
        await page.select_option("#disposition", "resolved")
        await page.click("#wrapup-submit")
        await expect(page.locator("#wrapup")).to_be_hidden(timeout=10000)
        await expect(page.locator("#agent-state")).to_have_text("Available", timeout=8000)

        await page.fill("#search", "Faure-张")
        await page.click("#search-form button")
        await expect(page.locator("#search-results li")).to_contain_text(CALLER, timeout=5000)
    finally:
        await leave_queue(cti, agent)
