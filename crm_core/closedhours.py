"""What a caller leaves when a queue is closed: a voicemail becomes a service ticket, an
accepted callback offer (or an IVR's callback node) becomes a callback for anyone. The
caller's customer record is found by number, or created for an unknown caller."""
from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select, update

from crm_core.customers import create_customer, find_customer_by_number
from crm_core.db import Database
from crm_core.models import Callback, Lead, Queue, Ticket
from crm_core.phones import normalize_number


async def _customer_id(db: Database, number: str, *, default_region: str) -> int:
    card = await find_customer_by_number(db, number, default_region=default_region) if number else None
    if card is not None:
        return card["id"]
    try:
        return await create_customer(db, f"Caller {number}".strip(), [number] if number else [],
                                     default_region=default_region)
    except ValueError:  # a number that is no phone number: keep the caller anyway
        return await create_customer(db, f"Caller {number}".strip(), [], default_region=default_region)


async def voicemail_ticket(db: Database, *, queue: str, number: str, recording: str,
                           call_key: str, default_region: str) -> int:
    customer_id = await _customer_id(db, number, default_region=default_region)
    ticket = Ticket(customer_id=customer_id, call_key=call_key, category="voicemail",
                    priority="normal",
                    description=f"Voicemail left while queue {queue} was closed: {recording}")
    async with db.sessionmaker.begin() as session:
        session.add(ticket)
    return ticket.id


async def callback_request(db: Database, *, queue: str, number: str, call_key: str,
                           default_region: str, note: str | None = None) -> int:
    """A callback for anyone, due at once, in the queue's time zone: the list is worked soonest
    first when the queue opens. The caller was reached, so the campaigns' leads of the number
    not yet linked to a customer are linked to the callback's (as a lead's first contact links
    it): the dialer dials a callback first for the leads of its customer."""
    customer_id = await _customer_id(db, number, default_region=default_region)
    async with db.sessionmaker.begin() as session:
        timezone = await session.scalar(select(Queue.timezone).where(Queue.name == queue))
        callback = Callback(customer_id=customer_id, number=number, due_at=datetime.now(UTC),
                            timezone=timezone or "UTC", call_key=call_key,
                            note=note or f"Asked for a callback while queue {queue} was closed")
        session.add(callback)
        if (phone := normalize_number(number, default_region)) is not None:
            await session.execute(update(Lead).where(Lead.phone == phone, Lead.customer_id.is_(None))
                                  .values(customer_id=customer_id))
    return callback.id
