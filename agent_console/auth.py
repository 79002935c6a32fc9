"""Who is asking: one middleware resolves the user of every request and refuses every route not
marked public. Browsers authenticate with the session cookie (and must echo the session's CSRF
token on state-changing requests); API and benchmark clients with ``Authorization: Bearer``,
websocket clients also with ``?token=`` (browsers cannot set headers on websockets).

Refusals are JSON (``{"error": ...}``: 401 not logged in, 403 wrong role or CSRF token), except
on the routes marked ``page`` (HTML pages, their scripts, the logout form): an anonymous
browser is sent to the login page, a 403 is plain text."""
from __future__ import annotations

import functools
import hmac
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from urllib.parse import urlencode, urlsplit

from aiohttp import hdrs, web

from callcenter.errors import Forbidden
from crm_core.db import Database
from crm_core.sessions import Session, resolve_session
from crm_core.users import authenticate_token
from crm_core.values import UserInfo
from ctiserver.web.errors import error_response

from .i18n import Language, negotiate

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
H = TypeVar("H", bound=Callable[..., Awaitable[web.StreamResponse]])

SESSION_COOKIE = "cc_session"
SESSION = web.RequestKey("session", Session)
"""The browser Session (absent for token clients)."""
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CONFINED_ROLES = frozenset({"marketing"})
"""Roles that reach only the routes whose role rule names them, and those marked
``every_role``: marketing staff see the campaigns, not the consoles, wallboard or admin."""

SessionCheck = Callable[[], Awaitable[bool]]
USER = web.RequestKey("user", UserInfo)
"""The authenticated UserInfo (None on public routes), set by the console's auth middleware."""
SESSION_CHECK = web.RequestKey("session_check", SessionCheck)
"""Browser sessions only: async () -> bool, keeps the session alive or tells it
has ended (logout, expiry, deactivation)."""


def request_language(request: web.Request) -> Language:
    """The language of the request's screens and messages (agent_console.i18n.negotiate):
    ``?lang=``, the user's saved language, the browser's."""
    user = request.get(USER)
    return negotiate(request.query.get("lang"), user.language if user else None,
                     request.headers.get(hdrs.ACCEPT_LANGUAGE))


def request_gettext(request: web.Request) -> Callable[[str], str]:
    return request_language(request).translations.gettext


def is_websocket(request: web.Request) -> bool:
    return request.headers.get(hdrs.UPGRADE, "").lower() == "websocket"


def request_token(request: web.Request) -> str:
    header = request.headers.get(hdrs.AUTHORIZATION, "")
    if header.startswith("Bearer "):
        return header[7:].strip()
    # tokens in URLs end up in logs: only where no header can be set
    return request.query.get("token", "") if is_websocket(request) else ""


def public(handler: H) -> H:
    """Mark a handler as reachable without logging in (the login page only)."""
    handler.public = True  # type: ignore[attr-defined]
    return handler


def page(handler: H) -> H:
    """Mark a handler as a page a browser navigates to (HTML, its scripts, a form's target):
    its refusals are a redirect to the login page or a plain-text 403, not JSON."""
    handler.page = True  # type: ignore[attr-defined]
    return handler


def every_role(handler: H) -> H:
    """Mark a handler any logged-in user may reach, whatever the role (logging out, the
    language, the scripts every page loads)."""
    handler.every_role = True  # type: ignore[attr-defined]
    return handler


def require_role(*roles: str) -> Callable[[H], H]:
    """Handler decorator (functions and methods): Forbidden unless the (already
    authenticated) user has one of ``roles``."""

    def decorate(handler: H) -> H:
        @functools.wraps(handler)
        async def checked(*args: Any) -> web.StreamResponse:
            ensure_role(args[-1], *roles)  # the request, after the resource for a method
            return await handler(*args)

        checked.roles = roles  # type: ignore[attr-defined]
        return checked  # type: ignore[return-value]

    return decorate


