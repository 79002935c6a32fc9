"""Lead cards (adapter): a dialer's lead as its agent sees it — the lead's fields
(``dialer.preview.lead_fields``), its CRM customer's card (looked up by the lead's number) and
the campaign's script rendered with both (``crm_core.scripts``; ``{{ lead.first_name }}``)."""
from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text

from callcenter.errors import NotFound
from crm_core.db import Database
from crm_core.dispositions import Owner
from crm_core.scripts import ScriptError, get_script, render_script
from ctiserver.calls.agent_messages import LeadPart
from dialer.crmcalls import lead_customer
from dialer.preview import lead_fields

log = logging.getLogger(__name__)

CustomerLookup = Callable[[str], Awaitable[dict[str, Any] | None]]
"""A number's customer card (``ctiserver.calls.screenpop.BatchedLookup``)."""


class LeadCards:
    """The leads of ``db``, their customers as ``lookup`` finds them."""

    def __init__(self, db: Database, lookup: CustomerLookup,
                 clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self.lookup = lookup
        self.clock = clock

    async def card(self, lead_id: int, agent: str) -> tuple[LeadPart, dict[str, Any] | None]:
        """The lead part and customer card of ``lead_id`` shown to ``agent`` (their name, for
        the script)."""
        async with self.db.autocommit.connect() as conn:
            row = (await conn.execute(text(
                "SELECT c.name AS campaign, l.phone, l.first_name, l.last_name, l.timezones,"
                " l.custom FROM leads l JOIN campaigns c ON c.id = l.campaign_id"
                " WHERE l.id = :id"), {"id": lead_id})).first()
        if row is None:
            raise NotFound("no lead {lead_id}", lead_id=lead_id)
        fields = lead_fields(phone=row.phone, first_name=row.first_name, last_name=row.last_name,
                             timezones=row.timezones, custom=row.custom,
                             now=datetime.fromtimestamp(self.clock(), UTC))
        customer = await self.lookup(row.phone)
        script = await self._script(row.campaign, customer, agent, fields)
        return LeadPart(row.campaign, lead_id, fields, script), customer

    async def reached(self, lead_id: int, agent: str) -> tuple[LeadPart, dict[str, Any] | None]:
        """``card`` for the agent taking the lead's call: the first contact, so the lead gets its
        CRM customer if no one owns its number (``dialer.crmcalls.lead_customer``); a preview,
        shown before any call, does not."""
        await lead_customer(self.db, lead_id)
        return await self.card(lead_id, agent)

    async def _script(self, campaign: str, customer: dict[str, Any] | None, agent: str,
                      fields: dict[str, Any]) -> str | None:
        found = await get_script(self.db, Owner("campaign", campaign))
        if found is None:
            return None
        try:
            return render_script(found.body, customer, agent, lead=fields)
        except ScriptError:  # the admin's script is broken: the pop goes on without it
            log.exception("the script of campaign %s does not render", campaign)
            return None
