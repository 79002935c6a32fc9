"""Login, logout and the landing page: HTML pages and redirects (no JSON here). The login form
is protected against login CSRF with a double-submit cookie, since no session exists yet. The
login page speaks the browser's language or the one chosen on it (``?lang=``, which the form
posts back to), and a language chosen there is saved for the user who logs in."""
from __future__ import annotations

import math
import secrets
from collections.abc import Callable, Iterable
from datetime import timedelta
from gettext import NullTranslations

from aiohttp import hdrs, web

from crm_core.auth import LoginResult, login
from crm_core.db import Database
from crm_core.sessions import create_session, end_session
from crm_core.throttling import DEFAULT_THROTTLES, LoginThrottles
from crm_core.users import set_language
from .auth import (
    CSRF_FIELD,
    SESSION_COOKIE,
    USER,
    cookie_settings,
    every_role,
    page,
    public,
    request_gettext,
    request_language,
    same_token,
    set_session_cookie,
)
from .i18n import languages
from .pages import html_page

LOGIN_CSRF_COOKIE = "cc_login_csrf"
ROLE_HOME = {"agent": "/console", "supervisor": "/wallboard", "admin": "/wallboard",
             "marketing": "/campaigns"}
MAX_USERNAME = 200


def safe_next(target: str | None) -> str | None:
    """Only paths on this site: no open redirect to another host, no loop back to /login."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    return None if target.startswith("/login") else target


def _page(
    request: web.Request, token: str, *, error: str | None = None, status: int = 200,
    username: str = "",
) -> web.Response:
    response = html_page(
        request, "login.html", status=status, csrf_token=token, error=error, username=username,
        next=safe_next(request.query.get("next")) or "", action=request.path_qs,
    )
    response.set_cookie(LOGIN_CSRF_COOKIE, token, **cookie_settings(request))
    return response


def wait_text(wait: timedelta,
              ngettext: Callable[[str, str, int], str] = NullTranslations().ngettext) -> str:
    """A wait rounded up: seconds under two minutes, else minutes."""
    seconds = max(1, math.ceil(wait.total_seconds()))
    if seconds < 120:
        return ngettext("{n} second", "{n} seconds", seconds).format(n=seconds)
    minutes = math.ceil(seconds / 60)
    return ngettext("{n} minute", "{n} minutes", minutes).format(n=minutes)


def client_address(request: web.Request, trusted_proxies: frozenset[str]) -> str | None:
    """The client's address: the peer's, or behind a trusted reverse proxy (one of
    ``trusted_proxies``) the last address it added to X-Forwarded-For."""
    remote = request.remote
    if remote in trusted_proxies:
        forwarded = request.headers.getall(hdrs.X_FORWARDED_FOR, [])
        hops = [hop.strip() for value in forwarded for hop in value.split(",") if hop.strip()]
        if hops:
            return hops[-1][:100]
    return remote


def _failure(request: web.Request, token: str, username: str, result: LoginResult) -> web.Response:
    translations = request_language(request).translations
    _ = translations.gettext
    wait = wait_text(result.retry_after, translations.ngettext) if result.retry_after else ""
    if result.throttled:
        response = _page(request, token, username=username, status=429,
                         error=_("Too many failed logins. Try again in {wait}.").format(wait=wait))
        response.headers["Retry-After"] = str(max(1, math.ceil(result.retry_after.total_seconds())))
        return response
    error = _("Wrong username or password.")
    if result.retry_after:
        error = _("Wrong username or password. Wait {wait} before the next try.").format(wait=wait)
    return _page(request, token, username=username, status=401, error=error)


class LoginResource:
    """The login form, logging in and out, and the landing page, for the users of ``db``;
    failed logins slow down by ``throttles`` (crm_core.throttling), each counted for the
    client's address (X-Forwarded-For when the peer is one of ``trusted_proxies``)."""

    def __init__(self, db: Database, *, throttles: LoginThrottles = DEFAULT_THROTTLES,
                 trusted_proxies: Iterable[str] = ()) -> None:
        self.db = db
        self.throttles = throttles
        self.trusted_proxies = frozenset(trusted_proxies)

    @public
    @page
    async def login_form(self, request: web.Request) -> web.Response:
        if request[USER] is not None:
            raise web.HTTPSeeOther(ROLE_HOME[request[USER].role])
        token = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(32)
        return _page(request, token)

    @public
    @page
    async def login_submit(self, request: web.Request) -> web.StreamResponse:
        _ = request_gettext(request)
        form = await request.post()
        token = request.cookies.get(LOGIN_CSRF_COOKIE, "")
        if not same_token(token, str(form.get(CSRF_FIELD, ""))):
            return _page(request, secrets.token_urlsafe(32), status=403,
                         error=_("The login form had expired. Please try again."))
        username, password = str(form.get("username", "")).strip(), str(form.get("password", ""))
        if not username or not password or len(username) > MAX_USERNAME:
            return _page(request, token, username=username[:MAX_USERNAME], status=400,
                         error=_("Enter your username and password."))
        result = await login(self.db, username, password,
                             remote=client_address(request, self.trusted_proxies),
                             throttles=self.throttles)
        if result.user is None:
            return _failure(request, token, username, result)
        chosen = request.query.get("lang")  # the login page's language chooser
        if chosen in languages() and chosen != result.user.language:
            await set_language(self.db, result.user.id, chosen)
        if old := request.cookies.get(SESSION_COOKIE):
            await end_session(self.db, old)  # never keep a session id chosen before the login
        session_id, _ = await create_session(self.db, result.user.id)
        target = safe_next(str(form.get("next", ""))) or ROLE_HOME[result.user.role]
        response = web.HTTPSeeOther(target)
        set_session_cookie(response, request, session_id)
        response.del_cookie(LOGIN_CSRF_COOKIE, path="/")
        raise response

    @every_role
    @page
    async def logout(self, request: web.Request) -> web.StreamResponse:
        if session_id := request.cookies.get(SESSION_COOKIE):
            await end_session(self.db, session_id)
        response = web.HTTPSeeOther("/login")
        response.del_cookie(SESSION_COOKIE, path="/")
        raise response

    @every_role
    @page
    async def home(self, request: web.Request) -> web.StreamResponse:
        raise web.HTTPSeeOther(ROLE_HOME[request[USER].role])


def add_routes(app: web.Application, resource: LoginResource) -> None:
    app.router.add_get("/login", resource.login_form)
    app.router.add_post("/login", resource.login_submit)
    app.router.add_post("/logout", resource.logout)
    app.router.add_get("/", resource.home)
