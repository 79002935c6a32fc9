"""The IVR's SQL (adapter): per-node counts from the flow engine's events, and the
self-service actions (a callback booked, a number opted out); the survey scores read back."""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert

from crm_core.closedhours import callback_request
from crm_core.db import Database
from crm_core.models import Call, IvrNodeCount, User
from dialer.store import add_dnc
from ivr.engine import NodeEvent


async def add_node_counts(db: Database, events: Iterable[NodeEvent], at: datetime) -> None:
    """Counted in the hour of ``at``."""
    hour = at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    counted = Counter((e.flow, e.node, e.kind) for e in events)
    if not counted:
        return
    rows = [{"flow": flow, "node": node, "kind": kind, "hour": hour, "count": n}
            for (flow, node, kind), n in counted.items()]
    statement = insert(IvrNodeCount).values(rows)
    statement = statement.on_conflict_do_update(
        index_elements=["flow", "node", "kind", "hour"],
        set_={"count": IvrNodeCount.count + statement.excluded.count})
    async with db.sessionmaker.begin() as session:
        await session.execute(statement)


async def node_counts(db: Database, flow: str, since: datetime,
                      until: datetime) -> dict[str, dict[str, int]]:
    """Node -> kind -> count over the hours from ``since`` up to ``until``."""
    query = (select(IvrNodeCount.node, IvrNodeCount.kind, func.sum(IvrNodeCount.count))
             .where(IvrNodeCount.flow == flow, IvrNodeCount.hour >= since,
                    IvrNodeCount.hour < until)
             .group_by(IvrNodeCount.node, IvrNodeCount.kind))
    found: dict[str, dict[str, int]] = {}
    async with db.sessionmaker() as session:
        for node, kind, count in await session.execute(query):
            found.setdefault(node, {})[kind] = int(count)
    return found


async def survey_scores(db: Database, since: datetime,
                        until: datetime) -> dict[str, tuple[int, float]]:
    """Agent's queue interface -> (answers, mean score) of the calls they took in the period."""
    return await _survey_means(db, User.interface, since, until)


async def survey_scores_by_queue(db: Database, since: datetime,
                                 until: datetime) -> dict[str, tuple[int, float]]:
    """Queue -> (answers, mean score) of its calls that entered in the period."""
    return await _survey_means(db, Call.queue, since, until)


async def _survey_means(db: Database, by: Any, since: datetime, until: datetime) -> dict:
    query = (select(by, func.count(Call.survey_score), func.avg(Call.survey_score))
             .outerjoin(User, User.id == Call.agent_user_id)
             .where(Call.survey_score.is_not(None), by.is_not(None),
                    Call.entered_at >= since, Call.entered_at < until)
             .group_by(by))
    async with db.sessionmaker() as session:
        return {key: (int(n), float(mean)) for key, n, mean in await session.execute(query)}


class SqlSelfService:
    def __init__(self, db: Database, *, default_region: str) -> None:
        self.db, self.default_region = db, default_region

    async def callback(self, queue: str, number: str, call_key: str) -> None:
        """Booked for the number's CRM customer, in the queue's time zone (crm_core.closedhours)."""
        await callback_request(self.db, queue=queue, number=number, call_key=call_key,
                               default_region=self.default_region,
                               note="Asked for a callback in the IVR")

    async def opt_out(self, number: str) -> None:
        await add_dnc(self.db, number, default_region=self.default_region,
                      reason="opted out in the IVR")
