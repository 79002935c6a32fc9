"""Dispositions: the outcomes an agent may pick after a call, per queue or campaign plus the
global list (queue and campaign NULL; migration 0004 seeds a default one). Admins replace a
list whole; a code that wrap-ups used is deactivated, not deleted, so history keeps its label.
The table has no position column: a list's order is its rows' id order, so a replacement
inserts its entries afresh, in the order given."""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, case, delete, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.errors import Invalid
from crm_core.db import Database
from crm_core.models import CallWrapup, Disposition
from crm_core.queues import NAME

KINDS = ("queue", "campaign")
"""What a script or a disposition list belongs to, besides the global list."""
CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
MAX_LABEL = 200
MAX_ENTRIES = 100


@dataclass(frozen=True, slots=True)
class Owner:
    """A queue or a campaign by name; ``Owner()`` is the global list."""

    kind: str | None = None
    name: str | None = None

    def __post_init__(self) -> None:
        if self.kind is None and self.name is None:
            return
        if self.kind not in KINDS:
            raise Invalid("kind must be one of {kinds}", kinds=", ".join(KINDS))
        if not isinstance(self.name, str) or not NAME.match(self.name) or len(self.name) > 80:
            raise Invalid("{kind} name: 2 to 80 letters, digits, _ and -", kind=self.kind)

    @property
    def queue(self) -> str | None:
        return self.name if self.kind == "queue" else None

    @property
    def campaign(self) -> str | None:
        return self.name if self.kind == "campaign" else None


@dataclass(frozen=True, slots=True)
class DispositionInfo:
    code: str
    label: str
    requires_callback: bool

    def json(self) -> dict[str, object]:
        return {"code": self.code, "label": self.label,
                "requires_callback": self.requires_callback}


def _owned_by(owner: Owner) -> ColumnElement[bool]:
    return and_(
        Disposition.queue.is_(None) if owner.queue is None else Disposition.queue == owner.queue,
        Disposition.campaign.is_(None) if owner.campaign is None
        else Disposition.campaign == owner.campaign,
    )


async def dispositions_for(session: AsyncSession, queue: str | None,
                           campaign: str | None = None) -> list[DispositionInfo]:
    """The active list for a call of ``campaign`` and/or ``queue``: the campaign's own entries
    first, then the queue's, then the global ones; an earlier entry overrides a later one with
    the same code."""
    owners = [Owner()] + [Owner(kind, name) for kind, name in
                          (("queue", queue), ("campaign", campaign)) if name is not None]
    rank = case((Disposition.campaign.is_not(None), 0), (Disposition.queue.is_not(None), 1),
                else_=2)
    rows = await session.scalars(
        select(Disposition)
        .where(or_(*map(_owned_by, owners)), Disposition.active)
        .order_by(rank, Disposition.id)
    )
    chosen: dict[str, DispositionInfo] = {}
    for row in rows:
        chosen.setdefault(row.code, DispositionInfo(row.code, row.label, row.requires_callback))
    return list(chosen.values())


# --- administration --------------------------------------------------------------------------


def _entry_json(row: Disposition) -> dict[str, Any]:
    return {**DispositionInfo(row.code, row.label, row.requires_callback).json(),
            "active": row.active}


async def list_dispositions(db: Database, owner: Owner) -> list[dict[str, Any]]:
    """The owner's own list (inactive entries too, flagged), in order."""
    async with db.sessionmaker() as session:
        rows = await session.scalars(select(Disposition).where(_owned_by(owner))
                                     .order_by(Disposition.active.desc(), Disposition.id))
        return [_entry_json(row) for row in rows]


def parse_entries(entries: Any, owner: Owner) -> list[DispositionInfo]:
    """A replacement list from JSON; ValueError says what is wrong with it."""
    if not isinstance(entries, list) or len(entries) > MAX_ENTRIES:
        raise Invalid("'dispositions' must be a list of at most {count} entries", count=MAX_ENTRIES)
    if not entries and owner == Owner():
        raise Invalid("the global list needs at least one disposition")
    parsed = [_entry(item, index) for index, item in enumerate(entries)]
    codes = [d.code for d in parsed]
    repeated = sorted({c for c in codes if codes.count(c) > 1})
    if repeated:
        raise Invalid("codes must be unique: {codes} repeated", codes=", ".join(repeated))
    return parsed


def _entry(item: Any, index: int) -> DispositionInfo:
    where = f"dispositions[{index}]"
    if not isinstance(item, dict):
        raise Invalid("{where} must be an object", where=where)
    unknown = set(item) - {"code", "label", "requires_callback"}
    if unknown:
        raise Invalid("{where}: unknown fields {fields}", where=where, fields=", ".join(sorted(unknown)))
    code, label = item.get("code"), item.get("label")
    callback = item.get("requires_callback", False)
    if not isinstance(code, str) or not CODE.match(code):
        raise Invalid("{where}.code: 1 to 64 letters, digits, '.', '_' and '-'", where=where)
    if not isinstance(label, str) or not label.strip() or len(label) > MAX_LABEL:
        raise Invalid("{where}.label is required (at most {count} characters)", where=where,
                      count=MAX_LABEL)
    if not isinstance(callback, bool):
        raise Invalid("{where}.requires_callback must be true or false", where=where)
    return DispositionInfo(code, label.strip(), callback)


async def replace_dispositions(db: Database, owner: Owner,
                               entries: Sequence[DispositionInfo]) -> None:
    """Make ``entries`` the owner's active list, in this order. Codes dropped from the list are
    deactivated where wrap-ups used them and deleted otherwise."""
    codes = [d.code for d in entries]
    used = Disposition.code.in_(select(CallWrapup.disposition))
    async with db.sessionmaker.begin() as session:
        # One replacement at a time: two interleaved ones would leave both lists' rows.
        await session.execute(text("LOCK TABLE dispositions IN SHARE ROW EXCLUSIVE MODE"))
        await session.execute(update(Disposition)
                              .where(_owned_by(owner), Disposition.code.not_in(codes), used)
                              .values(active=False))
        await session.execute(delete(Disposition)
                              .where(_owned_by(owner), or_(Disposition.code.in_(codes), ~used)))
        session.add_all(
            Disposition(code=d.code, label=d.label, requires_callback=d.requires_callback,
                        queue=owner.queue, campaign=owner.campaign, active=True)
            for d in entries
        )
