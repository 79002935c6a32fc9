"""The header's links (agent_console.pages.NAV): each role sees the pages it may open, and
only those — held to the routes' own role rules on the whole web app."""
from __future__ import annotations

import re

import pytest
from aiohttp.test_utils import TestClient

from agent_console.pages import NAV
from crm_core.db import Database
from tests.helpers.accounts import make_user
from tests.helpers.webapp import post_login

LINK = re.compile(r'<nav class="site"[^>]*>(.*?)</nav>', re.S)


def links_in(html: str) -> list[str]:
    found = LINK.search(html)
    return re.findall(r'href="([^"]+)"', found.group(1)) if found else []


@pytest.mark.parametrize("role", ["agent", "supervisor", "admin", "marketing"])
async def test_each_role_is_shown_the_pages_it_may_open(
        client: TestClient, db: Database, role: str) -> None:
    account = await make_user(db, role)
    assert (await post_login(client, account.username, account.password)).status == 303
    shown = [path for path, _, roles in NAV if role in roles]
    for path, _, _ in NAV:
        page = await client.get(path, headers={"Accept": "text/html"}, allow_redirects=False)
        assert (page.status == 200) == (path in shown), (role, path, page.status)
    for path in shown:
        html = await (await client.get(path)).text()
        if path == "/console" or len(shown) == 1:  # the agent's own screen; one page: no links
            assert links_in(html) == [], (role, path)
            continue
        assert links_in(html) == shown, (role, path)
        assert f'<a href="{path}" aria-current="page">' in html
