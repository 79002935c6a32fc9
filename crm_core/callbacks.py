"""Callbacks: a customer to be called back at a time given in the customer's local time."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select, update

from callcenter.errors import Invalid
from crm_core.db import Database
from crm_core.models import Callback
from crm_core.workscope import Scope

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


def zone(name: str) -> ZoneInfo:
    """The IANA zone ``name``; ValueError when unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise Invalid("unknown time zone {zone}", zone=repr(name)) from None


def due_utc(due_local: str, timezone: str) -> datetime:
    """UTC instant of the wall-clock time ``due_local`` ("YYYY-MM-DDTHH:MM") in ``timezone``.
    A time the clocks skip (spring forward) is refused; of a time that occurs twice (fall
    back) the first is taken. Raises ValueError with a message for the agent."""
    try:
        naive = datetime.strptime(due_local, LOCAL_FORMAT)
    except (TypeError, ValueError):
        raise Invalid("'due_local' must look like 2026-05-31T14:30") from None
    local = naive.replace(tzinfo=zone(timezone))
    instant = local.astimezone(UTC)
    if instant.astimezone(local.tzinfo).replace(tzinfo=None) != naive:
        raise Invalid("{time} does not exist in {zone} (the clocks change then)", time=due_local,
                      zone=timezone)
    return instant


def callback_json(callback: Callback) -> dict[str, Any]:
    local = callback.due_at.astimezone(zone(callback.timezone))
    return {
        "id": callback.id,
        "customer_id": callback.customer_id,
        "number": callback.number,
        "due_at": callback.due_at.astimezone(UTC).isoformat(),
        "due_local": local.strftime(LOCAL_FORMAT),
        "timezone": callback.timezone,
        "for": "anyone" if callback.assigned_user_id is None else "user",
        "assigned_user_id": callback.assigned_user_id,
        "call_key": callback.call_key,
        "note": callback.note,
        "status": callback.status,
    }


async def open_callbacks(db: Database, scope: Scope) -> list[dict[str, Any]]:
    """Open callbacks ``scope`` may see, soonest first."""
    stmt = (
        select(Callback)
        .where(Callback.status == "open", scope.callbacks())
        .order_by(Callback.due_at, Callback.id)
    )
    async with db.sessionmaker() as session:
        return [callback_json(c) for c in await session.scalars(stmt)]


async def finish_callback(db: Database, callback_id: int, scope: Scope) -> bool:
    """Mark a callback done (again: no change); False when missing, cancelled or not visible."""
    stmt = (
        update(Callback)
        .where(Callback.id == callback_id, Callback.status != "cancelled", scope.callbacks())
        .values(status="done")
        .returning(Callback.id)
    )
    async with db.sessionmaker.begin() as session:
        return (await session.scalar(stmt)) is not None
