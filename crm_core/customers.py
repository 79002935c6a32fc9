"""Customers: the card an agent sees when a call comes in, and adding customers."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import and_, func, or_, select, text
from sqlalchemy.orm import selectinload

from callcenter.errors import Invalid
from crm_core.callbacks import callback_json
from crm_core.db import Database
from crm_core.models import Call, Callback, CallWrapup, ContactNumber, Customer, User
from crm_core.phones import normalize_number
from crm_core.tickets import open_tickets
from crm_core.workscope import Scope

RECENT_CALLS = 5
SEARCH_LIMIT = 20
TIMELINE_LIMIT = 50


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
    cards = await find_customers_by_numbers(db, [raw_number], default_region=default_region)
    return cards[raw_number]


# The card in one statement: the owner of each number (of several customers sharing a number,
# the oldest), the customer's numbers and the latest calls, as arrays.
_CARDS = text(f"""
SELECT o.number_e164, c.id, c.name, c.company, c.email, c.timezone, c.tags,
       n.numbers, n.labels, r.entered, r.queues, r.outcomes, r.talks
FROM (SELECT DISTINCT ON (number_e164) number_e164, customer_id FROM contact_numbers
      WHERE number_e164 = ANY(CAST(:numbers AS text[])) ORDER BY number_e164, customer_id) o
JOIN customers c ON c.id = o.customer_id
CROSS JOIN LATERAL (
    SELECT array_agg(number_e164 ORDER BY id) AS numbers, array_agg(label ORDER BY id) AS labels
    FROM contact_numbers WHERE customer_id = c.id) n
CROSS JOIN LATERAL (
    SELECT array_agg(k.entered_at ORDER BY k.entered_at DESC, k.id DESC) AS entered,
           array_agg(k.queue ORDER BY k.entered_at DESC, k.id DESC) AS queues,
           array_agg(k.outcome ORDER BY k.entered_at DESC, k.id DESC) AS outcomes,
           array_agg(k.talk_seconds ORDER BY k.entered_at DESC, k.id DESC) AS talks
    FROM (SELECT id, entered_at, queue, outcome, talk_seconds FROM calls
          WHERE customer_id = c.id ORDER BY entered_at DESC, id DESC LIMIT {RECENT_CALLS}) k) r
""")


async def find_customers_by_numbers(
    db: Database, raw_numbers: Iterable[str], *, default_region: str
) -> dict[str, dict[str, Any] | None]:
    """find_customer_by_number for several numbers at once, in one query: {raw number: card or
    None}. The CTI server looks up every queue caller: one round trip for a batch of them, over
    a plain connection, no ORM."""
    raw_numbers = list(raw_numbers)
    numbers = {raw: normalize_number(raw, default_region) for raw in raw_numbers}
    wanted = sorted({n for n in numbers.values() if n is not None})
    cards: dict[str, dict[str, Any]] = {}
    if wanted:
        async with db.autocommit.connect() as conn:
            rows = (await conn.execute(_CARDS, {"numbers": wanted})).all()
        cards = {row[0]: _card(row) for row in rows}
    return {raw: cards.get(number) if number is not None else None
            for raw, number in numbers.items()}


def _card(row: Any) -> dict[str, Any]:
    """customer_card's dict from a row of _CARDS."""
    _, id_, name, company, email, timezone, tags, numbers, labels, entered, queues, outcomes, \
        talks = row
    return {
        "id": id_,
        "name": name,
        "company": company,
        "email": email,
        "timezone": timezone,
        "tags": list(tags),
        "numbers": [{"number": n, "label": label} for n, label in zip(numbers or (), labels or ())],
        "recent_calls": [
            {
                "entered_at": at.isoformat(),
                "queue": queue,
                "outcome": outcome,
                "talk_seconds": talk,
            }
            for at, queue, outcome, talk in zip(entered or (), queues or (), outcomes or (),
                                                talks or ())
        ],
    }


