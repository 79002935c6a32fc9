"""A campaign's compliance report and figures from PostgreSQL (adapter): its lead_attempts
rows, each with its lead's zones and when its number went on a do-not-call list, for
dialer.report; the outcomes of its recent attempts for its compliance windows
(dialer.windows); every campaign's attempt and lead counts for the live view, from the
tallies migration 0019's triggers keep."""
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

# Migration 0019's triggers keep the figures as tallies plus the deltas not folded in yet.
_FIGURES = ("dialed", "answered", "human", "machine", "abandoned", "leads_left")

_COUNTS = text(f"""
SELECT c.name, c.state,
       {", ".join(f"coalesce(t.{f}, 0) + coalesce(d.{f}, 0) AS {f}" for f in _FIGURES)},
       (SELECT count(*) FROM campaign_tally_deltas) AS pending
FROM campaigns c
LEFT JOIN campaign_tallies t ON t.campaign_id = c.id
LEFT JOIN (SELECT campaign_id, {", ".join(f"sum({f})::bigint AS {f}" for f in _FIGURES)}
           FROM campaign_tally_deltas GROUP BY campaign_id) d ON d.campaign_id = c.id
ORDER BY c.name""")

# One statement, so a reader sees the deltas either still pending or in the tallies; a fold
# running at the same time waits on the rows this one deletes and then skips them.
_FOLD = text(f"""
WITH folded AS (DELETE FROM campaign_tally_deltas RETURNING *),
sums AS (SELECT campaign_id, {", ".join(f"sum({f}) AS {f}" for f in _FIGURES)} FROM folded
         WHERE campaign_id IN (SELECT id FROM campaigns) GROUP BY campaign_id)
INSERT INTO campaign_tallies AS t (campaign_id, {", ".join(_FIGURES)})
SELECT * FROM sums
ON CONFLICT (campaign_id) DO UPDATE SET
    {", ".join(f"{f} = t.{f} + EXCLUDED.{f}" for f in _FIGURES)}""")

_DROP_GONE = text(
    "DELETE FROM campaign_tallies WHERE campaign_id NOT IN (SELECT id FROM campaigns)")

FOLD_AT = 500
"""Deltas pending before a read folds them (each read sums them all)."""


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
    if rows and rows[0]["pending"] >= FOLD_AT:
        await fold_tallies(db)
    return [CampaignCounts(**{k: v for k, v in row.items() if k != "pending"}) for row in rows]


async def fold_tallies(db: Database) -> None:
    """Moves the pending deltas into the campaigns' tallies; drops deleted campaigns' ones."""
    async with db.sessionmaker.begin() as session:
        await session.execute(_FOLD)
        await session.execute(_DROP_GONE)
