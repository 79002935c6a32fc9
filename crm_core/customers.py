"""Customers: the card an agent sees when a call comes in, and adding customers."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from crm_core.db import Database
from crm_core.models import Call, ContactNumber, Customer
from crm_core.phones import normalize_number

RECENT_CALLS = 5


def customer_card(customer: Customer, recent_calls: Sequence[Call]) -> dict[str, Any]:
    """JSON-ready screen-pop card."""
    return {
        "id": customer.id,
        "name": customer.name,
        "company": customer.company,
        "email": customer.email,
        "timezone": customer.timezone,
        "tags": list(customer.tags),
        "numbers": [{"number": n.number_e164, "label": n.label} for n in customer.numbers],
        "recent_calls": [
            {
                "entered_at": c.entered_at.isoformat(),
                "queue": c.queue,
                "outcome": c.outcome,
                "talk_seconds": c.talk_seconds,
            }
            for c in recent_calls
        ],
    }


async def find_customer_by_number(
    db: Database, raw_number: str, *, default_region: str
) -> dict[str, Any] | None:
    """The card of the customer owning this number, however it is written; None when the
    number is invalid or unknown. Of several customers sharing a number, the oldest wins."""
    number = normalize_number(raw_number, default_region)
    if number is None:
        return None
    find = (
        select(Customer)
        .join(ContactNumber)
        .where(ContactNumber.number_e164 == number)
        .order_by(Customer.id)
        .limit(1)
        .options(selectinload(Customer.numbers))
    )
    async with db.sessionmaker() as session:
        customer = await session.scalar(find)
        if customer is None:
            return None
        recent = await session.scalars(
            select(Call)
            .where(Call.customer_id == customer.id)
            .order_by(Call.entered_at.desc())
            .limit(RECENT_CALLS)
        )
        return customer_card(customer, recent.all())


def normalize_all(numbers: Iterable[str], default_region: str) -> list[str]:
    """E.164 forms without duplicates, in the given order. Raises ValueError on an invalid one."""
    result: list[str] = []
    for raw in numbers:
        number = normalize_number(raw, default_region)
        if number is None:
            raise ValueError(f"not a valid phone number: {raw!r}")
        if number not in result:
            result.append(number)
    return result


async def create_customer(
    db: Database,
    name: str,
    numbers: list[str],
    *,
    company: str | None = None,
    email: str | None = None,
    timezone: str | None = None,
    tags: Iterable[str] = (),
    default_region: str,
) -> int:
    """Add a customer with its phone numbers (any format, stored as E.164). Returns its id."""
    customer = Customer(
        name=name,
        company=company,
        email=email,
        timezone=timezone,
        tags=list(tags),
        numbers=[ContactNumber(number_e164=n) for n in normalize_all(numbers, default_region)],
    )
    async with db.sessionmaker.begin() as session:
        session.add(customer)
    return customer.id
