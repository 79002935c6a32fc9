"""The JSON bodies of the console's APIs on the wire: a request body is read up to a limit and
must be a JSON object before its model (agent_console.schemas) validates it; an answer is
checked against its model and sent. Refusals are domain errors: ctiserver.web.errors answers
them."""
from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, TypeVar

from aiohttp import web
from markupsafe import Markup
from pydantic import BaseModel, ValidationError

from callcenter.errors import Invalid

Model = TypeVar("Model", bound=BaseModel)
NO_STORE = {"Cache-Control": "no-store"}
"""Headers of an answer no cache may keep (credentials, live state)."""


class BodyError(Invalid):
    """The body is too large, not JSON, or not an object: the message says which (a 400)."""


async def json_object(request: web.Request, limit: int, *, empty: dict | None = None) -> dict[str, Any]:
    """The body as a dict; an empty body gives ``empty`` when that is set."""
    raw = await request.content.read(limit + 1)
    if len(raw) > limit:
        raise BodyError("the body must be at most {limit} bytes", limit=limit)
    if empty is not None and not raw.strip():
        return dict(empty)
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise BodyError("the body must be JSON") from None
    if not isinstance(data, dict):
        raise BodyError("expected a JSON object")
    return data


async def read(request: web.Request, model: type[Model], limit: int, *,
               empty: dict | None = None) -> Model:
    """The body as ``model``: BodyError, or pydantic's ValidationError naming the fields."""
    return model.model_validate(await json_object(request, limit, empty=empty))


def query(request: web.Request, model: type[Model]) -> Model:
    """The query parameters as ``model``."""
    return model.model_validate(dict(request.query))


class AnswerMismatch(RuntimeError):
    """An answer does not match its declared model: our bug (a 500), not the client's."""


def answer(model: type[BaseModel], data: Any, *, status: int = 200,
           headers: Mapping[str, str] | None = None, **dump: Any) -> web.Response:
    """``data`` (a dict, or an object with the model's attributes) checked as ``model`` and
    sent as JSON; ``dump``: model_dump's options (exclude_unset, exclude_none)."""
    try:
        checked = model.model_validate(data)
    except ValidationError as exc:
        raise AnswerMismatch(f"{model.__name__}: {exc}") from exc
    return web.Response(text=checked.model_dump_json(by_alias=True, **dump), status=status,
                        headers=headers, content_type="application/json")


def script_json(value: Any) -> Markup:
    """VALUE as JSON for a page's <script type="application/json"> element: "<" escaped, so no
    value can end the element early."""
    return Markup(json.dumps(value, ensure_ascii=False).replace("<", "\\u003c"))
