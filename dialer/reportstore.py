"""A campaign's compliance report from PostgreSQL (adapter): its lead_attempts rows, each with
its lead's zones and when its number went on a do-not-call list, for dialer.report."""
from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text

from crm_core.db import Database
from dialer import compliance
from dialer.campaigns import rule_outcome
from dialer.hopper import dialing_lead
from dialer.report import ComplianceReport, ReportAttempt, report
from dialer.store import Campaigns, campaign_settings

_ATTEMPTS = text("""
SELECT a.lead_id, a.placed_at, a.outcome, a.agent_user_id IS NOT NULL AS reached_agent,
       l.phone, l.timezones, l.zone_source, l.country, l.state,
       (SELECT min(d.added_at) FROM dnc_entries d WHERE d.number = a.number) AS dnc_since
FROM lead_attempts a JOIN leads l ON l.id = a.lead_id
WHERE a.campaign_id = :campaign_id ORDER BY a.placed_at, a.id""")


async def campaign_report(db: Database, name: str, now: datetime | None = None) -> ComplianceReport:
    """The report of campaign ``name`` (NotFound if there is none) as of ``now``."""
    row = await Campaigns(db).get(name)
    rules = campaign_settings(row).dialing_rules()
    async with db.sessionmaker() as session:
        rows = (await session.execute(_ATTEMPTS, {"campaign_id": row.id})).all()
    attempts = [ReportAttempt(r.lead_id, dialing_lead(r, with_history=False), r.placed_at,
                              rule_outcome(r.outcome, r.reached_agent), r.dnc_since)
                for r in rows]
    return report(attempts, rules.hours, rules.abandon or compliance.US.abandon,
                  now or datetime.now(UTC))
