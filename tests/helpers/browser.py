"""Debian's chromium driven by Playwright (headless), and logging in through the login form."""
from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

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


@asynccontextmanager
async def checked_page(browser: Browser, base_url: str, **context_options: Any) -> AsyncIterator[Page]:
    """A page in a browser context of its own (CONTEXT_OPTIONS: viewport, timezone_id, ...);
    a script error in it fails the test once the page is closed."""
    context = await browser.new_context(base_url=base_url, **context_options)
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.script_errors = errors  # type: ignore[attr-defined]
    try:
        yield page
    finally:
        await context.close()
    assert not [e for e in errors if "Failed to load resource" not in e], errors
