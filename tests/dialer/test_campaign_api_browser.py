"""The campaigns page in headless chromium on the real web app and PostgreSQL: a supervisor
uploads a lead list of 20,000 rows with a few bad ones, the progress bar moves while it
imports (its last number held by the test until the page has shown a block's progress), and
the final counts and the error report's link appear."""
from __future__ import annotations

import re
from pathlib import Path

from aiohttp.test_utils import TestClient
from playwright.async_api import Browser, expect

from crm_core.db import Database
from tests.helpers.accounts import make_user
from tests.helpers.browser import checked_page, log_in
from tests.helpers.campaigns import fresh_numbers, leads_of, new_campaign, number_held
from tests.helpers.leadlists import write_csv

ROWS = 20_000
BAD = 3
NAME = "Jürgen 张伟 😀"
# Every value the progress bar takes, as the page sets it (the attribute reflects the value).
RECORD_PROGRESS = """() => {
  window.progressSeen = [];
  const bar = document.getElementById("import-progress");
  new MutationObserver(() => window.progressSeen.push(Number(bar.getAttribute("value"))))
    .observe(bar, {attributes: true, attributeFilter: ["value"]});
}"""


async def test_the_upload_page_shows_progress_and_the_final_counts(
        client: TestClient, db: Database, browser: Browser, tmp_path: Path) -> None:
    supervisor = await make_user(db, "supervisor")
    campaign = await new_campaign(db)
    numbers = fresh_numbers(ROWS - BAD)
    rows = [[number, NAME if i == 0 else f"Lead {i}"] for i, number in enumerate(numbers)]
    rows[10:10] = [["12", "Bad"]] * BAD
    path = write_csv(tmp_path / "big list.csv", [["Telefon", "Vorname"], *rows])

    async with checked_page(browser, str(client.make_url(""))) as page:
        await log_in(page, supervisor.username, supervisor.password, next_path="/campaigns")
        await expect(page.locator(f"#campaigns tr[data-campaign='{campaign}']")).to_be_visible()
        await page.select_option("#upload select[name=campaign]", campaign)
        await page.set_input_files("#upload input[name=file]", str(path))
        await page.fill("#upload input[name=phone]", "Telefon")
        await page.fill("#upload input[name=first_name]", "Vorname")
        await page.fill("#upload input[name=region]", "GB")
        await page.evaluate(RECORD_PROGRESS)
        async with number_held(db, campaign, numbers[-1]):
            await page.click("#upload button")
            await expect(page.locator("#import-progress")).to_have_attribute(
                "value", re.compile(r"^0\.\d*[1-9]"), timeout=60_000)  # between 0 and 1

        await expect(page.locator("#import-state")).to_have_text("Import finished", timeout=120_000)
        counts = page.locator("#import-counts dt")
        await expect(counts).to_contain_text([
            f"{ROWS:,} rows read", f"{ROWS - BAD:,} leads loaded", "0 merged into earlier leads",
            "0 repeated in the file", f"{BAD} rows rejected"])
        report = page.locator("#import-report")
        await expect(report).to_be_visible()
        seen = await page.evaluate("window.progressSeen")
        assert any(0 < value < 1 for value in seen), seen
        assert seen[-1] == 1 and seen == sorted(seen), seen
        async with page.expect_download() as download:
            await report.click()
        saved = await (await download.value).path()
        assert Path(saved).read_text("utf-8-sig").count("\n") == BAD + 1
    leads = await leads_of(db, campaign)
    assert len(leads) == ROWS - BAD and leads[numbers[0]]["first_name"] == NAME
