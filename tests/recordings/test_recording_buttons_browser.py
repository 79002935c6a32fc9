"""The console's pause and resume buttons in Debian's chromium against the real product: an
agent on a call of a queue that records on demand sees the recording's state as the server
pushes it over /ws/agent (paused until started, recording, paused again) with the one button
that applies, and neither once the call is over or when it is not recorded."""
from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page

from asterisk_conf.simulation import caller_originate
from recordings.policy import Mode, RecordingPolicy

from tests.helpers.browser import checked_page
from tests.helpers.console import (console_agent, console_in_queue, expect_recording_state,
                                   leave_queue, new_number)

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


@pytest_asyncio.fixture(loop_scope="session")
async def console_page(browser: Browser, cti) -> AsyncIterator[Page]:
    async with checked_page(browser, cti.url, viewport={"width": 1400, "height": 900}) as page:
        yield page


async def test_the_buttons_follow_the_calls_recording(cti, db, console_page: Page, new_queue,
                                                      new_extension) -> None:
    page = console_page
    queue = await new_queue("recbtn", product=cti)
    await cti.server.recordings.policies.put("queue", queue, RecordingPolicy(Mode.ON_DEMAND))
    agent = await console_agent(db, new_extension(), queue)
    await console_in_queue(page, agent)
    try:
        await expect_recording_state(page, "Not recorded", pause=False, resume=False)
        await cti.server.ami.originate(caller_originate(
            queue, number=new_number(), name="Jürgen 张伟 😀", patience=60, ring=0.5, talk=8,
            hangup_by="caller", tone="440"))
        await expect_recording_state(page, "Recording paused", pause=False, resume=True)
        await page.click("#rec-resume")
        await expect_recording_state(page, "Recording", pause=True, resume=False)
        await page.click("#rec-pause")
        await expect_recording_state(page, "Recording paused", pause=False, resume=True)
        await expect_recording_state(page, "Not recorded", pause=False, resume=False)  # the call ended
    finally:
        await leave_queue(cti, agent)
