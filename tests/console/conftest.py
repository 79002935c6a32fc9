"""The console against the whole product on the real Asterisk sandbox (the shared ``cti``
fixture: no second product) and Debian's chromium (``browser``). Nothing skips."""
from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio
from playwright.async_api import Browser, Page

from tests.helpers.browser import checked_page


@pytest_asyncio.fixture(loop_scope="session")
async def console_page(browser: Browser, cti) -> AsyncIterator[Page]:
    async with checked_page(browser, cti.url, viewport={"width": 1500, "height": 1000}) as page:
        yield page


@pytest_asyncio.fixture(loop_scope="session")
async def laptop_console_page(browser: Browser, cti) -> AsyncIterator[Page]:
    """The console on a 1366x768 laptop screen, the agent's browser in Berlin's time zone."""
    async with checked_page(browser, cti.url, viewport={"width": 1366, "height": 768},
                            timezone_id="Europe/Berlin") as page:
        yield page
