"""Login page, cookie, role redirects, CSRF and logout over HTTP (aiohttp test server)."""
from aiohttp.test_utils import TestClient

from agent_console.auth import SESSION_COOKIE
from agent_console.login import LOGIN_CSRF_COOKIE, safe_next
from crm_core.db import Database
from tests.helpers.accounts import make_user
from tests.helpers.webapp import form_csrf, log_in, post_login

HTML = {"Accept": "text/html"}


async def test_wrong_password_shows_an_error(client: TestClient, db: Database) -> None:
    account = await make_user(db)
    response = await post_login(client, account.username, "wrong password")
    assert response.status == 401
    assert "Wrong username or password." in await response.text()
    assert SESSION_COOKIE not in client.session.cookie_jar.filter_cookies(client.make_url("/"))


async def test_empty_form_asks_for_both_fields(client: TestClient) -> None:
    response = await post_login(client, "", "")
    assert response.status == 400
    assert "Enter your username and password." in await response.text()


async def test_login_sets_a_strict_httponly_cookie(client: TestClient, db: Database) -> None:
    account = await make_user(db)
    response = await post_login(client, account.username, account.password)
    assert response.status == 303 and response.headers["Location"] == "/console"
    cookie = response.cookies[SESSION_COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Strict" and cookie["path"] == "/"
    assert not cookie["secure"]  # plain http here; set whenever the request came over https


async def test_home_redirects_by_role(client: TestClient, db: Database) -> None:
    for role, home in [("agent", "/console"), ("supervisor", "/wallboard"), ("admin", "/wallboard")]:
        client.session.cookie_jar.clear()
        await log_in(client, await make_user(db, role))
        response = await client.get("/", allow_redirects=False)
        assert (response.status, response.headers["Location"]) == (303, home)


async def test_anonymous_browser_is_sent_to_login_and_back(client: TestClient, db: Database) -> None:
    response = await client.get("/console", headers=HTML, allow_redirects=False)
    assert response.status == 303
    assert response.headers["Location"] in ("/login?next=/console", "/login?next=%2Fconsole")
    page = await client.get(response.headers["Location"])
    assert 'name="next" value="/console"' in await page.text()
    account = await make_user(db, "admin")
    response = await post_login(client, account.username, account.password, next="/console")
    assert response.headers["Location"] == "/console"


def test_next_stays_on_this_site() -> None:
    assert safe_next("/console?x=1") == "/console?x=1"
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example", "/login", "", None):
        assert safe_next(target) is None


async def test_login_without_the_form_token_is_refused(client: TestClient, db: Database) -> None:
    account = await make_user(db)
    data = {"username": account.username, "password": account.password}
    assert (await client.post("/login", data=data, allow_redirects=False)).status == 403
    data["csrf_token"] = "forged"
    await client.get("/login")
    assert (await client.post("/login", data=data, allow_redirects=False)).status == 403


async def test_csrf_is_required_on_state_changes(client: TestClient, db: Database) -> None:
    csrf = await log_in(client, await make_user(db))
    assert (await client.post("/logout", allow_redirects=False)).status == 403
    wrong = await client.post("/logout", data={"csrf_token": csrf[:-1]}, allow_redirects=False)
    assert wrong.status == 403
    by_header = await client.post("/logout", headers={"X-CSRF-Token": csrf}, allow_redirects=False)
    assert by_header.status == 303


async def test_logout_kills_the_session(client: TestClient, db: Database) -> None:
    csrf = await log_in(client, await make_user(db))
    cookie = client.session.cookie_jar.filter_cookies(client.make_url("/"))[SESSION_COOKIE].value
    response = await client.post("/logout", data={"csrf_token": csrf}, allow_redirects=False)
    assert (response.status, response.headers["Location"]) == (303, "/login")
    # even a client that kept the cookie is now anonymous
    replay = await client.get("/console", cookies={SESSION_COOKIE: cookie}, allow_redirects=False)
    assert replay.status == 401


async def test_login_replaces_an_earlier_session(client: TestClient, db: Database) -> None:
    """A stale login tab submitted while logged in: the old session id is not kept."""
    account = await make_user(db)
    stale_form = form_csrf(await (await client.get("/login")).text())
    await log_in(client, account)
    jar = client.session.cookie_jar
    before = jar.filter_cookies(client.make_url("/"))[SESSION_COOKIE].value
    data = {"csrf_token": stale_form, "username": account.username, "password": account.password}
    response = await client.post(
        "/login", data=data, cookies={LOGIN_CSRF_COOKIE: stale_form}, allow_redirects=False
    )
    assert response.status == 303
    assert jar.filter_cookies(client.make_url("/"))[SESSION_COOKIE].value != before
    stale = await client.get("/console", cookies={SESSION_COOKIE: before}, allow_redirects=False)
    assert stale.status == 401


async def test_logged_in_user_skips_the_login_form(client: TestClient, db: Database) -> None:
    await log_in(client, await make_user(db))
    response = await client.get("/login", allow_redirects=False)
    assert (response.status, response.headers["Location"]) == (303, "/console")


async def test_console_page_carries_the_csrf_token_not_a_token(client: TestClient, db: Database) -> None:
    account = await make_user(db)
    csrf = await log_in(client, account)
    html = await (await client.get("/console")).text()
    assert csrf == form_csrf(html) and account.token not in html
