"""The IVR's CRM lookups on the real PostgreSQL: customers by number and by customer number,
tickets by ticket number."""
from __future__ import annotations

import pytest

from crm_core.closedhours import voicemail_ticket
from crm_core.customers import create_customer
from crm_core.queues import set_vip
from ivr.commands import Lookup
from ivr.crmlookup import CrmLookup
from tests.helpers.records import berlin_number

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


async def test_customer_and_ticket_lookups(db) -> None:
    e164, national = berlin_number()
    customer = await create_customer(db, "Jürgen 张伟 😀", [national], default_region="DE")
    await set_vip(db, customer)
    ticket = await voicemail_ticket(db, queue="support", number=e164, recording="x.wav",
                                    call_key="k1", default_region="DE")
    lookup = CrmLookup(db, default_region="DE")
    by_number = await lookup(Lookup("customer", "caller", national))
    assert by_number is not None and by_number["id"] == customer
    assert (by_number["name"], by_number["vip"], by_number["open_tickets"]) == ("Jürgen 张伟 😀", True, 1)
    assert await lookup(Lookup("customer", "data", str(customer))) == by_number
    found = await lookup(Lookup("ticket", "data", str(ticket)))
    assert found is not None and (found["status"], found["category"], found["customer"]) == (
        "open", "voicemail", customer)
    assert len(str(found["created"])) == 10  # an ISO date, for say: date


@pytest.mark.parametrize("request_", [
    Lookup("customer", "caller", "not a number"), Lookup("customer", "caller", berlin_number()[0]),
    Lookup("ticket", "data", "99999999999999"), Lookup("account", "data", "12ab"),
    Lookup("ticket", "data", "2147483000"),
], ids=["invalid-number", "unknown-number", "too-long", "not-digits", "unknown-ticket"])
async def test_nothing_found(db, request_: Lookup) -> None:
    assert await CrmLookup(db, default_region="DE")(request_) is None
