"""Demo customers and a sales script, so that screen pops show something on a fresh install."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from crm_core.customers import create_customer, normalize_all
from crm_core.db import Database
from crm_core.dispositions import Owner
from crm_core.models import ContactNumber
from crm_core.scripts import get_script, put_script


@dataclass(frozen=True)
class DemoCustomer:
    name: str
    numbers: tuple[str, ...]
    company: str | None = None
    email: str | None = None
    timezone: str | None = None
    tags: tuple[str, ...] = ()


DEMO_CUSTOMERS = (
    DemoCustomer(
        "Jürgen 张伟", ("+49301234567",), "Müller & Zhang Logistik GmbH",
        "juergen.zhang@example.de", "Europe/Berlin", ("vip", "logistics"),
    ),
    DemoCustomer(
        "Anna Schmidt", ("+4940 5551234", "+49 151 23456789"), "Hanseatic Insurance AG",
        "a.schmidt@example.de", "Europe/Berlin", ("insurance",),
    ),
    DemoCustomer(
        "Émilie Dubois", ("+33 1 42 68 53 00",), "Boulangerie Dubois SARL",
        "emilie@example.fr", "Europe/Paris", ("retail", "fr"),
    ),
    DemoCustomer(
        "James O'Connor", ("+44 20 7946 0958",), "O'Connor Engineering Ltd",
        "james@example.co.uk", "Europe/London", ("engineering", "uk"),
    ),
    DemoCustomer(
        "María García", ("+34 912 345 678",), None,
        "maria.garcia@example.es", "Europe/Madrid", ("private",),
    ),
)

SALES_SCRIPT = Owner("queue", "sales")
SALES_SCRIPT_BODY = """\
Good day, {% if customer.name %}{{ customer.name }}{% else %}and welcome{% endif %}! \
My name is {{ agent }}, calling from the sales team.
{% if customer.company %}I see you are with {{ customer.company }}.{% endif %}
1. Ask whether now is a good time to talk.
2. Present this month's offer.
3. Agree on a next step: order, callback or ticket.
"""


async def seed(db: Database, *, default_region: str) -> int:
    """Add the demo customers whose first number is not stored yet, and the sales queue's
    script unless it has one (an admin's edit stays). Returns how many customers were added."""
    if await get_script(db, SALES_SCRIPT) is None:
        await put_script(db, SALES_SCRIPT, SALES_SCRIPT_BODY, title="Sales call")
    first_numbers = {c: normalize_all(c.numbers[:1], default_region)[0] for c in DEMO_CUSTOMERS}
    async with db.sessionmaker() as session:
        known = set(
            await session.scalars(
                select(ContactNumber.number_e164).where(
                    ContactNumber.number_e164.in_(first_numbers.values())
                )
            )
        )
    added = 0
    for customer, number in first_numbers.items():
        if number in known:
            continue
        await create_customer(
            db, customer.name, list(customer.numbers), company=customer.company,
            email=customer.email, timezone=customer.timezone, tags=customer.tags,
            default_region=default_region,
        )
        added += 1
    return added