def normalize_all(numbers: Iterable[str], default_region: str) -> list[str]:
    """E.164 forms without duplicates, in the given order. Raises ValueError on an invalid one."""
    result: list[str] = []
    for raw in numbers:
        number = normalize_number(raw, default_region)
        if number is None:
            raise Invalid("not a valid phone number: {number}", number=repr(raw))
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
    created_by: int | None = None,
) -> int:
    """Add a customer with its phone numbers (any format, stored as E.164). Returns its id."""
    customer = Customer(
        name=name,
        company=company,
        email=email,
        timezone=timezone,
        tags=list(tags),
        created_by=created_by,
        numbers=[ContactNumber(number_e164=n) for n in normalize_all(numbers, default_region)],
    )
    async with db.sessionmaker.begin() as session:
        session.add(customer)
    return customer.id


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def search_customers(
    db: Database, query: str, scope: Scope, *, default_region: str
) -> list[dict[str, Any]]:
    """Customers ``scope`` may see whose name or email contains ``query`` (case-insensitive), or
    who own the number ``query`` (any format); at most SEARCH_LIMIT, by name."""
    pattern = _like(query.strip())
    matches = [Customer.name.ilike(pattern), Customer.email.ilike(pattern)]
    number = normalize_number(query, default_region)
    if number:
        owners = select(ContactNumber.customer_id).where(ContactNumber.number_e164 == number)
        matches.append(Customer.id.in_(owners))
    stmt = (
        select(Customer)
        .where(or_(*matches), scope.customers())
        .order_by(func.lower(Customer.name), Customer.id)
        .limit(SEARCH_LIMIT)
        .options(selectinload(Customer.numbers))
    )
    async with db.sessionmaker() as session:
        return [
            {"id": c.id, "name": c.name, "company": c.company, "email": c.email,
             "numbers": [n.number_e164 for n in c.numbers]}
            for c in await session.scalars(stmt)
        ]


def _timeline_statement(customer_id: int) -> Any:
    wrapup = and_(CallWrapup.call_key == Call.call_key, CallWrapup.user_id == Call.agent_user_id)
    return (
        select(Call, User.display_name, CallWrapup.disposition, CallWrapup.note)
        .outerjoin(User, User.id == Call.agent_user_id)
        .outerjoin(CallWrapup, wrapup)
        .where(Call.customer_id == customer_id)
        .order_by(Call.entered_at.desc(), Call.id.desc())
        .limit(TIMELINE_LIMIT)
    )


def _timeline_entry(call: Call, agent: str | None, disposition: str | None,
                    note: str | None) -> dict[str, Any]:
    return {
        "call_key": call.call_key, "when": call.entered_at.isoformat(), "queue": call.queue,
        "direction": call.direction, "outcome": call.outcome, "talk_seconds": call.talk_seconds,
        "agent": agent, "disposition": disposition, "note": note, "collected": call.collected,
    }


async def customer_details(db: Database, customer_id: int, scope: Scope) -> dict[str, Any] | None:
    """The full card: details, the timeline of past calls (newest first, with the handling
    agent's disposition and note, and what the IVR collected), open tickets, open callbacks
    ``scope`` may see. None when the customer does not exist or is outside ``scope``."""
    find = (
        select(Customer)
        .where(Customer.id == customer_id, scope.customers())
        .options(selectinload(Customer.numbers))
    )
    async with db.sessionmaker() as session:
        customer = await session.scalar(find)
        if customer is None:
            return None
        timeline = await session.execute(_timeline_statement(customer_id))
        callbacks = await session.scalars(
            select(Callback)
            .where(Callback.customer_id == customer_id, Callback.status == "open",
                   scope.callbacks())
            .order_by(Callback.due_at)
        )
        card = customer_card(customer, [])
        del card["recent_calls"]
        return card | {
            "vip": customer.vip,
            "timeline": [_timeline_entry(*row) for row in timeline],
            "tickets": await open_tickets(session, customer_id),
            "callbacks": [callback_json(c) for c in callbacks],
        }
