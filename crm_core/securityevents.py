"""Suspicious bursts of failed logins (table security_events): written by the login throttles
(crm_core.auth), read by admins (GET /admin/security/events)."""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm_core.db import Database
from crm_core.models import SecurityEvent

log = logging.getLogger(__name__)

MAX_EVENTS = 500


async def record_event(session: AsyncSession, kind: str, *, at: datetime, remote: str | None,
                       username: str | None, failures: int, detail: dict[str, Any]) -> None:
    """Store the event in the caller's transaction and log it (the security log's line)."""
    log.warning("security: %s from %s for %r: %d failed logins %s",
                kind, remote or "?", username, failures, detail)
    await session.execute(insert(SecurityEvent).values(
        at=at, kind=kind, remote=remote, username=username, failures=failures, detail=detail))


async def recent_events(db: Database, *, limit: int = 100,
                        since: datetime | None = None) -> list[dict[str, Any]]:
    """The newest events first, as JSON-ready dicts."""
    stmt = select(SecurityEvent).order_by(SecurityEvent.at.desc(), SecurityEvent.id.desc())
    if since is not None:
        stmt = stmt.where(SecurityEvent.at >= since)
    async with db.sessionmaker() as session:
        rows = await session.scalars(stmt.limit(min(limit, MAX_EVENTS)))
        return [{"id": e.id, "at": e.at.isoformat(), "kind": e.kind, "remote": e.remote,
                 "username": e.username, "failures": e.failures, "detail": e.detail}
                for e in rows]
