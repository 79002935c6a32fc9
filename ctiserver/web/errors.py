"""The one HTTP error convention: every refused request is ``{"error": "..."}`` JSON with the
status its kind calls for. Services raise domain errors (callcenter.errors), request bodies
fail validation (pydantic) or reading (BodyError); this middleware answers them all, and
aiohttp's own refusals under the JSON APIs' paths. Domain errors are answered in the
request's language, and so are the common validation problems and aiohttp's refusals where
the language has them (English, and a problem of a kind not listed, keep pydantic's and
aiohttp's own texts)."""
from __future__ import annotations

from collections.abc import Callable

from aiohttp import web
from pydantic import ValidationError

from callcenter.errors import (
    Broken, Conflict, DomainError, Forbidden, Invalid, NotFound, Phrase, Refused, Unavailable,
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


PROBLEMS: dict[str, Phrase] = {
    "missing": Phrase("required"),
    "extra_forbidden": Phrase("not a known field"),
    "json_invalid": Phrase("not valid JSON"),
    "model_type": Phrase("must be an object"), "dict_type": Phrase("must be an object"),
    "list_type": Phrase("must be a list"),
    "string_type": Phrase("must be text"),
    "string_too_short": Phrase("must have at least {min_length} characters"),
    "string_too_long": Phrase("must have at most {max_length} characters"),
    "string_pattern_mismatch": Phrase("does not have the expected form"),
    "int_type": Phrase("must be a whole number"), "int_parsing": Phrase("must be a whole number"),
    "int_from_float": Phrase("must be a whole number"),
    "float_type": Phrase("must be a number"), "float_parsing": Phrase("must be a number"),
    "bool_type": Phrase("must be true or false"), "bool_parsing": Phrase("must be true or false"),
    "greater_than": Phrase("must be greater than {gt}"),
    "greater_than_equal": Phrase("must be at least {ge}"),
    "less_than": Phrase("must be less than {lt}"),
    "less_than_equal": Phrase("must be at most {le}"),
    "too_short": Phrase("must have at least {min_length} items"),
    "too_long": Phrase("must have at most {max_length} items"),
    "literal_error": Phrase("must be one of {expected}"), "enum": Phrase("must be one of {expected}"),
    "datetime_parsing": Phrase("must be a date and time"),
    "datetime_from_date_parsing": Phrase("must be a date and time"),
    "date_parsing": Phrase("must be a date"), "date_from_datetime_parsing": Phrase("must be a date"),
    "time_parsing": Phrase("must be a time of day"),
    "timezone_aware": Phrase("must have a time zone"),
}
"""pydantic's error types, as the catalogs' message ids of their translations."""
REFUSALS: dict[int, Phrase] = {
    404: Phrase("no such page or API"),
    405: Phrase("this method is not allowed here"),
    413: Phrase("the request is too large"),
}
"""aiohttp's own refusals under the JSON paths, in words."""


def _translated(phrase: Phrase | None, gettext: Gettext, own: str, **params) -> str:
    """PHRASE in gettext's language, or OWN (the library's English) where it has none."""
    if phrase is None or (text := gettext(phrase.template)) == phrase.template:
        return own
    try:
        return text.format(**params)
    except (KeyError, IndexError):  # a context this pydantic version names otherwise
        return own


def _problem(problem: dict, gettext: Gettext) -> str:
    cause = problem.get("ctx", {}).get("error")
    if isinstance(cause, DomainError):  # a validator's own refusal (callcenter.errors.Invalid)
        return cause.translated(gettext)
    return _translated(PROBLEMS.get(problem["type"]), gettext, problem["msg"],
                       **problem.get("ctx", {}))


def validation_message(error: ValidationError, gettext: Gettext = str) -> str:
    """One line per problem: ``field: what is wrong``."""
    parts = []
    for problem in error.errors():
        where = ".".join(str(p) for p in problem["loc"]) or "body"
        parts.append(f"{where}: {_problem(problem, gettext)}")
    return "; ".join(parts)


def refusal_message(error: web.HTTPException, gettext: Gettext) -> str:
    return _translated(REFUSALS.get(error.status), gettext, error.reason)


def error_middleware(gettext_of: Callable[[web.Request], Gettext]):
    """The middleware, translating domain errors with ``gettext_of(request)``."""

    @web.middleware
    async def answer_errors(request: web.Request, handler) -> web.StreamResponse:
        try:
            return await handler(request)
        except DomainError as exc:
            return error_response(status_of(exc), exc.translated(gettext_of(request)))
        except ValidationError as exc:
            return error_response(400, validation_message(exc, gettext_of(request)))
        except web.HTTPException as exc:
            if exc.status >= 400 and request.path.startswith(JSON_PATHS):
                return error_response(exc.status, refusal_message(exc, gettext_of(request)))
            raise

    return answer_errors
