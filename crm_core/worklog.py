"""After-call work: the agent's disposition and note for a call, and the callback or ticket
scheduled from it, stored in one transaction. Submitting again for the same call updates all
three instead of adding more."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.errors import Invalid
from crm_core.callbacks import due_utc
from crm_core.db import Database
from crm_core.dispositions import dispositions_for
from crm_core.models import (
    Call, Callback, CallWrapup, Campaign, ContactNumber, Customer, PendingWrapup, Queue, Ticket,
    User,
)
from crm_core.workscope import PoppedCall, Scope


class WorkInputError(Invalid):
    """The request cannot be stored as given (the message says why, translatable)."""


class NotVisible(LookupError):
    """The call or customer does not exist for this user."""


@dataclass(frozen=True, slots=True)
class CallbackRequest:
    due_local: str
    timezone: str | None
    for_me: bool
    note: str | None = None


@dataclass(frozen=True, slots=True)
class TicketRequest:
    category: str
    priority: str
    description: str


@dataclass(frozen=True, slots=True)
class WrapupRequest:
    disposition: str
    note: str | None = None
    callback: CallbackRequest | None = None
    ticket: TicketRequest | None = None
    customer_id: int | None = None


@dataclass(frozen=True, slots=True)
class WrapupResult:
    customer_id: int | None
    callback_id: int | None
    ticket_id: int | None

    def json(self) -> dict[str, int | None]:
        return {"customer_id": self.customer_id, "callback_id": self.callback_id,
                "ticket_id": self.ticket_id}


@dataclass(frozen=True, slots=True)
class CallContext:
    """What the wrap-up needs to know about the call: from its CRM row, else from the pop."""

    queue: str | None
    customer_id: int | None
    campaign: str | None = None
    """A dialer's call: its campaign, whose dispositions come first."""


async def _campaign(session: AsyncSession, call: Call | None,
                    popped: PoppedCall | None) -> str | None:
    if call is not None and call.campaign_id is not None:
        return await session.scalar(select(Campaign.name).where(Campaign.id == call.campaign_id))
    return popped and popped.campaign


async def _pending_for(session: AsyncSession, call_key: str, user_id: int) -> bool:
    """Whether the after-call gate holds ``call_key`` for the user's phone (pending_wrapups):
    the gate's word that they handled it, when neither the call's row (not written yet, or
    lost in a crash) nor the pop (before a restart) says so."""
    return bool(await session.scalar(select(exists().where(
        PendingWrapup.call_key == call_key, PendingWrapup.interface == User.interface,
        User.id == user_id))))


async def _context(session: AsyncSession, call: Call | None, call_key: str, user_id: int,
                   popped: PoppedCall | None) -> CallContext:
    campaign = await _campaign(session, call, popped)
    if call is not None and call.agent_user_id == user_id:
        return CallContext(call.queue or (popped and popped.queue),
                           call.customer_id or (popped and popped.customer_id), campaign)
    if popped is None and not await _pending_for(session, call_key, user_id):
        raise NotVisible(call_key)
    return CallContext((popped and popped.queue) or (call and call.queue),
                       (call and call.customer_id) or (popped and popped.customer_id), campaign)


async def _call_row(session: AsyncSession, call_key: str) -> Call | None:
    return await session.scalar(select(Call).where(Call.call_key == call_key))


async def _customer(session: AsyncSession, context: CallContext, request: WrapupRequest,
                    scope: Scope) -> Customer | None:
    customer_id = context.customer_id or request.customer_id
    if customer_id is None:
        if request.callback or request.ticket:
            raise WorkInputError("this call has no customer: give 'customer_id'")
        return None
    allowed = customer_id == context.customer_id or await session.scalar(
        select(exists().where(Customer.id == customer_id, scope.customers()))
    )
    customer = await session.get(Customer, customer_id) if allowed else None
    if customer is None:
        raise NotVisible(f"customer {customer_id}")
    return customer


async def _check_disposition(session: AsyncSession, context: CallContext,
                             request: WrapupRequest) -> None:
    offered = {d.code: d for d in await dispositions_for(session, context.queue,
                                                           context.campaign)}
    chosen = offered.get(request.disposition)
    if chosen is None:
        raise WorkInputError("unknown disposition {code}; one of {offered}",
                             code=repr(request.disposition), offered=", ".join(offered))
    if chosen.requires_callback and request.callback is None:
        raise WorkInputError("the disposition {code} needs a callback", code=repr(chosen.code))


async def _timezone(session: AsyncSession, wanted: str | None, customer: Customer,
                    queue: str | None) -> str:
    if wanted or customer.timezone:
        return wanted or customer.timezone
    queue_zone = await session.scalar(select(Queue.timezone).where(Queue.name == queue))
    return queue_zone or "UTC"