def ensure_role(request: web.Request, *roles: str) -> UserInfo:
    user: UserInfo = request[USER]
    if user.role not in roles:
        raise Forbidden("this needs the role {roles}", roles=" / ".join(roles))
    return user


def _marked(request: web.Request, mark: str) -> bool:
    # match_info.handler is the route's own handler, not the middleware chain's
    return getattr(request.match_info.handler, mark, False)


def ensure_reachable(request: web.Request, user: UserInfo) -> None:
    """A confined role's users reach only the routes meant for them."""
    if user.role in CONFINED_ROLES and not _marked(request, "every_role") \
            and user.role not in getattr(request.match_info.handler, "roles", ()):
        raise Forbidden("this is not for the role {role}", role=user.role)


def refusal(request: web.Request, error: Forbidden) -> Exception:
    """What to raise for ``error``: itself on the APIs (the error middleware answers it as
    JSON), a plain-text 403 on the routes marked ``page``."""
    if _marked(request, "page"):
        return web.HTTPForbidden(text=error.translated(request_gettext(request)))
    return error


def cookie_settings(request: web.Request) -> dict:
    return {"httponly": True, "samesite": "Strict", "secure": request.secure, "path": "/"}


def set_session_cookie(response: web.StreamResponse, request: web.Request, value: str) -> None:
    response.set_cookie(SESSION_COOKIE, value, **cookie_settings(request))


async def _identify(db: Database, request: web.Request) -> tuple[UserInfo | None, Session | None]:
    cookie = request.cookies.get(SESSION_COOKIE)
    session = await resolve_session(db, cookie) if cookie else None
    if session:
        return session.user, session
    token = request_token(request)
    return (await authenticate_token(db, token) if token else None), None


def _refuse_anonymous(request: web.Request) -> web.StreamResponse:
    accepts_html = "text/html" in request.headers.get(hdrs.ACCEPT, "")
    if request.method == "GET" and accepts_html and not is_websocket(request):
        raise web.HTTPSeeOther("/login?" + urlencode({"next": request.path_qs}))
    _ = request_gettext(request)
    return error_response(401, _("log in first"))


async def presented_csrf(request: web.Request) -> str:
    token = request.headers.get(CSRF_HEADER)
    if token is None and request.content_type in (
        "application/x-www-form-urlencoded", "multipart/form-data"
    ):
        token = (await request.post()).get(CSRF_FIELD)
    return token if isinstance(token, str) else ""


def same_token(expected: str, presented: str) -> bool:
    return bool(expected) and hmac.compare_digest(expected.encode(), presented.encode())


async def _check_browser_request(request: web.Request, session: Session) -> None:
    """Cookies go along with requests other sites make: require proof the page is ours."""
    if request.method not in SAFE_METHODS:
        if not same_token(session.csrf_token, await presented_csrf(request)):
            raise Forbidden("missing or wrong CSRF token")
    origin = request.headers.get(hdrs.ORIGIN)
    if is_websocket(request) and origin and urlsplit(origin).netloc != request.host:
        raise Forbidden("websocket from another origin")


def auth_middleware(db: Database):
    """The middleware that identifies the users of ``db`` and refuses anonymous requests."""

    @web.middleware
    async def authenticate(request: web.Request, handler: Handler) -> web.StreamResponse:
        user, session = await _identify(db, request)
        request[USER] = user
        if _marked(request, "public"):
            return await handler(request)
        if user is None:
            return _refuse_anonymous(request)
        try:
            ensure_reachable(request, user)
            if session:
                await _check_browser_request(request, session)
                request[SESSION] = session
                cookie = request.cookies[SESSION_COOKIE]
                request[SESSION_CHECK] = functools.partial(_still_valid, db, cookie)
            return await handler(request)
        except Forbidden as exc:
            raise refusal(request, exc) from None

    return authenticate


async def _still_valid(db: Database, session_id: str) -> bool:
    """For long-lived connections: the session lives on (and is kept alive) or has ended."""
    return await resolve_session(db, session_id) is not None
