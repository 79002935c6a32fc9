"""Request bodies of the JSON APIs: read at most a limit, and only a JSON object passes."""
from __future__ import annotations

import json
from typing import Any

from aiohttp import web


class BodyError(ValueError):
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
