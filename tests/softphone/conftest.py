"""The in-browser softphone against the real Asterisk sandbox: Debian's chromium with fake
microphone and camera, the product's web (``cti``) serving the page. Nothing skips."""
from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio
from playwright.async_api import Browser

from tests.helpers.browser import MEDIA_ARGS, chromium


@pytest_asyncio.fixture(scope="package", loop_scope="session")
async def media_browser() -> AsyncIterator[Browser]:
    async with chromium(MEDIA_ARGS) as started:
        yield started
