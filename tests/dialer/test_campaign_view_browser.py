"""The marketing workflow in headless chromium on the whole product (real Asterisk sandbox,
PostgreSQL, the CTI server's web app): a marketing user uploads a lead list with bad rows,
sees the progress bar and the error report, loads the national do-not-call register (one of
the leads on it, never dialed), starts the campaign from the page and watches the
live view's numbers move as the dialer calls the sandbox's simulated customers (two simulated
agents in the campaign's queue), reads the compliance report, pauses and stops the campaign
from the page."""
from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

from asterisk_conf.simulation import customer_variables
from dialer.campaigns import CampaignSettings
from dialer.store import Campaigns

from tests.helpers.accounts import make_user
from tests.helpers.browser import checked_page, log_in
from tests.helpers.campaigns import (
    campaign_name, dialing, fresh_numbers, leads_of, set_zone, zone_at,
)
from tests.helpers.leadlists import write_csv
from tests.helpers.waiting import poll_until

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

GOOD = 12
BAD_ROWS = [["12", "Too short"], ["not a number", "Letters"], ["", "Empty"]]
NAME = "Jürgen 张伟 😀"
# Every value the live view's "dialed" figure shows, as the page sets it.
RECORD_DIALED = """(name) => {
  window.dialedSeen = [];
  const live = document.getElementById("live-campaigns");
  new MutationObserver(() => {
    const figure = live.querySelector(`[data-campaign="${CSS.escape(name)}"] [data-figure=dialed]`);
    if (figure) window.dialedSeen.push(figure.textContent);
  }).observe(live, {childList: true, subtree: true});
}"""


async def test_a_marketing_user_runs_a_campaign_from_the_page(
        cti, db, settings, browser: Browser, new_queue, new_extension, tmp_path: Path) -> None:
    marketing = await make_user(db, "marketing")
    queue = await new_queue("view", product=cti)
    agents = [new_extension(), new_extension()]
    name = campaign_name("view")
    await Campaigns(db).create(name, CampaignSettings(rule_set="UK", queue=queue,
                                                      mode="progressive"))
    numbers = fresh_numbers(GOOD)
    behaviour = {n: "busy" if i % 3 == 2 else "human" for i, n in enumerate(numbers)}
    rows = [[n, NAME] for n in numbers]
    rows[4:4] = BAD_ROWS
    path = write_csv(tmp_path / f"{NAME} list.csv", [["Phone", "First"], *rows])
    opted_out = numbers[0]
    register = write_csv(tmp_path / "tps.csv", [[opted_out]])
    called: list[str] = []

    def customer(number: str) -> dict[str, str]:
        called.append(number)
        return customer_variables(behaviour[number], talk=2, rings_for=0.5)

    async with dialing(cti, db, settings, queue, agents, customer,
                       board=cti.server.campaign_board):
        async with checked_page(browser, cti.url) as page:
            await log_in(page, marketing.username, marketing.password, next_path="/campaigns")
            row = page.locator(f"#campaigns tr[data-campaign='{name}']")
            await expect(row).to_be_visible()
            await page.select_option("#upload select[name=campaign]", name)
            await page.set_input_files("#upload input[name=file]", str(path))
            await page.fill("#upload input[name=phone]", "Phone")
            await page.fill("#upload input[name=first_name]", "First")
            await page.fill("#upload input[name=region]", "GB")
            await page.click("#upload button")
            await expect(page.locator("#import-state")).to_have_text("Import finished",
                                                                    timeout=30_000)
            assert await page.locator("#import-progress").get_attribute("value") == "1"
            await expect(page.locator("#import-counts dt")).to_contain_text(
                [f"{len(rows)} rows read", f"{GOOD} leads loaded", f"{len(BAD_ROWS)} rows rejected"])
            report = page.locator("#import-report")
            await expect(report).to_be_visible()
            async with page.expect_download() as download:
                await report.click()
            lines = Path(await (await download.value).path()).read_text("utf-8-sig").splitlines()
            assert len(lines) == len(BAD_ROWS) + 1, lines

            # the UK's register, which a campaign needs fresh to start, lists one of the leads
            await page.select_option("#national-dnc select[name=country]", "GB")
            await page.fill("#national-dnc input[name=released_on]",
                            datetime.now(UTC).date().isoformat())
            await page.set_input_files("#national-dnc input[name=file]", str(register))
            await page.click("#national-dnc button")
            await expect(page.locator("#national-dnc-result")).to_contain_text(
                "1 number on the list · 0 rows were no number · 1 lead marked do-not-call")

            # the good leads are in their calling hours (London's night is nobody's test time)
            await set_zone(db, name, numbers, zone_at(13, datetime.now(UTC)))
            await page.evaluate(RECORD_DIALED, name)
            await row.get_by_role("button", name="Start").click()
            card = page.locator(f".live-card[data-campaign='{name}']")
            await expect(card).to_have_attribute("data-state", "running", timeout=10_000)
            # a running campaign's row offers what its state allows: pause and stop, not start
            await expect(row.get_by_role("button")).to_have_text(["Pause", "Stop"])
            dialed = card.locator("[data-figure=dialed]")
            await expect(dialed).not_to_have_text("0", timeout=30_000)
            await expect(card.locator("[data-figure=agents]")).to_be_visible()
            await expect(card.locator("[data-figure=window]")).to_contain_text("%")

            async def moved() -> bool:
                seen = {int(v) for v in await page.evaluate("window.dialedSeen")}
                return len(seen - {0}) >= 2
            await poll_until(moved, "the live view's dialed count moving", 60, every=0.5)

            await card.get_by_role("button", name="Pause").click()
            await expect(card).to_have_attribute("data-state", "paused", timeout=10_000)
            await expect(card.get_by_role("button", name="Resume")).to_be_visible()
            assert (await Campaigns(db).get(name)).state == "paused"

            await page.select_option("#compliance select[name=campaign]", name)
            await page.click("#compliance-form button")
            report_rows = page.locator("#compliance-report tbody tr")
            await expect(report_rows.first).to_be_visible()
            for must_be_zero in ("out_of_window", "dnc_calls"):
                value = page.locator(f"#compliance-report tr[data-figure={must_be_zero}] td").nth(1)
                await expect(value).to_have_text("0")
            assert (await page.locator("#compliance-csv").get_attribute("href")).endswith(
                "/compliance.csv")

            await card.get_by_role("button", name="Stop").click()
            await expect(card).to_have_count(0, timeout=10_000)
    assert (await Campaigns(db).get(name)).state == "stopped"
    dialed_leads = [lead for lead in (await leads_of(db, name)).values() if lead["attempts"]]
    assert dialed_leads and all(lead["first_name"] == NAME for lead in dialed_leads)
    assert called and opted_out not in called
