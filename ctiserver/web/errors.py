"""The one HTTP error convention: every refused request is ``{"error": "..."}`` JSON with the
status its kind calls for. Services raise domain errors (callcenter.errors), request bodies
fail validation (pydantic) or reading (BodyError); this middleware answers them all, and
aiohttp's own refusals under the JSON APIs' paths. Domain errors are answered in the
request's language (pydantic's and aiohttp's texts stay English)."""
from __future__ import annotations

from collections.abc import Callable

from aiohttp import web
from pydantic import ValidationError

from callcenter.errors import (
    Broken, Conflict, DomainError, Forbidden, Invalid, NotFound, Refused, Unavailable,
)

STATUS: dict[type[DomainError], int] = {
    Invalid: 400, Forbidden: 403, NotFound: 404, Conflict: 409, Broken: 500, Refused: 502,
    Unavailable: 503,
}
Gettext = Callable[[str], str]
JSON_PATHS = ("/api/", "/admin/")
"""Where aiohttp's own refusals (no such route, wrong method, body too large) answer JSON too."""


def error_response(status: int, message: str, **headers: str) -> web.Response:
    return web.json_response({"error": message}, status=status, headers=headers or None)


def status_of(error: DomainError) -> int:
    return next((code for kind, code in STATUS.items() if isinstance(error, kind)), 400)


def validation_message(error: ValidationError) -> str:
    """One line per problem: ``field: what is wrong``."""
    parts = []
    for problem in error.errors():
        where = ".".join(str(p) for p in problem["loc"]) or "body"
        parts.append(f"{where}: {problem['msg']}")
    return "; ".join(parts)


def error_middleware(gettext_of: Callable[[web.Request], Gettext]):
    """The middleware, translating domain errors with ``gettext_of(request)``."""

    @web.middleware
    async def answer_errors(request: web.Request, handler) -> web.StreamResponse:
        try:
            return await handler(request)
        except DomainError as exc:
            return error_response(status_of(exc), exc.translated(gettext_of(request)))
        except ValidationError as exc:
            return error_response(400, validation_message(exc))
        except web.HTTPException as exc:
            if exc.status >= 400 and request.path.startswith(JSON_PATHS):
                return error_response(exc.status, exc.reason)
            raise

    return answer_errors
