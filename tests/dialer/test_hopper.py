"""The hopper on the real PostgreSQL: claims never hand one lead to two dialers (SKIP LOCKED,
two sessions), callbacks due come first (one booked for an agent names the agent), then fresh
leads, then retries due; do-not-call numbers and leads outside their calling hours are never
claimed; outcomes apply the campaign's retry rules and the legal gaps."""
from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from callcenter.errors import Conflict
from crm_core.db import Database
from crm_core.models import Callback
from dialer.attempts import AttemptResult
from dialer.crmcalls import lead_customer
from dialer.hopper import DialedAttempt, Hopper, LeadState
from dialer.store import Campaigns, add_dnc, dnc_listing
from tests.helpers.accounts import make_user
from tests.helpers.campaigns import (
    fresh_numbers, import_rows, leads_of, load_fresh_dnc, new_campaign, running_campaign,
)

WEDNESDAY_NOON = datetime(2026, 6, 10, 11, 0, tzinfo=UTC)
"""12:00 in London (BST), 07:00 in New York: before its calling hours."""
RETRY_RULES = {"rules": {"busy": {"delay_minutes": 10, "max_attempts": 2},
                         "no_answer": {"delay_minutes": 60},
                         "machine": {"delay_minutes": 240, "max_attempts": 3}},
               "max_attempts": 6}


async def campaign_with_leads(db: Database, tmp_path: Path, numbers: list[str], **settings) -> str:
    campaign = await running_campaign(db, tmp_path, **settings)
    await import_rows(db, campaign, tmp_path / f"{campaign}.csv",
                      [[number, f"Lead {i}", "", ""] for i, number in enumerate(numbers)])
    return campaign


async def test_two_dialers_claiming_at_once_never_share_a_lead(db: Database, tmp_path: Path) -> None:
    numbers = fresh_numbers(10)
    campaign = await campaign_with_leads(db, tmp_path, numbers)
    hopper = Hopper(db)
    leads = await leads_of(db, campaign)
    held = [leads[n]["id"] for n in numbers[:3]]
    async with db.sessionmaker.begin() as other:  # a dialer in the middle of its claim
        await other.execute(text("SELECT id FROM leads WHERE id = ANY(:ids) FOR UPDATE"),
                            {"ids": held})
        claimed = await asyncio.wait_for(hopper.claim(campaign, 4, WEDNESDAY_NOON), 10)
        assert [lead.phone for lead in claimed] == numbers[3:7]
    first, second = await asyncio.gather(hopper.claim(campaign, 4, WEDNESDAY_NOON),
                                         hopper.claim(campaign, 4, WEDNESDAY_NOON))
    phones = [lead.phone for lead in first + second]
    assert len(phones) == len(set(phones)) == 6
    assert set(phones) == set(numbers) - set(numbers[3:7])
    statuses = {lead["status"] for lead in (await leads_of(db, campaign)).values()}
    assert statuses == {"dialing"}
    assert await hopper.claim(campaign, 4, WEDNESDAY_NOON) == []


async def test_callbacks_due_then_fresh_leads_then_retries(db: Database, tmp_path: Path) -> None:
    retried, called_back, *fresh = fresh_numbers(4)
    campaign = await campaign_with_leads(db, tmp_path, [retried, called_back, *fresh],
                                         retry_rules=RETRY_RULES)
    hopper = Hopper(db)
    agent = await make_user(db, "agent")
    first = await hopper.claim(campaign, 1, WEDNESDAY_NOON)
    assert [lead.phone for lead in first] == [retried]
    await hopper.record_outcome(first[0].lead_id, DialedAttempt(
        AttemptResult.BUSY, WEDNESDAY_NOON, ended_at=WEDNESDAY_NOON + timedelta(seconds=20)))
    lead = (await leads_of(db, campaign))[called_back]
    customer = await lead_customer(db, lead["id"])  # reached before, when the callback was booked
    async with db.sessionmaker.begin() as session:
        session.add(Callback(customer_id=customer, number=called_back,
                             due_at=WEDNESDAY_NOON + timedelta(minutes=5), timezone="Europe/London",
                             assigned_user_id=agent.id))
    later = WEDNESDAY_NOON + timedelta(minutes=30)
    claimed = await hopper.claim(campaign, 10, later)
    assert [(c.phone, c.reason) for c in claimed] == [
        (called_back, "callback"), (fresh[0], "fresh"), (fresh[1], "fresh"), (retried, "retry")]
    assert (claimed[0].agent_user_id, claimed[1].agent_user_id) == (agent.id, None)
    assert claimed[3].attempts == 1 and claimed[1].first_name == "Lead 2"

    await hopper.record_outcome(claimed[0].lead_id, DialedAttempt(
        AttemptResult.HUMAN, later, answered_at=later, agent_user_id=agent.id))
    async with db.engine.connect() as conn:
        status = await conn.scalar(text("SELECT status FROM callbacks WHERE customer_id = :c"),
                                   {"c": customer})
    assert status == "done"


async def test_leads_outside_their_calling_hours_wait_for_them(db: Database, tmp_path: Path) -> None:
    london, = fresh_numbers(1)
    new_york, = fresh_numbers(1, "+1212", 12)
    campaign = await campaign_with_leads(db, tmp_path, [new_york, london])
    hopper = Hopper(db)
    assert [c.phone for c in await hopper.claim(campaign, 5, WEDNESDAY_NOON)] == [london]
    waiting = (await leads_of(db, campaign))[new_york]
    opens = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)  # 08:00 in New York
    assert (waiting["status"], waiting["next_attempt_at"]) == ("new", opens)
    assert await hopper.claim(campaign, 5, opens - timedelta(minutes=1)) == []
    assert [c.phone for c in await hopper.claim(campaign, 5, opens)] == [new_york]


