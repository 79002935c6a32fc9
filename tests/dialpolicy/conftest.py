"""The dial policy's tests: the shared ``client`` (the web app, no Asterisk), ``cti`` (the whole
product on the Asterisk sandbox) and, for the browser test, the console in Debian's chromium."""
from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio
from playwright.async_api import Browser, Page

from tests.helpers.browser import checked_page


@pytest_asyncio.fixture(loop_scope="session")
async def console_page(browser: Browser, cti) -> AsyncIterator[Page]:
    async with checked_page(browser, cti.url, viewport={"width": 1366, "height": 768}) as page:
        yield page
