"""What the login throttles noticed, for admins (JSON).

- ``GET /admin/security/events?limit=N&since=ISO-8601`` (schemas.SecurityEventsQuery): the
  suspicious bursts of failed logins (crm_core.securityevents), newest first
  (schemas.SecurityEvents). Kinds: ``address burst`` (one source address failing for many
  names: ``detail.usernames``), ``account burst`` (one name failing from addresses it never
  logged in from: ``detail.addresses``), ``usual address burst``; ``detail.wait_seconds`` is
  the wait the burst reached.
"""
from __future__ import annotations

from aiohttp import web

from crm_core.db import Database
from crm_core.securityevents import recent_events

from .auth import require_role
from .jsonbody import NO_STORE, answer, query
from .schemas import SecurityEvents, SecurityEventsQuery


class SecurityResource:
    """The security events in ``db``, for admins."""

    def __init__(self, db: Database) -> None:
        self.db = db

    @require_role("admin")
    async def events(self, request: web.Request) -> web.Response:
        asked = query(request, SecurityEventsQuery)
        found = await recent_events(self.db, limit=asked.limit, since=asked.since)
        return answer(SecurityEvents, {"events": found}, headers=NO_STORE)


def add_routes(app: web.Application, security: SecurityResource) -> None:
    app.router.add_get("/admin/security/events", security.events)
