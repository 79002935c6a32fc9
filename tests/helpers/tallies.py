"""The live view's campaign figures counted afresh from every lead and attempt, as the live
view did before migration 0019's tallies: what the tallies must always equal."""
from __future__ import annotations

from sqlalchemy import text

from crm_core.db import Database
from dialer.live import CampaignCounts

_COUNTED_AFRESH = text("""
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


async def counted_afresh(db: Database) -> list[CampaignCounts]:
    """Every campaign's figures from a full count of its leads and attempts."""
    async with db.sessionmaker() as session:
        rows = (await session.execute(_COUNTED_AFRESH)).mappings().all()
    return [CampaignCounts(**row) for row in rows]


async def pending_deltas(db: Database, campaign_id: int | None = None) -> int:
    """Deltas not folded into the tallies yet (of one campaign, or of all)."""
    async with db.sessionmaker() as session:
        return await session.scalar(text(
            "SELECT count(*) FROM campaign_tally_deltas"
            " WHERE campaign_id = coalesce(:id, campaign_id)"), {"id": campaign_id})


async def tally_rows(db: Database, campaign_id: int) -> int:
    """How many tally rows the campaign has (0 or 1)."""
    async with db.sessionmaker() as session:
        return await session.scalar(text(
            "SELECT count(*) FROM campaign_tallies WHERE campaign_id = :id"), {"id": campaign_id})
