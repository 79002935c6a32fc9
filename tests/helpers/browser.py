"""Debian's chromium driven by Playwright (headless), and logging in through the login form."""
from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

import pytest
from playwright.async_api import Browser, Page, async_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
MEDIA_ARGS = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]
"""Fake microphone and camera, permission granted (the softphone)."""


@asynccontextmanager
async def chromium(extra_args: Sequence[str] = ()) -> AsyncIterator[Browser]:
    """A headless chromium; one that cannot start fails the test (never skips)."""
    try:
        playwright = await async_playwright().start()
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, *extra_args], headless=True)
    except Exception as exc:  # any reason is a broken test environment: report it whole
        pytest.fail(f"chromium did not start ({CHROMIUM}): {exc!r}", pytrace=False)
    try:
        yield browser
    finally:
        await browser.close()
        await playwright.stop()


async def log_in(page: Page, username: str, password: str, next_path: str = "/wallboard") -> None:
    """Through the login form, as a person would."""
    await page.goto(f"/login?next={next_path}")
    await page.fill("#username", username)
    await page.fill("#password", password)
    await page.click("button[type=submit]")
    await page.wait_for_load_state("domcontentloaded")
