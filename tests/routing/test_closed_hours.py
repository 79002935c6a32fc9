"""The closed-queue FastAGI scripts leave work in the CRM: a ticket for a voicemail, a callback
for anyone when the caller takes the callback offer (real PostgreSQL; the AGI session is a
stand-in recording what the script sets)."""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from crm_core.customers import create_customer
from crm_core.models import Callback, Customer, Lead, Ticket
from crm_core.queues import create_queue
from ctiserver.acd.routeagi import RoutingService
from ivr.store import SqlSelfService
from tests.helpers.campaigns import fresh_numbers, import_rows, new_campaign

pytestmark = pytest.mark.asyncio(loop_scope="session")


class Session:
    def __init__(self, params: dict, callerid: str) -> None:
        self.params = params
        self.env = {"agi_callerid": callerid, "agi_uniqueid": f"{uuid.uuid4()};2"}
        self.variables: dict[str, str] = {}

    async def set_variable(self, name: str, value: str) -> None:
        self.variables[name] = value


async def test_voicemail_becomes_a_ticket_on_the_known_customer(db):
    number = "+4930" + str(uuid.uuid4().int)[:7]
    customer_id = await create_customer(db, "Jürgen 张伟", [number], default_region="DE")
    routing = RoutingService(db, default_region="DE")
    session = Session({"queue": "support", "file": "/srv/x/cc-closed/support-1.wav"}, number)
    await routing.voicemail(session)
    async with db.sessionmaker() as s:
        ticket = await s.get(Ticket, int(session.variables["CC_TICKET"]))
    assert (ticket.customer_id, ticket.category, ticket.call_key) == (customer_id, "voicemail", session.env["agi_uniqueid"])
    assert "support-1.wav" in ticket.description


async def test_callback_offer_books_a_callback_for_anyone_in_the_queues_time_zone(db):
    queue = f"cb{uuid.uuid4().hex[:8]}"
    await create_queue(db, queue, timezone="Europe/Berlin")
    number = "+4940" + str(uuid.uuid4().int)[:7]
    routing = RoutingService(db, default_region="DE")
    session = Session({"queue": queue, "number": number}, number)
    await routing.callback(session)
    async with db.sessionmaker() as s:
        callback = await s.get(Callback, int(session.variables["CC_CALLBACK"]))
        customer = await s.scalar(select(Customer).where(Customer.id == callback.customer_id))
    assert (callback.number, callback.timezone, callback.assigned_user_id) == (number, "Europe/Berlin", None)
    assert customer.name == f"Caller {number}"  # an unknown caller gets a record


@pytest.mark.parametrize("booked_by", ["closed queue", "IVR"])
async def test_a_callback_links_the_numbers_leads_and_keeps_the_queues_time_zone(db, tmp_path, booked_by):
    """Either way a callback is booked (a closed queue's offer, an IVR's callback node): in the
    queue's time zone, and the campaigns' leads of the number, not yet linked to a customer,
    linked to the callback's, so the dialer dials it first."""
    [number] = fresh_numbers(1)
    campaign = await new_campaign(db)
    await import_rows(db, campaign, tmp_path / "leads.csv", [[number, "Jürgen", "张伟 😀", ""]])
    queue = f"cb{uuid.uuid4().hex[:8]}"
    await create_queue(db, queue, timezone="Asia/Shanghai")
    if booked_by == "IVR":
        await SqlSelfService(db, default_region="GB").callback(queue, number, f"{uuid.uuid4()}")
    else:
        await RoutingService(db, default_region="GB").callback(Session({"queue": queue}, number))
    async with db.sessionmaker() as s:
        callback = await s.scalar(select(Callback).where(Callback.number == number))
        lead = await s.scalar(select(Lead).where(Lead.phone == number))
    assert callback.timezone == "Asia/Shanghai"
    assert lead.customer_id == callback.customer_id is not None
