"""Dial attempts in the CRM's call history (adapter): exactly one ``calls`` row per attempt,
direction outbound, naming its campaign, lead, AMD's verdict and outcome.

The attempt id is the customer channel's uniqueid, and so the call key the CTI server's call
tracker gives the same call (the channel that entered the campaign's queue, or the call's
linkedid). Whichever writes first, the row is one: the attempt's record is inserted unless the
tracker's is there already (``record_calls`` skips a known call key), then the dialer's columns
are set on it.

A lead reached for the first time gets its CRM customer (``lead_customer``) unless one owns its
number: the import only links leads to existing customers, as dialers do (a list of numbers is
not a customer base), so the customers are the people actually spoken to.
"""
from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text

from callcenter.errors import NotFound
from crm_core.calls import record_calls
from crm_core.db import Database
from crm_core.values import CallRecord
from dialer.attempts import AttemptOutcome, AttemptResult
from dialer.campaigns import stored_outcome

_CALL_OUTCOMES = {AttemptResult.HUMAN: "answered", AttemptResult.ABANDONED: "abandoned"}
"""The call history's outcome of an attempt (``calls.outcome``); others are unanswered."""


def _utc(at: float | None) -> datetime | None:
    return None if at is None else datetime.fromtimestamp(at, UTC)


def attempt_record(outcome: AttemptOutcome, placed_at: float,
                   agent_interface: str | None) -> CallRecord:
    """The call as the dialer saw it, for when the call tracker wrote none."""
    attempt = outcome.attempt
    answered = outcome.connected_at
    return CallRecord(
        call_key=attempt.attempt_id, linkedid=attempt.attempt_id, uniqueid=attempt.attempt_id,
        direction="outbound", caller_number=attempt.caller_id, caller_name=None,
        called_number=attempt.number,
        queue=attempt.queue if outcome.answered_at is not None else None,
        agent_interface=agent_interface, entered_at=_utc(placed_at), answered_at=_utc(answered),
        ended_at=_utc(outcome.ended_at),
        wait_seconds=round((answered or outcome.ended_at) - placed_at, 3),
        talk_seconds=round(outcome.talk_seconds, 3),
        outcome=_CALL_OUTCOMES.get(outcome.result, "unanswered"),
        hangup_cause=outcome.hangup_cause, hangup_cause_text=None, completed_by=None,
    )


_OWNER = text("SELECT min(customer_id) FROM contact_numbers WHERE number_e164 = :phone")
_MADE = text(
    "WITH made AS (INSERT INTO customers (name, email, timezone)"
    "  SELECT COALESCE(NULLIF(concat_ws(' ', first_name, last_name), ''), phone), email,"
    "         CASE WHEN cardinality(timezones) = 1 THEN timezones[1] END"
    "  FROM leads WHERE id = :id RETURNING id)"
    " INSERT INTO contact_numbers (customer_id, number_e164) SELECT id, :phone FROM made"
    " RETURNING customer_id")


async def lead_customer(db: Database, lead_id: int) -> int:
    """The CRM customer of lead ``lead_id``: the one it is linked to, else the oldest owner of
    its number, else one made from the lead (its name, e-mail, number and single time zone)."""
    async with db.sessionmaker.begin() as session:
        lead = (await session.execute(text(
            "SELECT phone, customer_id FROM leads WHERE id = :id"), {"id": lead_id})).first()
        if lead is None:
            raise NotFound("no lead {lead_id}", lead_id=lead_id)
        if lead.customer_id is not None:
            return lead.customer_id
        number = {"phone": lead.phone}
        # one customer however many campaigns' leads of the number are reached at once
        await session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:phone))"), number)
        customer = await session.scalar(_OWNER, number)
        if customer is None:
            customer = await session.scalar(_MADE, {**number, "id": lead_id})
        await session.execute(text(
            "UPDATE leads SET customer_id = :customer WHERE id = :id AND customer_id IS NULL"),
            {"customer": customer, "id": lead_id})
        return customer


async def record_attempt_call(db: Database, outcome: AttemptOutcome, *, placed_at: float,
                              agent_interface: str | None, campaign_id: int, lead_id: int,
                              default_region: str) -> int | None:
    """Make the attempt's call row and link it; the agent's user id if an agent took it. A
    person reached is the lead's first contact: the call row links to its customer, made now
    if none owns the number."""
    if outcome.result is AttemptResult.HUMAN:
        await lead_customer(db, lead_id)
    await record_calls(db, [attempt_record(outcome, placed_at, agent_interface)],
                       default_region=default_region)
    async with db.sessionmaker.begin() as session:
        return await session.scalar(text(
            "UPDATE calls SET direction = 'outbound', campaign_id = :campaign, lead_id = :lead,"
            " amd_result = :amd, dial_outcome = :outcome,"
            " agent_user_id = COALESCE(agent_user_id,"
            "   (SELECT id FROM users WHERE interface = :interface LIMIT 1))"
            " WHERE call_key = :key RETURNING agent_user_id"),
            {"campaign": campaign_id, "lead": lead_id, "amd": outcome.amd_status,
             "outcome": stored_outcome(outcome.result, outcome.opted_out),
             "interface": agent_interface, "key": outcome.attempt.attempt_id})