async def test_campaign_hours_narrow_the_rules(db: Database, tmp_path: Path) -> None:
    london, = fresh_numbers(1)
    campaign = await campaign_with_leads(
        db, tmp_path, [london], calling_hours={"ranges": [["14:00", "18:00"]], "weekdays": [2]})
    hopper = Hopper(db)
    assert await hopper.claim(campaign, 1, WEDNESDAY_NOON) == []
    lead = (await leads_of(db, campaign))[london]
    assert lead["next_attempt_at"] == datetime(2026, 6, 10, 13, 0, tzinfo=UTC)


async def test_do_not_call_numbers_are_never_claimed(db: Database, tmp_path: Path) -> None:
    internal, national, raced, fine = fresh_numbers(4)
    campaign = await campaign_with_leads(db, tmp_path, [internal, national, raced, fine])
    await add_dnc(db, internal, default_region="GB", reason="opt-out")
    await load_fresh_dnc(db, tmp_path, "UK", [national])
    async with db.sessionmaker.begin() as session:  # listed a moment ago, the lead not yet marked
        await session.execute(text("INSERT INTO dnc_entries (number, source, reason)"
                                   " VALUES (:n, 'internal', 'race')"), {"n": raced})
    leads = await leads_of(db, campaign)
    assert [leads[n]["status"] for n in (internal, national, raced)] == ["dnc", "dnc", "new"]
    claimed = await Hopper(db).claim(campaign, 10, WEDNESDAY_NOON)
    assert [c.phone for c in claimed] == [fine]


async def test_retry_rules_after_busy_no_answer_and_machine(db: Database, tmp_path: Path) -> None:
    busy, no_answer, machine, human, refused = fresh_numbers(5)
    campaign = await campaign_with_leads(
        db, tmp_path, [busy, no_answer, machine, human, refused], mode="predictive",
        safe_harbor_message="Example Ltd, 020 7946 0000", retry_rules=RETRY_RULES)
    hopper = Hopper(db)
    claimed = {c.phone: c for c in await hopper.claim(campaign, 5, WEDNESDAY_NOON)}
    at = WEDNESDAY_NOON

    async def outcome(phone: str, what: AttemptResult, when: datetime = at, **more):
        return await hopper.record_outcome(claimed[phone].lead_id,
                                           DialedAttempt(what, when, **more))

    assert await outcome(busy, AttemptResult.BUSY) == LeadState(
        "retry", at + timedelta(minutes=10), "retry delay")
    assert (await outcome(no_answer, AttemptResult.NO_ANSWER)).next_attempt_at == (
        at + timedelta(hours=1))
    # UK: a detected machine is not called again within 24 hours (no agent guaranteed)
    assert (await outcome(machine, AttemptResult.MACHINE)).next_attempt_at == at + timedelta(days=1)
    assert (await outcome(human, AttemptResult.HUMAN)).status == "done"
    assert (await outcome(refused, AttemptResult.ABANDONED, opted_out=True)).status == "dnc"
    assert (await dnc_listing(db, refused, default_region="GB")).sources == ("internal",)

    again = await hopper.claim(campaign, 5, at + timedelta(minutes=15))
    assert [c.phone for c in again] == [busy]
    claimed[busy] = again[0]
    state = await outcome(busy, AttemptResult.BUSY, at + timedelta(minutes=15))
    assert (state.status, state.reason) == ("failed", "exhausted")
    leads = await leads_of(db, campaign)
    assert (leads[busy]["attempts"], leads[busy]["last_outcome"]) == (2, "busy")
    async with db.engine.connect() as conn:
        attempts = (await conn.execute(text(
            "SELECT outcome FROM lead_attempts WHERE lead_id = :id ORDER BY id"),
            {"id": claimed[busy].lead_id})).scalars().all()
    assert attempts == ["busy", "busy"]


async def test_a_retry_waits_for_the_next_calling_day(db: Database, tmp_path: Path) -> None:
    london, = fresh_numbers(1)
    campaign = await campaign_with_leads(db, tmp_path, [london], retry_rules=RETRY_RULES)
    hopper = Hopper(db)
    late = datetime(2026, 6, 10, 19, 55, tzinfo=UTC)  # 20:55 in London
    lead, = await hopper.claim(campaign, 1, late)
    state = await hopper.record_outcome(lead.lead_id, DialedAttempt(AttemptResult.BUSY, late))
    assert state.next_attempt_at == datetime(2026, 6, 11, 7, 0, tzinfo=UTC)  # 08:00 next day


async def test_released_leads_are_claimed_again_and_only_running_campaigns_dial(
        db: Database, tmp_path: Path) -> None:
    numbers = fresh_numbers(2)
    campaign = await campaign_with_leads(db, tmp_path, numbers)
    hopper = Hopper(db)
    claimed = await hopper.claim(campaign, 2, WEDNESDAY_NOON)
    assert await hopper.release([c.lead_id for c in claimed]) == 2
    assert {lead["status"] for lead in (await leads_of(db, campaign)).values()} == {"new"}
    await Campaigns(db).change_state(campaign, "pause")
    with pytest.raises(Conflict, match="is paused, not running"):
        await hopper.claim(campaign, 2, WEDNESDAY_NOON)
    draft = await new_campaign(db)
    with pytest.raises(Conflict, match="is draft, not running"):
        await hopper.claim(draft, 2, WEDNESDAY_NOON)
