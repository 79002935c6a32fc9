"""The hopper's part in what the agent gets, on the real PostgreSQL: a skipped lead goes back
without an attempt and waits; a callback booked for an agent names the agent's phone; the
disposition of a dialer call lands on its lead whichever comes first, the wrap-up or the
attempt's outcome, and "dnc" lists the number."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from crm_core.db import Database
from crm_core.models import Callback, CallWrapup
from dialer.attempts import AttemptResult
from dialer.crmcalls import lead_customer
from dialer.hopper import DialedAttempt, Hopper
from dialer.store import dnc_listing
from tests.helpers.campaigns import fresh_numbers, import_rows, leads_of, running_campaign
from tests.helpers.console import console_agent

NOON = datetime(2026, 6, 10, 11, 0, tzinfo=UTC)
"""A Wednesday, 12:00 in London."""


async def london_leads(db: Database, tmp_path: Path, count: int) -> tuple[str, list[str]]:
    numbers = fresh_numbers(count)
    campaign = await running_campaign(db, tmp_path)
    await import_rows(db, campaign, tmp_path / "leads.csv",
                      [[n, "Jürgen", "张伟 😀", ""] for n in numbers])
    return campaign, numbers


async def wrapped_up(db: Database, call_key: str, user_id: int, disposition: str) -> None:
    async with db.sessionmaker.begin() as session:
        session.add(CallWrapup(call_key=call_key, user_id=user_id, disposition=disposition))


async def test_a_skipped_lead_goes_back_without_an_attempt_and_waits(db: Database, tmp_path: Path):
    campaign, [number] = await london_leads(db, tmp_path, 1)
    hopper = Hopper(db)
    [lead] = await hopper.claim(campaign, 1, NOON)
    until = NOON + timedelta(minutes=15)
    assert await hopper.skip(lead.lead_id, until)
    assert not await hopper.skip(lead.lead_id, until), "skipped once: no longer claimed"
    stored = (await leads_of(db, campaign))[number]
    assert (stored["status"], stored["attempts"], stored["last_outcome"],
            stored["next_attempt_at"]) == ("new", 0, "skipped", until)
    assert await hopper.claim(campaign, 1, until - timedelta(seconds=1)) == []
    assert [c.lead_id for c in await hopper.claim(campaign, 1, until)] == [lead.lead_id]


async def test_a_callback_for_an_agent_names_their_phone(db: Database, tmp_path: Path):
    campaign, [number] = await london_leads(db, tmp_path, 1)
    agent = await console_agent(db, "8899", "q-none")
    lead = (await leads_of(db, campaign))[number]
    customer = await lead_customer(db, lead["id"])  # reached before, when the callback was booked
    async with db.sessionmaker.begin() as session:
        session.add(Callback(customer_id=customer, number=number, status="open",
                             due_at=NOON - timedelta(minutes=1), timezone="Europe/London",
                             assigned_user_id=agent.user_id))
    [claimed] = await Hopper(db).claim(campaign, 1, NOON)
    assert (claimed.reason, claimed.agent_user_id, claimed.agent_interface) == (
        "callback", agent.user_id, agent.interface)


async def test_the_disposition_lands_on_the_lead_whichever_comes_first(db: Database, tmp_path: Path):
    campaign, numbers = await london_leads(db, tmp_path, 2)
    agent = await console_agent(db, "8898", "q-none")
    hopper = Hopper(db)
    early, late = await hopper.claim(campaign, 2, NOON)
    human = {"answered_at": NOON, "ended_at": NOON + timedelta(minutes=2),
             "agent_user_id": agent.user_id}

    await wrapped_up(db, "call-early", agent.user_id, "sale")  # before the outcome is recorded
    assert await hopper.apply_disposition("call-early") is None
    state = await hopper.record_outcome(early.lead_id, DialedAttempt(
        AttemptResult.HUMAN, NOON, call_key="call-early", **human))
    assert state.status == "done"

    await hopper.record_outcome(late.lead_id, DialedAttempt(
        AttemptResult.HUMAN, NOON, call_key="call-late", **human))
    await wrapped_up(db, "call-late", agent.user_id, "DNC")
    assert await hopper.apply_disposition("call-late") == "dnc"

    leads = await leads_of(db, campaign)
    assert (leads[early.phone]["disposition"], leads[early.phone]["status"]) == ("sale", "done")
    assert (leads[late.phone]["disposition"], leads[late.phone]["status"]) == ("DNC", "dnc")
    assert (await dnc_listing(db, late.phone, default_region="GB")).sources == ("internal",)
    assert (await dnc_listing(db, early.phone, default_region="GB")).sources == ()
