"""Every route of the full application refuses anonymous requests, except the login page
(and the site's icon).

The test walks the router, so a route added later is covered without anyone remembering to."""
import re

from aiohttp import web
from aiohttp.test_utils import TestClient

from callcenter.settings import Settings
from crm_core.db import Database
from tests.helpers.accounts import make_user
from tests.helpers.webapp import build_app, log_in

PUBLIC = {("GET", "/login"), ("HEAD", "/login"), ("POST", "/login"),
          ("GET", "/login/login.css"), ("HEAD", "/login/login.css"),
          ("GET", "/i18n/language.js"), ("HEAD", "/i18n/language.js"),  # its language chooser
          ("GET", "/favicon.ico"), ("HEAD", "/favicon.ico"),
          ("GET", "/favicon.svg"), ("HEAD", "/favicon.svg")}
METHODS_FOR_ANY = ("GET", "POST", "PUT", "PATCH", "DELETE")


def requests_of(route: web.AbstractRoute) -> list[tuple[str, str]]:
    """(method, concrete path) of the route, path parameters filled in."""
    path = re.sub(r"\{[^}]*\}", "x", route.resource.canonical)
    methods = METHODS_FOR_ANY if route.method == "*" else (route.method,)
    return [(method, path) for method in methods]


def route_table(app: web.Application) -> list[tuple[str, str]]:
    """(method, concrete path) for every route, path parameters filled in."""
    return [request for route in app.router.routes() for request in requests_of(route)]


def is_refusal(response) -> bool:
    if response.status == 401:
        return True
    return response.status == 303 and response.headers["Location"].startswith("/login?")


def test_only_the_login_page_and_the_icon_are_public(settings: Settings, db: Database) -> None:
    app = build_app(settings, db)
    public = {
        (route.method, route.resource.canonical)
        for route in app.router.routes()
        if getattr(route.handler, "public", False)
    }
    assert public == PUBLIC


async def test_every_route_refuses_anonymous_requests(client: TestClient) -> None:
    table = route_table(client.app)
    assert ("GET", "/ws/agent") in table and ("POST", "/admin/users") in table
    assert ("PUT", "/admin/queues/x") in table and ("GET", "/ws/wallboard") in table
    for method, path in table:
        if (method, path) in PUBLIC:
            continue
        for headers in ({"Accept": "text/html"}, {"Accept": "application/json"}):
            response = await client.request(method, path, headers=headers, allow_redirects=False)
            assert is_refusal(response), (method, path, response.status)


async def test_unknown_paths_do_not_tell_anonymous_users_what_exists(client: TestClient) -> None:
    response = await client.get("/no/such/page", allow_redirects=False)
    assert response.status == 401


async def test_bad_session_cookie_or_token_is_anonymous(client: TestClient) -> None:
    for headers in ({"Cookie": "cc_session=forged"}, {"Authorization": "Bearer forged"}):
        response = await client.get("/console", headers=headers, allow_redirects=False)
        assert response.status == 401


async def test_query_tokens_only_open_websockets(client: TestClient, db: Database) -> None:
    account = await make_user(db)
    in_url = await client.get(f"/console?token={account.token}", allow_redirects=False)
    assert in_url.status == 401
    bearer = {"Authorization": f"Bearer {account.token}"}
    assert (await client.get("/console", headers=bearer)).status == 200


async def test_json_apis_refuse_in_json_and_pages_as_pages(client: TestClient,
                                                          db: Database) -> None:
    """401 and 403 from the access rules are {"error": ...} on the APIs; a browser asking for
    a page goes to the login, and a page's 403 stays plain text."""
    for method, path in [("GET", "/api/agent/state"), ("POST", "/admin/users"),
                         ("GET", "/admin/queues"), ("POST", "/wallboard/actions")]:
        response = await client.request(method, path, allow_redirects=False)
        assert response.status == 401 and (await response.json())["error"] == "log in first"
    anonymous_page = await client.get("/wallboard", headers={"Accept": "text/html"},
                                      allow_redirects=False)
    assert anonymous_page.status == 303
    agent = await make_user(db)
    bearer = {"Authorization": f"Bearer {agent.token}"}
    for method, path in [("GET", "/admin/queues"), ("GET", "/admin/scripts"),
                         ("POST", "/admin/users"), ("POST", "/wallboard/actions")]:
        response = await client.request(method, path, headers=bearer)
        assert response.status == 403, (method, path)
        assert response.content_type == "application/json", (method, path)
        assert (await response.json())["error"], (method, path)
    wallboard = await client.get("/wallboard", headers=bearer)
    assert wallboard.status == 403 and wallboard.content_type == "text/plain"
    assert "supervisor" in await wallboard.text()
    # the session's CSRF token: JSON on an API, plain text on the logout form
    await log_in(client, agent)
    api = await client.post("/api/agent/unpause", json={})
    assert api.status == 403 and "CSRF" in (await api.json())["error"]
    form = await client.post("/logout", allow_redirects=False)
    assert form.status == 403 and form.content_type == "text/plain"


async def test_the_json_apis_refuse_unknown_routes_and_methods_as_json(
        client: TestClient, db: Database) -> None:
    headers = {"Authorization": f"Bearer {(await make_user(db, 'admin')).token}"}
    for method, path, status in (("GET", "/api/no-such-thing", 404),
                                 ("DELETE", "/api/agent/state", 405),
                                 ("GET", "/admin/nowhere", 404)):
        response = await client.request(method, path, headers=headers)
        assert response.status == status
        assert (await response.json())["error"]


async def test_a_confined_role_reaches_only_the_routes_meant_for_it(
        client: TestClient, db: Database) -> None:
    """A marketing user gets a 403 from every route whose role rule does not name marketing
    and that is not for every role: the consoles, the wallboard, the admin APIs."""
    headers = {"Authorization": f"Bearer {(await make_user(db, 'marketing')).token}"}
    refused = reachable = 0
    for route in client.app.router.routes():
        handler = route.handler
        if getattr(handler, "public", False):
            continue
        if "marketing" in getattr(handler, "roles", ()) or getattr(handler, "every_role", False):
            reachable += 1
            continue
        for method, path in requests_of(route):
            response = await client.request(method, path, headers=headers)
            assert response.status == 403, (method, path, response.status)
            refused += 1
    assert refused > 20 and reachable > 10, (refused, reachable)
