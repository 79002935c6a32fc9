"""A campaign's compliance report and figures from PostgreSQL (adapter): its lead_attempts
rows, each with its lead's zones and when its number went on a do-not-call list, for
dialer.report; the outcomes of its recent attempts for its compliance windows
(dialer.windows); every campaign's attempt and lead counts for the live view."""
from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text

from crm_core.db import Database
from dialer import compliance
from dialer.campaigns import rule_outcome
from dialer.hopper import dialing_lead
from dialer.live import CampaignCounts
from dialer.report import ComplianceReport, ReportAttempt, report
from dialer.store import Campaigns, campaign_settings
from dialer.windows import PastOutcome

_ATTEMPTS = text("""
SELECT a.lead_id, a.placed_at, a.outcome, a.agent_user_id IS NOT NULL AS reached_agent,
       l.phone, l.timezones, l.zone_source, l.country, l.state,
       (SELECT min(d.added_at) FROM dnc_entries d WHERE d.number = a.number) AS dnc_since
FROM lead_attempts a JOIN leads l ON l.id = a.lead_id
WHERE a.campaign_id = :campaign_id ORDER BY a.placed_at, a.id""")

_RECENT = text("""
SELECT placed_at, outcome, agent_user_id IS NOT NULL AS reached_agent FROM lead_attempts
WHERE campaign_id = :campaign_id AND placed_at > :since""")

_COUNTS = text("""
SELECT c.name, c.state, coalesce(a.dialed, 0) AS dialed, coalesce(a.answered, 0) AS answered,
       coalesce(a.human, 0) AS human, coalesce(a.machine, 0) AS machine,
       coalesce(a.abandoned, 0) AS abandoned, coalesce(l.leads_left, 0) AS leads_left
FROM campaigns c
LEFT JOIN (SELECT campaign_id, count(*) AS dialed,
                  count(*) FILTER (WHERE outcome IN ('human', 'abandoned', 'dnc_refused',
                                                     'machine')) AS answered,
                  count(*) FILTER (WHERE outcome IN ('human', 'abandoned', 'dnc_refused')) AS human,
                  count(*) FILTER (WHERE outcome = 'machine') AS machine,
                  count(*) FILTER (WHERE outcome = 'abandoned') AS abandoned
           FROM lead_attempts GROUP BY campaign_id) a ON a.campaign_id = c.id
LEFT JOIN (SELECT campaign_id, count(*) AS leads_left FROM leads
           WHERE status IN ('new', 'retry', 'dialing') GROUP BY campaign_id) l
       ON l.campaign_id = c.id
ORDER BY c.name""")


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


async def recent_outcomes(db: Database, campaign_id: int, since: datetime) -> list[PastOutcome]:
    """The campaign's attempts placed after ``since``, as the calling rules count them."""
    async with db.sessionmaker() as session:
        rows = (await session.execute(_RECENT, {"campaign_id": campaign_id, "since": since})).all()
    return [PastOutcome(r.placed_at.timestamp(), rule_outcome(r.outcome, r.reached_agent))
            for r in rows]


async def campaign_counts(db: Database) -> list[CampaignCounts]:
    """Every campaign's state, attempts by outcome and leads still to dial."""
    async with db.sessionmaker() as session:
        rows = (await session.execute(_COUNTS)).mappings().all()
    return [CampaignCounts(**row) for row in rows]
