"""Security headers on every response of the production app (a walk over its router, so a route
added later is covered), no inline script, style or handler in the pages the CSP would block,
and the Origin check on browsers' state-changing requests."""
from __future__ import annotations

import asyncio
import re

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from agent_console import headers
from crm_core.db import Database

from tests.helpers.accounts import make_user
from tests.helpers.webapp import log_in

METHODS_FOR_ANY = ("GET", "POST", "PUT", "PATCH", "DELETE")
EXPECTED = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Server": "callcenter",
}
PAGES = {"agent": ["/console", "/softphone"], "admin": ["/wallboard"], None: ["/login"]}


def routes(app: web.Application) -> list[tuple[str, str]]:
    """(method, concrete path) of every route, path parameters filled in."""
    table = []
    for route in app.router.routes():
        path = re.sub(r"\{[^}]*\}", "1", route.resource.canonical)
        table += [(m, path) for m in (METHODS_FOR_ANY if route.method == "*" else (route.method,))]
    return table


def check(response, where) -> None:
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, (where, name, response.headers.get(name))
    policy = dict(part.strip().split(" ", 1)
                  for part in response.headers["Content-Security-Policy"].split(";"))
    assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'", where
    assert policy["frame-ancestors"] == "'none'" and policy["object-src"] == "'none'", where
    assert "unsafe" not in response.headers["Content-Security-Policy"], where


async def test_every_response_of_every_route_carries_the_headers(
        client: TestClient, db: Database) -> None:
    table = routes(client.app)
    assert ("GET", "/ws/agent") in table and ("GET", "/api/calls/1") in table
    extra = [("GET", "/no/such/page"), ("DELETE", "/login"), ("GET", "/login/login.css")]
    origin = {"Origin": f"http://{client.host}:{client.port}"}
    seen: set[int] = set()
    for who in (None, "agent", "admin"):  # logged in: the GETs (no state changes)
        client.session.cookie_jar.clear()
        csrf = await log_in(client, await make_user(db, who)) if who else ""
        for method, path in table + extra:
            if who and method != "GET" and (method, path) not in extra:
                continue
            for accept in ("text/html", "application/json"):
                response = await client.request(
                    method, path, allow_redirects=False,
                    headers={"Accept": accept, "X-CSRF-Token": csrf, **origin})
                check(response, (who, method, path, response.status))
                seen.add(response.status)
    # pages, redirects, refusals, missing things, wrong methods, bad bodies, refused upgrades
    assert {200, 303, 400, 401, 403, 404, 405} <= seen, seen


async def test_a_crashed_handler_and_the_websocket_handshake_carry_them_too(db: Database) -> None:
    app = web.Application()
    headers.install(app)

    async def crash(request: web.Request) -> web.Response:
        raise RuntimeError("boom")

    async def socket(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.close()
        return ws

    app.router.add_get("/crash", crash)
    app.router.add_get("/ws", socket)
    async with TestClient(TestServer(app)) as client:
        crashed = await client.get("/crash")
        assert crashed.status == 500
        check(crashed, "500")
        ws = await client.ws_connect("/ws")
        check(ws._response, "101")
        await ws.close()


async def test_malformed_requests_get_no_versions_either(client: TestClient) -> None:
    reader, writer = await asyncio.open_connection(client.host, client.port)
    writer.write(b"GARBAGE / HTTP/1.1\r\n\r\n")
    answer = (await reader.read(4096)).decode("latin-1")
    writer.close()
    assert answer.startswith("HTTP/1.0 400") and "\r\nServer: callcenter\r\n" in answer, answer
    assert "aiohttp" not in answer and "Python" not in answer


def test_the_softphone_websocket_is_the_only_other_connect_source() -> None:
    policy = headers.content_security_policy([headers.websocket_source("ws://10.0.0.5:8088/ws")])
    assert "connect-src 'self' ws://10.0.0.5:8088;" in policy


INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I),
     "inline script"),
    (re.compile(r"<style", re.I), "inline style"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "inline event handler"),
    (re.compile(r"\sstyle\s*=", re.I), "style attribute"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


async def test_the_pages_have_nothing_inline_the_policy_blocks(
        client: TestClient, db: Database) -> None:
    for role, paths in PAGES.items():
        client.session.cookie_jar.clear()
        if role:
            await log_in(client, await make_user(db, role))
        for path in paths:
            response = await client.get(path, allow_redirects=False)
            assert response.status == 200, (path, response.status)
            html = await response.text()
            found = [what for pattern, what in INLINE if pattern.search(html)]
            assert not found, (path, found)
            for asset in re.findall(r'(?:src|href)="(/[^"]+)"', html):
                loaded = await client.get(asset, allow_redirects=False)
                assert loaded.status == 200, (path, asset, loaded.status)


# --- the Origin check -----------------------------------------------------------------------


async def test_state_changes_from_another_origin_are_refused(
        client: TestClient, db: Database) -> None:
    own = f"http://{client.host}:{client.port}"
    account = await make_user(db)
    csrf = await log_in(client, account)
    for origin in ("http://evil.example", own.replace("127.0.0.1", "localhost"), "null",
                   own.replace("http://", "https://") + "0"):
        for method, path in (("POST", "/logout"), ("POST", "/api/agent/pause"),
                             ("PUT", "/admin/queues/x"), ("DELETE", "/admin/scripts/queue/x")):
            response = await client.request(method, path, allow_redirects=False,
                                                headers={"Origin": origin, "X-CSRF-Token": csrf})
            assert response.status == 403, (origin, method, path, response.status)
            if path == "/logout":  # a form's target: plain text, as its other refusals
                assert response.content_type == "text/plain"
                assert await response.text() == "this request comes from another site"
            else:
                assert (await response.json()) == {
                    "error": "this request comes from another site"}
    # no Origin, but the browser says the request is cross-site
    response = await client.post("/logout", allow_redirects=False,
                                     headers={"Sec-Fetch-Site": "cross-site", "X-CSRF-Token": csrf})
    assert response.status == 403
    # the login form too (login CSRF), before any password is looked at
    response = await client.post("/login", data={"username": account.username},
                                     headers={"Origin": "http://evil.example"},
                                     allow_redirects=False)
    assert response.status == 403
    # the page's own origin (and same-origin fetch metadata) passes; the CSRF token still counts
    still_needs_token = await client.post("/logout", headers={"Origin": own},
                                              allow_redirects=False)
    assert still_needs_token.status == 403 and "CSRF" in await still_needs_token.text()
    response = await client.post("/logout", allow_redirects=False, headers={
        "Origin": own, "Sec-Fetch-Site": "same-origin", "X-CSRF-Token": csrf})
    assert response.status == 303


async def test_api_clients_without_browser_headers_pass(
        client: TestClient, db: Database) -> None:
    account = await make_user(db)
    response = await client.post("/api/customers", json={"name": "Ørsted 王"},
                                     headers={"Authorization": f"Bearer {account.token}"})
    assert response.status == 201, await response.text()
