"""The call history: finished calls written in batches, exactly once per ``call_key``."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.dialects.postgresql import insert

from crm_core.db import Database
from crm_core.models import Call, ContactNumber, User
from crm_core.phones import normalize_number


@dataclass(frozen=True, slots=True)
class CallRecord:
    """A finished call as the CTI server saw it. Datetimes are timezone-aware UTC."""

    call_key: str
    """Stable across re-deliveries of the same call: writes are idempotent on it."""
    linkedid: str
    uniqueid: str
    """The caller channel's."""
    direction: str
    """inbound, outbound or internal."""
    caller_number: str | None
    caller_name: str | None
    called_number: str | None
    queue: str | None
    agent_interface: str | None
    entered_at: datetime
    answered_at: datetime | None
    ended_at: datetime
    wait_seconds: float
    talk_seconds: float
    outcome: str
    hangup_cause: int | None
    hangup_cause_text: str | None
    completed_by: str | None
    """caller, agent, transfer or None."""


RECORD_FIELDS = tuple(f.name for f in fields(CallRecord))

# The agent and the customer are looked up inside the INSERT, per row, through the indexes on
# users.interface and contact_numbers.number_e164: one statement per batch, no extra round trip.
# Of several customers sharing a number, the oldest wins.
_INSERT = (
    insert(Call)
    .values(
        agent_user_id=select(User.id)
        .where(User.interface == bindparam("agent_match"))
        .scalar_subquery(),
        customer_id=select(func.min(ContactNumber.customer_id))
        .where(ContactNumber.number_e164 == bindparam("number_match"))
        .scalar_subquery(),
    )
    .on_conflict_do_nothing(index_elements=[Call.call_key])
    .returning(Call.id)
)


def customer_number(record: CallRecord, default_region: str) -> str | None:
    """E.164 number of the remote party: the caller, or on outbound calls the called party.
    Internal calls have none."""
    if record.direction == "internal":
        return None
    raw = record.called_number if record.direction == "outbound" else record.caller_number
    return normalize_number(raw, default_region) if raw else None


def insert_params(record: CallRecord, default_region: str) -> dict[str, Any]:
    params = {name: getattr(record, name) for name in RECORD_FIELDS}
    params["agent_match"] = record.agent_interface
    params["number_match"] = customer_number(record, default_region)
    return params


async def record_calls(
    db: Database, records: Sequence[CallRecord], *, default_region: str
) -> int:
    """Write a batch of finished calls in one transaction; a call_key already stored is skipped.
    Returns the number of rows actually inserted."""
    if not records:
        return 0
    params = [insert_params(r, default_region) for r in records]
    async with db.sessionmaker.begin() as session:
        result = await session.execute(_INSERT, params)
        return len(result.all())
