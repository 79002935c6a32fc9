"""Service tickets opened for a customer, usually from a call."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crm_core.models import Ticket

PRIORITIES = ("low", "normal", "high", "urgent")


def ticket_json(ticket: Ticket) -> dict[str, Any]:
    return {
        "id": ticket.id,
        "call_key": ticket.call_key,
        "category": ticket.category,
        "priority": ticket.priority,
        "description": ticket.description,
        "status": ticket.status,
        "created_at": ticket.created_at.isoformat(),
    }


async def open_tickets(session: AsyncSession, customer_id: int) -> list[dict[str, Any]]:
    rows = await session.scalars(
        select(Ticket)
        .where(Ticket.customer_id == customer_id, Ticket.status == "open")
        .order_by(Ticket.created_at.desc(), Ticket.id.desc())
    )
    return [ticket_json(t) for t in rows]
