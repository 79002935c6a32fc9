"""The in-browser softphone against the real Asterisk sandbox: Debian's chromium with fake
microphone and camera, the product's web (``cti``) serving the page. Nothing skips."""
from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from playwright.async_api import Browser, async_playwright

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

MEDIA_ARGS = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]


@pytest_asyncio.fixture(scope="package", loop_scope="session")
async def media_browser() -> AsyncIterator[Browser]:
    try:
        playwright = await async_playwright().start()
        chromium = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, *MEDIA_ARGS], headless=True)
    except Exception as exc:  # any reason is a broken test environment: report it whole
        pytest.fail(f"chromium did not start ({CHROMIUM}): {exc!r}", pytrace=False)
    yield chromium
    await chromium.close()
    await playwright.stop()
