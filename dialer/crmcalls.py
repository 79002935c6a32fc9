"""Dial attempts in the CRM's call history (adapter): exactly one ``calls`` row per attempt,
direction outbound, naming its campaign, lead, AMD's verdict and outcome.

The attempt id is the customer channel's uniqueid, and so the call key the CTI server's call
tracker gives the same call (the channel that entered the campaign's queue, or the call's
linkedid). Whichever writes first, the row is one: the attempt's record is inserted unless the
tracker's is there already (``record_calls`` skips a known call key), then the dialer's columns
are set on it.
"""
from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text

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


async def record_attempt_call(db: Database, outcome: AttemptOutcome, *, placed_at: float,
                              agent_interface: str | None, campaign_id: int, lead_id: int,
                              default_region: str) -> int | None:
    """Make the attempt's call row and link it; the agent's user id if an agent took it."""
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
