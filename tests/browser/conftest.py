"""Browser tests: headless chromium (``browser``, tests/fixtures/browser.py) against the whole
product on the real Asterisk sandbox and PostgreSQL. Nothing here skips."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page

from callcenter.runtime import Running, start_services
from callcenter.settings import Settings

PORT_OFFSET = 50
"""The product for these tests listens apart from tests/integration's (whose session-wide
instance may be running too)."""


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
