"""A console reloaded in the middle of a recorded call, in Debian's chromium against the real
product: the recordings card shows the recording as it stands at once (recording, with the
pause button; paused, with the resume button), as the CTI server sends it over /ws/agent on
connect, and follows it on to the call's end."""
from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, expect

from asterisk_conf.simulation import caller_originate
from recordings.policy import Mode, RecordingPolicy

from tests.helpers.browser import checked_page
from tests.helpers.console import (console_agent, console_in_queue, expect_recording_state,
                                   leave_queue, new_number)

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

TALK = 20
"""Seconds of the call: long enough for two reloads and a pause."""


@pytest_asyncio.fixture(loop_scope="session")
async def console_page(browser: Browser, cti) -> AsyncIterator[Page]:
    async with checked_page(browser, cti.url, viewport={"width": 1400, "height": 900}) as page:
        yield page


async def reloaded(page: Page) -> None:
    await page.reload()
    await expect(page.locator("#link")).to_have_class("live", timeout=10000)


async def test_a_console_reloaded_mid_call_shows_the_recording_as_it_stands(
        cti, db, console_page: Page, new_queue, new_extension) -> None:
    page = console_page
    queue = await new_queue("recreload", product=cti)
    await cti.server.recordings.policies.put("queue", queue, RecordingPolicy(Mode.ALL))
    agent = await console_agent(db, new_extension(), queue)
    await console_in_queue(page, agent)
    try:
        await cti.server.ami.originate(caller_originate(
            queue, number=new_number(), name="Jürgen 张伟 😀", patience=60, ring=0.5,
            talk=TALK, hangup_by="caller", tone="440"))
        await expect_recording_state(page, "Recording", pause=True, resume=False)
        await reloaded(page)
        await expect_recording_state(page, "Recording", pause=True, resume=False, timeout=5000)

        await page.click("#rec-pause")
        await expect_recording_state(page, "Recording paused", pause=False, resume=True)
        await reloaded(page)
        await expect_recording_state(page, "Recording paused", pause=False, resume=True,
                                     timeout=5000)
        await expect_recording_state(page, "Not recorded", pause=False, resume=False,
                                     timeout=(TALK + 10) * 1000)  # the call ended
    finally:
        await leave_queue(cti, agent)
