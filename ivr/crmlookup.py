"""The CRM behind the flow engine's ``Lookup`` (adapter): a customer by the caller's number or by
the digits entered (the customer number, the CRM's id), a ticket by its number. The fields a
flow reads as ``INTO.field``: a customer's id, name, company, vip, open_tickets; a ticket's id,
status, category, priority, created (a date, for ``say: date``), customer."""
from __future__ import annotations

from sqlalchemy import func, select

from crm_core.db import Database
from crm_core.models import ContactNumber, Customer, Ticket
from crm_core.phones import normalize_number
from ivr.commands import Lookup
from ivr.flow import Value

MAX_ID = 2**31 - 1
"""Digits beyond the ids' column type are no record."""


class CrmLookup:
    def __init__(self, db: Database, *, default_region: str) -> None:
        self.db = db
        self.default_region = default_region

    async def __call__(self, request: Lookup) -> dict[str, Value] | None:
        if request.record == "customer" and request.by == "caller":
            number = normalize_number(request.value, self.default_region)
            return None if number is None else await self._customer(number=number)
        if not request.value.isdigit() or int(request.value) > MAX_ID:
            return None
        if request.record == "ticket":
            return await self._ticket(int(request.value))
        return await self._customer(customer_id=int(request.value))

    async def _customer(self, *, number: str | None = None, customer_id: int | None = None) -> dict[str, Value] | None:
        query = select(Customer)
        if number is not None:  # of several owners, the oldest (as the screen pop)
            query = query.join(ContactNumber).where(ContactNumber.number_e164 == number)
        else:
            query = query.where(Customer.id == customer_id)
        async with self.db.sessionmaker() as session:
            customer = await session.scalar(query.order_by(Customer.id).limit(1))
            if customer is None:
                return None
            tickets = await session.scalar(select(func.count()).select_from(Ticket).where(
                Ticket.customer_id == customer.id, Ticket.status == "open"))
        return {"id": customer.id, "name": customer.name, "company": customer.company,
                "vip": customer.vip, "open_tickets": tickets}

    async def _ticket(self, ticket_id: int) -> dict[str, Value] | None:
        async with self.db.sessionmaker() as session:
            ticket = await session.get(Ticket, ticket_id)
        if ticket is None:
            return None
        return {"id": ticket.id, "status": ticket.status, "category": ticket.category,
                "priority": ticket.priority, "created": ticket.created_at.date().isoformat(),
                "customer": ticket.customer_id}
