"""Security headers on every response, and the Origin check on browsers' state changes.

Every response of the app (pages, JSON, scripts, redirects, errors, 404s, websocket
handshakes) carries, set just before it is sent (``on_response_prepare``, which also sees the
responses no middleware returns, such as a crashed handler's 500):

- ``Content-Security-Policy``: scripts, styles, images and connections from this site only (the
  pages have no inline script, style or handler: everything is in agent_console/static/), the
  softphone's SIP websocket (``connect_sources``), no plugins, no ``<base>``, forms post here
  only, and no framing (``frame-ancestors 'none'``, with ``X-Frame-Options: DENY`` for old
  browsers);
- ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: same-origin``,
  ``Cross-Origin-Opener-Policy: same-origin``, a ``Permissions-Policy`` that leaves this site
  only the microphone (the softphone); ``Strict-Transport-Security`` over https;
- ``Server: callcenter``, without the versions aiohttp would announce.

State-changing requests (POST, PUT, PATCH, DELETE) from browsers must come from the app's own
origin: an ``Origin`` header, which browsers send on them, must name this host and port (the
request's Host: behind a reverse proxy, keep the Host header); without one, a
``Sec-Fetch-Site`` other than same-origin or none is refused too. Clients that send neither
(API and benchmark clients with bearer tokens) pass. This is on top of the CSRF token, which
stays (agent_console.auth). The refusal is a 403 as the access rules' are: JSON on the APIs,
plain text on the pages and forms (login, logout).
"""
from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from aiohttp import hdrs, web, web_response

from callcenter.errors import Forbidden

from .auth import Handler, refusal

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
SERVER = "callcenter"


def content_security_policy(connect_sources: Iterable[str] = ()) -> str:
    connect = " ".join(["'self'", *connect_sources])
    return "; ".join([
        "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:",
        f"connect-src {connect}", "object-src 'none'", "base-uri 'none'", "form-action 'self'",
        "frame-ancestors 'none'",
    ])


def websocket_source(url: str) -> str:
    """The CSP source of a websocket URL: its scheme, host and port."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def security_headers(connect_sources: Iterable[str] = ()) -> dict[str, str]:
    return {
        "Content-Security-Policy": content_security_policy(connect_sources),
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Permissions-Policy": "camera=(), geolocation=(), payment=(), usb=(), microphone=(self)",
    }


def same_origin(request: web.Request) -> bool:
    """Whether a browser's request comes from this site (True when no browser header says)."""
    origin = request.headers.get(hdrs.ORIGIN)
    if origin is not None:
        parts = urlsplit(origin)
        return parts.scheme in ("http", "https") and parts.netloc.lower() == request.host.lower()
    return request.headers.get("Sec-Fetch-Site", "same-origin") in ("same-origin", "none")


@web.middleware
async def origin_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.method in STATE_CHANGING and not same_origin(request):
        raise refusal(request, Forbidden("this request comes from another site"))
    return await handler(request)


def install(app: web.Application, *, connect_sources: Iterable[str] = ()) -> None:
    """The security headers on every response of ``app`` (the Origin check is
    ``origin_middleware``, which the wiring installs after the error middleware)."""
    headers = security_headers(connect_sources)

    async def add_headers(request: web.Request, response: web.StreamResponse) -> None:
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        if request.secure:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        response.headers[hdrs.SERVER] = SERVER

    app.on_response_prepare.append(add_headers)
    # Answers that never reach the app (the HTTP parser's 400 to a malformed request) take
    # aiohttp's default Server value, which names its and Python's versions; aiohttp has no
    # setting for it, so replace the default it reads.
    web_response.SERVER_SOFTWARE = SERVER
