"""Dispositions: the outcomes an agent may pick after a call, per queue (or campaign) plus the
global list (queue and campaign NULL; migration 0004 seeds a default one)."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm_core.models import Disposition


@dataclass(frozen=True, slots=True)
class DispositionInfo:
    code: str
    label: str
    requires_callback: bool

    def json(self) -> dict[str, object]:
        return {"code": self.code, "label": self.label,
                "requires_callback": self.requires_callback}


async def dispositions_for(session: AsyncSession, queue: str | None) -> list[DispositionInfo]:
    """The active list for ``queue``: its own entries first, then the global ones; a queue entry
    overrides a global one with the same code."""
    where = Disposition.queue.is_(None) if queue is None else or_(
        Disposition.queue.is_(None), Disposition.queue == queue
    )
    rows = await session.scalars(
        select(Disposition)
        .where(where, Disposition.campaign.is_(None), Disposition.active)
        .order_by(Disposition.queue.is_(None), Disposition.id)
    )
    chosen: dict[str, DispositionInfo] = {}
    for row in rows:
        chosen.setdefault(row.code, DispositionInfo(row.code, row.label, row.requires_callback))
    return list(chosen.values())
