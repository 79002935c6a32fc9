"""The console against the whole product on the real Asterisk sandbox (the shared ``cti``
fixture: no second product) and Debian's chromium (``browser``). Nothing skips."""
from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio
from playwright.async_api import Browser, Page


@pytest_asyncio.fixture(loop_scope="session")
async def console_page(browser: Browser, cti) -> AsyncIterator[Page]:
    context = await browser.new_context(base_url=cti.url, viewport={"width": 1500, "height": 1000})
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.script_errors = errors  # type: ignore[attr-defined]
    yield page
    await context.close()
    assert not [e for e in errors if "Failed to load resource" not in e], errors
