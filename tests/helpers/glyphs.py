"""Whether the machine's fonts can draw every character a page shows (no tofu boxes): Chromium
draws with fontconfig's fonts, so each character must be in at least one of them."""
from __future__ import annotations

import subprocess
from functools import cache

from playwright.async_api import Page


@cache
def has_glyph(char: str) -> bool:
    found = subprocess.run(["fc-list", f":charset={ord(char):x}", "family"], check=True,
                           capture_output=True, text=True).stdout
    return bool(found.strip())


async def undrawable(page: Page) -> list[str]:
    """The characters on PAGE (its text and form values) no installed font has."""
    text = await page.evaluate(
        "() => document.body.innerText + [...document.querySelectorAll('input, select')]"
        ".map((e) => e.value || e.placeholder || '').join('')")
    return sorted({c for c in text if ord(c) > 0x7f and not c.isspace() and not has_glyph(c)})