async def _save_callback(session: AsyncSession, call_key: str, scope: Scope,
                         customer: Customer, queue: str | None,
                         request: CallbackRequest) -> int:
    timezone = await _timezone(session, request.timezone, customer, queue)
    try:
        due_at = due_utc(request.due_local, timezone)
    except ValueError as exc:
        raise WorkInputError("callback: {problem}", problem=str(exc)) from None
    number = await session.scalar(
        select(ContactNumber.number_e164)
        .where(ContactNumber.customer_id == customer.id).order_by(ContactNumber.id).limit(1)
    )
    callback = await session.scalar(select(Callback).where(
        Callback.call_key == call_key, Callback.created_by == scope.user_id
    )) or Callback(call_key=call_key, created_by=scope.user_id, status="open")
    callback.customer_id, callback.number, callback.note = customer.id, number, request.note
    callback.due_at, callback.timezone = due_at, timezone
    callback.assigned_user_id = scope.user_id if request.for_me else None
    session.add(callback)
    await session.flush()
    return callback.id


async def _save_ticket(session: AsyncSession, call_key: str, scope: Scope,
                       customer: Customer, request: TicketRequest) -> int:
    ticket = await session.scalar(select(Ticket).where(
        Ticket.call_key == call_key, Ticket.created_by == scope.user_id
    )) or Ticket(call_key=call_key, created_by=scope.user_id, status="open")
    ticket.customer_id, ticket.category = customer.id, request.category
    ticket.priority, ticket.description = request.priority, request.description
    session.add(ticket)
    await session.flush()
    return ticket.id


async def _save_wrapup(session: AsyncSession, call_key: str, user_id: int,
                       request: WrapupRequest) -> None:
    values = {"call_key": call_key, "user_id": user_id,
              "disposition": request.disposition, "note": request.note}
    stmt = insert(CallWrapup).values(values)
    await session.execute(stmt.on_conflict_do_update(
        index_elements=[CallWrapup.call_key, CallWrapup.user_id],
        set_={"disposition": stmt.excluded.disposition, "note": stmt.excluded.note},
    ))


async def save_wrapup(db: Database, call_key: str, request: WrapupRequest, scope: Scope,
                      popped: PoppedCall | None) -> WrapupResult:
    """Store the wrap-up of ``call_key`` by ``scope.user_id``, who must have handled the call
    (its CRM row names them), had it popped (``popped``) or be held by the after-call gate for
    it (pending_wrapups). Raises NotVisible, WorkInputError."""
    async with db.sessionmaker.begin() as session:
        call = await _call_row(session, call_key)
        context = await _context(session, call, call_key, scope.user_id, popped)
        await _check_disposition(session, context, request)
        customer = await _customer(session, context, request, scope)
        await _save_wrapup(session, call_key, scope.user_id, request)
        callback_id = ticket_id = None
        if customer is not None and request.callback is not None:
            callback_id = await _save_callback(
                session, call_key, scope, customer, context.queue, request.callback
            )
        if customer is not None and request.ticket is not None:
            ticket_id = await _save_ticket(session, call_key, scope, customer, request.ticket)
        return WrapupResult(customer and customer.id, callback_id, ticket_id)


def _iso(at) -> str | None:
    return at.isoformat() if at is not None else None


async def call_details(db: Database, call_key: str, scope: Scope,
                       popped: PoppedCall | None) -> dict[str, Any] | None:
    """What the after-call form needs about a call, for a user who may wrap it up (as
    save_wrapup decides) or whose scope covers the agent named in its row (a supervisor's
    team, an admin): the queue, the caller, the customer (when known), the dispositions
    offered and the user's own stored wrap-up. ``recorded`` is False while the call's CRM row
    is not written yet (a few hundred ms after the hangup, the CRM writer batches): what the
    pop told is given meanwhile. None: not visible to this user (or no such call)."""
    async with db.sessionmaker() as session:
        call = await _call_row(session, call_key)
        try:
            context = await _context(session, call, call_key, scope.user_id, popped)
        except NotVisible:
            covered = call is not None and (
                scope.visible is None or call.agent_user_id in scope.visible)
            if not covered:
                return None
            context = CallContext(call.queue, call.customer_id,
                                  await _campaign(session, call, popped))
        customer = (await session.get(Customer, context.customer_id)
                    if context.customer_id else None)
        offered = await dispositions_for(session, context.queue, context.campaign)
        stored = await session.scalar(select(CallWrapup).where(
            CallWrapup.call_key == call_key, CallWrapup.user_id == scope.user_id))
    return {
        "call_key": call_key,
        "recorded": call is not None,
        "queue": context.queue,
        "caller_number": (call and call.caller_number) or (popped and popped.caller_number),
        "caller_name": (call and call.caller_name) or (popped and popped.caller_name),
        "entered_at": _iso(call and call.entered_at),
        "answered_at": _iso(call and call.answered_at),
        "ended_at": _iso(call and call.ended_at),
        "outcome": call and call.outcome,
        "customer": customer and {
            "id": customer.id, "name": customer.name, "company": customer.company,
            "timezone": customer.timezone, "vip": customer.vip},
        "dispositions": [d.json() for d in offered],
        "wrapup": stored and {"disposition": stored.disposition, "note": stored.note},
    }
