"""Unique test data (the session database is shared by all tests), and the rows tests look at."""
from __future__ import annotations

import random
import uuid
from dataclasses import asdict, replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from crm_core.db import Database
from crm_core.models import Call, PendingWrapup
from crm_core.values import CallRecord

from tests.helpers.accounts import Account


def berlin_number() -> tuple[str, str]:
    """A fresh valid Berlin number as (E.164, national format)."""
    subscriber = f"{random.randrange(20_000_000, 99_999_999)}"
    return f"+4930{subscriber}", f"030 {subscriber}"


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def call_record(**overrides: object) -> CallRecord:
    entered = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    record = CallRecord(
        call_key=unique("call"),
        linkedid="1740819600.1",
        uniqueid="1740819600.1",
        direction="inbound",
        caller_number="+4940 5550000",
        caller_name="Test Caller",
        called_number="100",
        queue="support",
        agent_interface=None,
        entered_at=entered,
        answered_at=entered + timedelta(seconds=12.5),
        ended_at=entered + timedelta(seconds=100),
        wait_seconds=12.5,
        talk_seconds=87.5,
        outcome="answered",
        hangup_cause=16,
        hangup_cause_text="Normal Clearing",
        completed_by="caller",
    )
    return replace(record, **overrides)


async def handled_call(db: Database, agent: Account | None, customer_id: int | None,
                       **extra) -> str:
    """A finished call of AGENT in the CRM (as the CTI server's writer stores it; None: no agent
    took it, an abandoned call); its key."""
    record = call_record(**extra)
    row = Call(**asdict(record), agent_user_id=agent and agent.id, customer_id=customer_id)
    async with db.sessionmaker.begin() as session:
        session.add(row)
    return record.call_key


async def pending_rows(db: Database, *interfaces: str) -> set[tuple[str, str]]:
    """The after-call gate's stored (interface, call_key) rows of INTERFACES."""
    async with db.sessionmaker() as session:
        rows = await session.execute(select(PendingWrapup.interface, PendingWrapup.call_key)
                                     .where(PendingWrapup.interface.in_(interfaces)))
        return {tuple(row) for row in rows}
