"""Browser tests: Debian's chromium driven by Playwright (headless), against the whole product
on the real Asterisk sandbox and PostgreSQL. Nothing here skips: a browser that cannot start
fails the run."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, async_playwright

from callcenter.runtime import Running, start_services
from callcenter.settings import Settings

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
PORT_OFFSET = 50
"""The product for these tests listens apart from tests/integration's (whose session-wide
instance may be running too)."""


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser() -> AsyncIterator[Browser]:
    try:
        playwright = await async_playwright().start()
        chromium = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    except Exception as exc:  # any reason is a broken test environment: report it whole
        pytest.fail(f"chromium did not start ({CHROMIUM}): {exc!r}", pytrace=False)
    yield chromium
    await chromium.close()
    await playwright.stop()


@pytest_asyncio.fixture(scope="package", loop_scope="session")
async def product(settings: Settings, db, asterisk, ami_secret) -> AsyncIterator[Running]:
    """The whole product (CTI server + web), as tests/integration's ``cti``, on its own ports."""
    own = settings.model_copy(update={
        "http_port": settings.http_port + PORT_OFFSET,
        "fastagi_port": settings.fastagi_port + PORT_OFFSET,
    })
    running = await start_services(own, db, ami_secret=ami_secret)
    try:
        await asyncio.wait_for(running.server.ami.connected.wait(), 20)
    except asyncio.TimeoutError:
        await running.stop()
        pytest.fail("the CTI server did not connect to the Asterisk sandbox's AMI")
    yield running
    await running.stop()


@pytest_asyncio.fixture(loop_scope="session")
async def page(browser: Browser, product: Running) -> AsyncIterator[Page]:
    context = await browser.new_context(base_url=product.url, viewport={"width": 1600, "height": 1000})
    page = await context.new_page()
    yield page
    await context.close()


async def log_in(page: Page, username: str, password: str, next_path: str = "/wallboard") -> None:
    """Through the login form, as a person would."""
    await page.goto(f"/login?next={next_path}")
    await page.fill("#username", username)
    await page.fill("#password", password)
    await page.click("button[type=submit]")
    await page.wait_for_load_state("domcontentloaded")
