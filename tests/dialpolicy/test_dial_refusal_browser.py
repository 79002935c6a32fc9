"""In the console (headless chromium, the whole product on the Asterisk sandbox): an agent types
a blocked number in the dial box, presses Dial, and the status line says why it was refused;
the attempt is in the audit log and nothing rang."""
from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.helpers.browser import log_in
from tests.helpers.console import PASSWORD, bridged
from tests.helpers.dialpolicy import PREMIUM, attempts_of, new_team, team_agent

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_a_blocked_number_typed_in_the_dial_box_is_explained(
        cti, db, console_page: Page, new_extension) -> None:
    page = console_page
    agent = await team_agent(db, new_extension(), new_team())
    await log_in(page, agent.username, PASSWORD, next_path="/console")
    await expect(page.locator("#link")).to_have_text("connected", timeout=10000)
    await page.fill("#dial-number", PREMIUM)
    await page.locator("#dial-form button").click()
    await expect(page.locator("#message")).to_have_text("premium-rate numbers cannot be dialled",
                                                        timeout=5000)
    (row,) = await attempts_of(db, agent.username)
    assert (row["number"], row["decision"], row["call_id"]) == (PREMIUM, "refused", None)
    assert await bridged(cti, agent) is None
