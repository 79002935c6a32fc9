"""A callback an agent booked for themself is dialed to that agent alone, on the real Asterisk
sandbox and PostgreSQL: its lead's callback is due, the booking agent is paused and another
agent of the queue is free: the dialer claims the lead and holds it; once the booking agent is
free their phone rings with the lead on their console, then the customer; the other agent gets
nothing. The attempt names the booking agent and the callback is done."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text

from asterisk_conf.simulation import customer_variables
from crm_core.customers import create_customer
from crm_core.models import Callback

from tests.helpers.campaigns import fresh_numbers, leads_of
from tests.helpers.console import console_agent, leave_queue
from tests.helpers.leadcalls import agent_campaign, lead_campaign
from tests.helpers.waiting import poll_until

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


async def book_callback(db, lead: dict, user_id: int) -> int:
    """The callback as a wrap-up stores it: for the lead's customer and number, due a minute ago."""
    async with db.sessionmaker.begin() as session:
        callback = Callback(customer_id=lead["customer_id"], number=lead["phone"],
                            due_at=datetime.now(UTC) - timedelta(minutes=1), timezone="UTC",
                            assigned_user_id=user_id, created_by=user_id, status="open")
        session.add(callback)
        await session.flush()
        return callback.id


async def test_a_callback_for_me_rings_the_booking_agent_only(
        cti, db, settings, new_queue, new_extension, open_socket, tmp_path: Path):
    queue = await new_queue("forme", product=cti)
    booking = await console_agent(db, new_extension(), queue, display_name="Ana 王")
    other = await console_agent(db, new_extension(), queue, display_name="Ben 赵")
    sockets = {a.user_id: await open_socket(a.token) for a in (booking, other)}
    [number] = fresh_numbers(1)
    # a callback is booked with a customer already spoken to: the lead is linked to them
    await create_customer(db, "Jürgen 张伟 😀", [number], default_region="GB")
    campaign = await lead_campaign(db, tmp_path, queue, [[number, "Jürgen", "张伟 😀"]],
                                   {number: "Callback 回电"}, mode="progressive", ratio=1.0, amd=False)
    lead = (await leads_of(db, campaign))[number]
    callback_id = await book_callback(db, lead, booking.user_id)
    customers = {number: customer_variables("human", talk=2, rings_for=0.5)}
    control = cti.server.agent_control
    for agent, name in ((booking, "Ana 王"), (other, "Ben 赵")):
        await control.log_in(agent.interface, [queue], name=name)
    await control.pause(booking.interface, "lunch")
    try:
        async with agent_campaign(cti, db, settings, campaign, queue, customers):
            async def claimed() -> bool:
                return (await leads_of(db, campaign))[number]["status"] == "dialing"
            await poll_until(claimed, "the callback's lead claimed", 20)
            held = await sockets[booking.user_id].quiet_until_marker(cti.server, booking.user_id)
            assert not [m for m in held if m["type"] in ("preview", "pop")], held

            await control.unpause(booking.interface)
            _, _, shown = await sockets[booking.user_id].wait_for("preview", timeout=20)
            _, _, dialed = await sockets[booking.user_id].wait_for("preview_ended", timeout=10)
            await sockets[booking.user_id].wait_for("hangup", dialed["call_id"], timeout=30)

            async def reached() -> bool:
                return (await leads_of(db, campaign))[number]["status"] == "done"
            await poll_until(reached, "the lead done: the customer reached", 20)
    finally:
        for agent in (booking, other):
            await leave_queue(cti, agent)

    assert shown["lead"]["lead_id"] == lead["id"] and shown["number"] == number
    assert shown["lead"]["script"] == "Hello Jürgen 张伟 😀: Callback 回电, Ana 王 here."
    assert shown["seconds"] is None, "dialed at once, not waiting for Dial"
    assert dialed["reason"] == "dialed" and dialed["lead_id"] == lead["id"]
    seen = await sockets[other.user_id].quiet_until_marker(cti.server, other.user_id)
    assert not [m for m in seen if m["type"] in ("preview", "pop", "hangup")], seen

    async with db.engine.connect() as conn:
        attempts = (await conn.execute(text(
            "SELECT outcome, agent_user_id, call_key FROM lead_attempts WHERE lead_id = :id"),
            {"id": lead["id"]})).all()
    assert [(a.outcome, a.agent_user_id, a.call_key) for a in attempts] == [
        ("human", booking.user_id, dialed["call_id"])]
    async with db.sessionmaker() as session:
        assert await session.scalar(select(Callback.status).where(Callback.id == callback_id)) == "done"
