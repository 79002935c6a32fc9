"""The site's icon: served to anyone (browsers ask for /favicon.ico on every page, before and
after the login), as SVG, cached by the browser, with the security headers of every response."""
from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest.mark.parametrize("path", ["/favicon.ico", "/favicon.svg"])
async def test_the_icon_is_public_svg(client: TestClient, path: str) -> None:
    response = await client.get(path, allow_redirects=False)
    assert response.status == 200
    assert response.content_type == "image/svg+xml"
    assert "max-age=" in response.headers["Cache-Control"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    body = await response.text()
    assert body.lstrip().startswith("<svg") and "<script" not in body
