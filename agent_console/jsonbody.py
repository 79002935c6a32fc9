"""Request bodies of the JSON APIs: read at most a limit, and only a JSON object passes."""
from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from callcenter.errors import Invalid


class BodyError(Invalid):
    """The body is too large, not JSON, or not an object: the message says which (a 400)."""


async def json_object(request: web.Request, limit: int, *, empty: dict | None = None) -> dict[str, Any]:
    """The body as a dict; an empty body gives ``empty`` when that is set."""
    raw = await request.content.read(limit + 1)
    if len(raw) > limit:
        raise BodyError(f"the body must be at most {limit} bytes")
    if empty is not None and not raw.strip():
        return dict(empty)
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise BodyError("the body must be JSON") from None
    if not isinstance(data, dict):
        raise BodyError("expected a JSON object")
    return data


class ApiError(Exception):
    """A refused request: ``status`` and the message for ``{"error": ...}``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def error_response(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


def json_errors(handler):
    """Answer ApiError and BodyError (a 400) as ``{"error": ...}`` JSON."""
    async def wrapped(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except ApiError as exc:
            return error_response(exc.status, str(exc))
        except BodyError as exc:
            return error_response(400, str(exc))
    wrapped.__name__ = handler.__name__
    return wrapped
