"""The screenshots in docs/screenshots/, made on the real stack: the console idle, ringing, on a
call and in after-call work, and the wallboard, in English and in Chinese (the users' saved
language). Every test run makes them (in a temporary folder, so the run proves they can be
made); `callcenter screenshots` runs this file with CALLCENTER_SCREENSHOTS=docs/screenshots to
refresh the committed ones. In Chinese the pages must be in Chinese and every character on them
drawable by an installed font (no tofu boxes). The IVR, campaigns and recordings pages too."""
from __future__ import annotations

import contextlib
import os
import re
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, expect

from asterisk_conf.simulation import caller_originate
from crm_core.customers import create_customer
from crm_core.teams import set_led_teams
from crm_core.users import ensure_user, set_language, update_user

from tests.helpers.browser import checked_page, log_in
from tests.helpers.campaigns import running_campaign
from tests.helpers.glyphs import undrawable
from tests.helpers.console import (PASSWORD, ConsoleAgent, console_agent, console_in_queue,
                                   leave_queue, new_number)
from tests.helpers.playback import stored_call_recording

pytestmark = pytest.mark.asyncio(loop_scope="session")

LAPTOP = {"width": 1366, "height": 768}
CUSTOMER = "Jürgen 张伟 😀"
IN_WORDS = {"en": ("Available", "Wallboard"), "zh_CN": ("示闲", "监控大屏")}
"""Per language: the idle console's state and the wallboard's title."""


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("CALLCENTER_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


async def shoot(page: Page, folder: Path, name: str) -> None:
    assert await undrawable(page) == [], name
    path = folder / f"{name}.png"
    await page.screenshot(path=path)
    assert path.stat().st_size > 10_000, path  # a drawn page, not a blank one


@pytest.mark.parametrize("language", list(IN_WORDS))
async def test_console_and_wallboard_screenshots(cti, db, browser: Browser, new_queue,
                                                 new_extension, shots: Path,
                                                 language: str) -> None:
    queue = await new_queue("screens", product=cti)
    agent = await console_agent(db, new_extension(), queue, display_name="Ólafur 李 Agent")
    await set_language(db, agent.user_id, language)
    number = new_number()
    await create_customer(db, CUSTOMER, [number], timezone="Asia/Shanghai", default_region="DE")
    async with checked_page(browser, cti.url, viewport=LAPTOP, timezone_id="Europe/Berlin",
                            locale=language.replace("_", "-")) as page:
        try:
            await console_in_queue(page, agent)
            await expect(page.locator("html")).to_have_attribute("lang", language.replace("_", "-"))
            await expect(page.locator("#agent-state")).to_have_text(IN_WORDS[language][0])
            await shoot(page, shots, f"console-idle-{language}")
            await cti.server.ami.originate(caller_originate(
                queue, number=number, name=CUSTOMER, patience=60, ring=3, talk=600,
                hangup_by="caller"))
            await expect(page.locator("#agent-state")).to_have_attribute(
                "data-state", "ringing", timeout=15000)
            await expect(page.locator("#customer .name")).to_contain_text(CUSTOMER, timeout=5000)
            await shoot(page, shots, f"console-ringing-{language}")
            await expect(page.locator("#agent-state")).to_have_attribute(
                "data-state", "on_call", timeout=15000)
            await expect(page.locator("#call-timer")).to_have_text(re.compile(r"0:0[2-9]"),
                                                                   timeout=10000)
            await shoot(page, shots, f"console-on-call-{language}")
            await wallboard(browser, cti, db, agent, shots, language)
            await page.click("#hangup")
            await expect(page.locator("#wrapup")).to_be_visible(timeout=10000)
            await shoot(page, shots, f"console-after-call-{language}")
        finally:
            await leave_queue(cti, agent)


async def wallboard(browser: Browser, cti, db, agent: ConsoleAgent, shots: Path,
                    language: str) -> None:
    """The supervisor's wallboard while the agent talks (the agent in a team the supervisor leads)."""
    team = f"screens-{uuid.uuid4().hex[:6]}"
    await update_user(db, agent.username, {"team": team})
    supervisor = f"shots-boss-{uuid.uuid4().hex[:6]}"
    supervisor_id, _ = await ensure_user(db, supervisor, display_name="Søren 王 Supervisor",
                                         role="supervisor", password=PASSWORD)
    await set_language(db, supervisor_id, language)
    await set_led_teams(db, supervisor_id, [team])
    async with checked_page(browser, cti.url, viewport={"width": 1920, "height": 1080},
                            locale=language.replace("_", "-")) as board:
        await log_in(board, supervisor, PASSWORD)
        await expect(board.locator("h1")).to_have_text(IN_WORDS[language][1])
        await expect(board.locator("#link")).to_have_class("live", timeout=10000)
        await expect(board.locator(f'#agents tr[data-agent="{agent.interface}"]')).to_have_attribute(
            "data-state", "on_call", timeout=10000)
        await shoot(board, shots, f"wallboard-{language}")


@pytest.mark.parametrize(("language", "title"), [("en", "IVR flows"), ("zh_CN", "IVR 流程")])
async def test_ivr_page_screenshot(cti, db, browser: Browser, shots: Path, language: str,
                                   title: str) -> None:
    """The IVR page with the example hotline's diagram, in the admin's language."""
    async with _admin_page(cti, db, browser, language, "/admin/ivr") as page:
        await expect(page.locator("h1")).to_have_text(title)
        await page.select_option("#flow", "hotline")
        await expect(page.locator("#diagram")).to_have_attribute("data-flow", "hotline")
        await expect(page.locator('#diagram .node[data-node="menu"]')).to_be_visible()
        await shoot(page, shots, f"ivr-{language}")

@pytest.mark.parametrize(("language", "title"), [("en", "Campaigns"), ("zh_CN", "营销活动")])
async def test_campaigns_page_screenshot(cti, db, browser: Browser, shots: Path, tmp_path: Path,
                                         language: str, title: str) -> None:
    """The campaigns page with a running campaign's live card, in the admin's language."""
    name = await running_campaign(db, tmp_path)
    async with _admin_page(cti, db, browser, language, "/campaigns") as page:
        await expect(page.locator("h1")).to_have_text(title)
        await expect(page.locator(f".live-card[data-campaign='{name}']")).to_be_visible()
        await shoot(page, shots, f"campaigns-{language}")


@pytest.mark.parametrize(("language", "title"), [("en", "Recordings' audit log"),
                                                 ("zh_CN", "录音审计日志")])
async def test_recording_pages_screenshots(cti, db, browser: Browser, shots: Path, tmp_path: Path,
                                           language: str, title: str) -> None:
    """A recording's player (waveform, a paused stretch) and the audit log that plays fill."""
    recording = await stored_call_recording(db, cti.server.recordings.storage, None, tmp_path,
                                            seconds=8, pauses=((2.0, 3.0, "agent"),))
    async with _admin_page(cti, db, browser, language, f"/recordings/{recording.id}") as page:
        await expect(page.locator(".rec-wave")).to_have_attribute("data-peaks", re.compile(r"\d+"))
        await expect(page.locator(".rec-pauses")).to_contain_text("0:02")
        await shoot(page, shots, f"recording-{language}")
        await page.goto(f"{cti.url}/recordings/audit")
        await expect(page.locator("h1")).to_have_text(title)
        await shoot(page, shots, f"recordings-audit-{language}")


@contextlib.asynccontextmanager
async def _admin_page(cti, db, browser: Browser, language: str, path: str) -> AsyncIterator[Page]:
    """A page of a new admin's, who reads LANGUAGE, logged in at PATH."""
    admin = f"shots-admin-{uuid.uuid4().hex[:6]}"
    admin_id, _ = await ensure_user(db, admin, display_name="Åsa 陈 Admin", role="admin",
                                    password=PASSWORD)
    await set_language(db, admin_id, language)
    async with checked_page(browser, cti.url, viewport={"width": 1920, "height": 1080},
                            locale=language.replace("_", "-")) as page:
        await log_in(page, admin, PASSWORD, next_path=path)
        yield page
