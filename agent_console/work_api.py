"""The agent's work API (JSON): customer search, card and creation, dispositions, wrap-up with
callback and ticket, callbacks. Every route needs a logged-in user (auth middleware; browser
sessions send X-CSRF-Token on POST). What lies outside the user's scope answers 404, exactly as
what does not exist.

- ``GET /api/customers/search?q=`` (schemas.SearchQuery): schemas.FoundCustomers.
- ``GET /api/customers/{id}``: the card (schemas.CustomerCard).
- ``POST /api/customers`` (schemas.CustomerBody): 201 ``{"id"}``.
- ``GET /api/dispositions?queue=``: what the agent may pick (schemas.OfferedDispositions).
- ``POST /api/calls/{call_key}/wrapup`` (schemas.WrapupBody): schemas.WrapupSaved; the
  wrap-up listeners (the after-call gate; for a dialer's call, its lead: ``lead_disposition``)
  hear of it.
- ``GET /api/callbacks`` (schemas.OpenCallbacks), ``POST /api/callbacks/{id}/done``.

Errors: ``{"error": "..."}`` with 400 (bad input, naming the field) or 404."""
from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from callcenter.errors import Invalid, NotFound
from crm_core.callbacks import finish_callback, open_callbacks
from crm_core.customers import create_customer, customer_details, search_customers
from crm_core.db import Database
from crm_core.dispositions import dispositions_for
from crm_core.teams import visible_user_ids
from crm_core.values import UserInfo
from crm_core.worklog import (
    CallbackRequest, NotVisible, TicketRequest, WrapupRequest, save_wrapup,
)
from crm_core.workscope import Scope, Working
from dialer.hopper import Hopper

from .auth import USER
from .jsonbody import answer, query, read
from .schemas import (
    CallbackDone, CustomerBody, CustomerCard, CustomerCreated, DispositionsQuery,
    FoundCustomers, OfferedDispositions, OpenCallbacks, SearchQuery, WrapupBody, WrapupSaved,
)

MAX_BODY = 16 * 1024

WrapupListener = Callable[[str, str], Awaitable[None]]
"""(agent interface, call_key): called after a wrap-up is stored (see ctiserver.acd.wrapup)."""

wrapup_listeners_key = web.AppKey("wrapup_listeners", list[WrapupListener])
"""The work API's wrap-up listeners on the app, for a gate that takes over (the restart test);
the handlers use their resource's own list, the same one."""


def lead_disposition(hopper: Hopper) -> WrapupListener:
    """The listener that puts a dialer call's disposition onto its lead (dialer.hopper)."""
    async def apply(interface: str, call_key: str) -> None:
        await hopper.apply_disposition(call_key)
    return apply


def _not_found() -> NotFound:
    return NotFound("not found")


def _path_id(request: web.Request) -> int:
    raw = request.match_info["id"]
    if not (raw.isascii() and raw.isdigit() and len(raw) < 10):
        raise _not_found()
    return int(raw)


def wrapup_request(body: WrapupBody) -> WrapupRequest:
    callback, ticket = body.callback, body.ticket
    return WrapupRequest(
        disposition=body.disposition,
        note=body.note,
        callback=callback and CallbackRequest(due_local=callback.due_local,
                                              timezone=callback.timezone,
                                              for_me=callback.for_ == "me", note=callback.note),
        ticket=ticket and TicketRequest(category=ticket.category, priority=ticket.priority,
                                        description=ticket.description),
        customer_id=body.customer_id,
    )


class Scopes:
    """What each user may see: their own work, their teams' (supervisors), everything (admins),
    and the customers of the calls popped to them (``working``)."""

    def __init__(self, db: Database, working: Working) -> None:
        self.db = db
        self.working = working

    async def of(self, user: UserInfo) -> Scope:
        visible = await visible_user_ids(self.db, user)
        return Scope(user.id, visible, self.working.customers(visible))


class WorkResource:
    """The agent's customers, wrap-ups and callbacks in ``db``, as ``scopes`` allow; national
    numbers are read in ``default_region``; ``wrapup_listeners`` hear of every stored wrap-up."""

    def __init__(self, db: Database, scopes: Scopes, *, default_region: str,
                 wrapup_listeners: list[WrapupListener]) -> None:
        self.db = db
        self.scopes = scopes
        self.default_region = default_region
        self.wrapup_listeners = wrapup_listeners

    async def search(self, request: web.Request) -> web.Response:
        q = query(request, SearchQuery).q
        found = await search_customers(self.db, q, await self.scopes.of(request[USER]),
                                       default_region=self.default_region)
        return answer(FoundCustomers, {"customers": found})

    async def customer(self, request: web.Request) -> web.Response:
        card = await customer_details(self.db, _path_id(request),
                                      await self.scopes.of(request[USER]))
        if card is None:
            raise _not_found()
        return answer(CustomerCard, card)

    async def add_customer(self, request: web.Request) -> web.Response:
        new = await read(request, CustomerBody, MAX_BODY)
        try:
            customer_id = await create_customer(
                self.db, new.name, new.numbers, company=new.company, email=new.email,
                timezone=new.timezone, created_by=request[USER].id,
                default_region=self.default_region,
            )
        except ValueError as exc:  # a number that is no phone number
            raise Invalid("numbers: {problem}", problem=exc) from None
        return answer(CustomerCreated, {"id": customer_id}, status=201)

    async def dispositions(self, request: web.Request) -> web.Response:
        queue = query(request, DispositionsQuery).queue
        async with self.db.sessionmaker() as session:
            found = await dispositions_for(session, queue)
        return answer(OfferedDispositions, {"dispositions": [d.json() for d in found]})

    async def wrapup(self, request: web.Request) -> web.Response:
        call_key = request.match_info["call_key"]
        user: UserInfo = request[USER]
        body = await read(request, WrapupBody, MAX_BODY)
        try:
            result = await save_wrapup(
                self.db, call_key, wrapup_request(body), await self.scopes.of(user),
                self.scopes.working.popped(user.id, call_key),
            )
        except NotVisible:
            raise _not_found() from None
        for listener in self.wrapup_listeners if user.interface else ():
            await listener(user.interface, call_key)
        return answer(WrapupSaved, {"call_key": call_key, **result.json()})

    async def callbacks(self, request: web.Request) -> web.Response:
        found = await open_callbacks(self.db, await self.scopes.of(request[USER]))
        return answer(OpenCallbacks, {"callbacks": found})

    async def callback_done(self, request: web.Request) -> web.Response:
        callback_id = _path_id(request)
        if not await finish_callback(self.db, callback_id, await self.scopes.of(request[USER])):
            raise _not_found()
        return answer(CallbackDone, {"id": callback_id, "status": "done"})


def add_routes(app: web.Application, work: WorkResource) -> None:
    app[wrapup_listeners_key] = work.wrapup_listeners
    app.router.add_get("/api/customers/search", work.search)
    app.router.add_get("/api/customers/{id}", work.customer)
    app.router.add_post("/api/customers", work.add_customer)
    app.router.add_get("/api/dispositions", work.dispositions)
    app.router.add_post("/api/calls/{call_key}/wrapup", work.wrapup)
    app.router.add_get("/api/callbacks", work.callbacks)
    app.router.add_post("/api/callbacks/{id}/done", work.callback_done)
