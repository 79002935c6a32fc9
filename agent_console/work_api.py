"""The agent's work API (JSON): customer search, card and creation, dispositions, wrap-up with
callback and ticket, callbacks. Every route needs a logged-in user (auth middleware; browser
sessions send X-CSRF-Token on POST). What lies outside the user's scope answers 404, exactly as
what does not exist."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from crm_core.callbacks import finish_callback, open_callbacks, zone
from crm_core.customers import create_customer, customer_details, search_customers
from crm_core.dispositions import dispositions_for
from crm_core.teams import visible_user_ids
from crm_core.tickets import PRIORITIES
from crm_core.values import UserInfo
from crm_core.worklog import (
    CallbackRequest, NotVisible, TicketRequest, WorkInputError, WrapupRequest, save_wrapup,
)
from crm_core.workscope import Scope, Working
from agent_console.auth import USER

from .auth import db_key
from .jsonbody import BodyError, error_response, json_object

MAX_BODY = 16 * 1024
MAX_TEXT = 200
MAX_LONG_TEXT = 4000
MAX_NUMBERS = 10
MAX_QUERY = 100

WrapupListener = Callable[[str, str], Awaitable[None]]
"""(agent interface, call_key): called after a wrap-up is stored (see ctiserver.acd.wrapup)."""

working_key = web.AppKey("working", Working)
default_region_key = web.AppKey("default_region", str)
wrapup_listeners_key = web.AppKey("wrapup_listeners", list[WrapupListener])


class BadRequest(ValueError):
    pass


def _not_found() -> web.Response:
    return error_response(404, "not found")


async def _body(request: web.Request) -> dict[str, Any]:
    try:
        return await json_object(request, MAX_BODY)
    except BodyError as exc:
        raise BadRequest(str(exc)) from None


def _text(data: dict, key: str, *, required: bool = False, limit: int = MAX_TEXT) -> str | None:
    value = data.get(key)
    if value is None or value == "":
        if required:
            raise BadRequest(f"{key!r} is required")
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise BadRequest(f"{key!r} must be a string of at most {limit} characters")
    return value.strip() or None


def _object(data: dict, key: str) -> dict | None:
    value = data.get(key)
    if value is not None and not isinstance(value, dict):
        raise BadRequest(f"{key!r} must be an object")
    return value


def _positive_int(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**31:
        raise BadRequest(f"{what} must be a positive integer")
    return value


def _path_id(request: web.Request) -> int | None:
    raw = request.match_info["id"]
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


def _timezone(data: dict) -> str | None:
    name = _text(data, "timezone")
    if name is not None:
        try:
            zone(name)
        except ValueError as exc:
            raise BadRequest(str(exc)) from None
    return name


def parse_callback(data: dict | None) -> CallbackRequest | None:
    if data is None:
        return None
    who = data.get("for", "me")
    if who not in ("me", "anyone"):
        raise BadRequest("'callback.for' must be \"me\" or \"anyone\"")
    return CallbackRequest(
        due_local=_text(data, "due_local", required=True),
        timezone=_timezone(data),
        for_me=who == "me",
        note=_text(data, "note", limit=MAX_LONG_TEXT),
    )


def parse_ticket(data: dict | None) -> TicketRequest | None:
    if data is None:
        return None
    priority = data.get("priority", "normal")
    if priority not in PRIORITIES:
        raise BadRequest(f"'ticket.priority' must be one of {', '.join(PRIORITIES)}")
    return TicketRequest(
        category=_text(data, "category", required=True),
        priority=priority,
        description=_text(data, "description", required=True, limit=MAX_LONG_TEXT),
    )


def parse_wrapup(data: dict) -> WrapupRequest:
    customer_id = data.get("customer_id")
    return WrapupRequest(
        disposition=_text(data, "disposition", required=True),
        note=_text(data, "note", limit=MAX_LONG_TEXT),
        callback=parse_callback(_object(data, "callback")),
        ticket=parse_ticket(_object(data, "ticket")),
        customer_id=None if customer_id is None else _positive_int(customer_id, "'customer_id'"),
    )


def parse_customer(data: dict) -> dict[str, Any]:
    numbers = data.get("numbers", [])
    if not (isinstance(numbers, list) and len(numbers) <= MAX_NUMBERS
            and all(isinstance(n, str) and 0 < len(n) <= 40 for n in numbers)):
        raise BadRequest(f"'numbers' must be a list of at most {MAX_NUMBERS} phone numbers")
    return {
        "name": _text(data, "name", required=True),
        "numbers": numbers,
        "company": _text(data, "company"),
        "email": _text(data, "email"),
        "timezone": _timezone(data),
    }


async def request_scope(request: web.Request) -> Scope:
    user: UserInfo = request[USER]
    visible = await visible_user_ids(request.app[db_key], user)
    return Scope(user.id, visible, request.app[working_key].customers(visible))


async def search(request: web.Request) -> web.Response:
    query = request.query.get("q", "").strip()
    if not query or len(query) > MAX_QUERY:
        return error_response(400, f"'q' must be 1 to {MAX_QUERY} characters")
    found = await search_customers(request.app[db_key], query, await request_scope(request),
                                   default_region=request.app[default_region_key])
    return web.json_response({"customers": found})


async def customer(request: web.Request) -> web.Response:
    customer_id = _path_id(request)
    card = customer_id and await customer_details(
        request.app[db_key], customer_id, await request_scope(request)
    )
    return web.json_response(card) if card else _not_found()


async def add_customer(request: web.Request) -> web.Response:
    try:
        fields = parse_customer(await _body(request))
        user: UserInfo = request[USER]
        customer_id = await create_customer(
            request.app[db_key], **fields, created_by=user.id,
            default_region=request.app[default_region_key],
        )
    except ValueError as exc:  # BadRequest, or an invalid phone number
        return error_response(400, str(exc))
    return web.json_response({"id": customer_id}, status=201)


async def dispositions(request: web.Request) -> web.Response:
    queue = request.query.get("queue") or None
    if queue is not None and len(queue) > MAX_TEXT:
        return error_response(400, "'queue' is too long")
    async with request.app[db_key].sessionmaker() as session:
        found = await dispositions_for(session, queue)
    return web.json_response({"dispositions": [d.json() for d in found]})


async def wrapup(request: web.Request) -> web.Response:
    call_key = request.match_info["call_key"]
    user: UserInfo = request[USER]
    try:
        parsed = parse_wrapup(await _body(request))
        result = await save_wrapup(
            request.app[db_key], call_key, parsed, await request_scope(request),
            request.app[working_key].popped(user.id, call_key),
        )
    except (BadRequest, WorkInputError) as exc:
        return error_response(400, str(exc))
    except NotVisible:
        return _not_found()
    for listener in request.app[wrapup_listeners_key] if user.interface else ():
        await listener(user.interface, call_key)
    return web.json_response({"call_key": call_key, **result.json()})


async def callbacks(request: web.Request) -> web.Response:
    found = await open_callbacks(request.app[db_key], await request_scope(request))
    return web.json_response({"callbacks": found})


async def callback_done(request: web.Request) -> web.Response:
    callback_id = _path_id(request)
    done = callback_id and await finish_callback(
        request.app[db_key], callback_id, await request_scope(request)
    )
    return web.json_response({"id": callback_id, "status": "done"}) if done else _not_found()


def add_routes(app: web.Application, *, default_region: str, working: Working,
               wrapup_listeners: list[WrapupListener]) -> None:
    """WORKING: which calls each agent was shown (the pops fill it); WRAPUP_LISTENERS: told
    of every stored wrap-up (the after-call gate)."""
    app[working_key] = working
    app[wrapup_listeners_key] = wrapup_listeners
    app[default_region_key] = default_region
    app.router.add_get("/api/customers/search", search)
    app.router.add_get("/api/customers/{id}", customer)
    app.router.add_post("/api/customers", add_customer)
    app.router.add_get("/api/dispositions", dispositions)
    app.router.add_post("/api/calls/{call_key}/wrapup", wrapup)
    app.router.add_get("/api/callbacks", callbacks)
    app.router.add_post("/api/callbacks/{id}/done", callback_done)
