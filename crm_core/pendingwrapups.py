"""The after-call gate's pending wrap-ups in the CRM (table pending_wrapups), so that a CTI
restart keeps gating the agents it gated (the store ctiserver.acd.wrapup.WrapupGate mirrors to)."""
from __future__ import annotations

from sqlalchemy import delete, exists, select
from sqlalchemy.dialects.postgresql import insert

from crm_core.db import Database
from crm_core.models import CallWrapup, PendingWrapup, User


class SqlPendingWrapups:
    def __init__(self, db: Database) -> None:
        self._db = db

    # add and remove run once per queue call: a plain connection, no ORM session, is cheaper.
    async def add(self, interface: str, call_key: str) -> None:
        stmt = insert(PendingWrapup).values(interface=interface, call_key=call_key)
        async with self._db.engine.begin() as conn:
            await conn.execute(stmt.on_conflict_do_nothing())

    async def remove(self, interface: str, call_key: str) -> None:
        async with self._db.engine.begin() as conn:
            await conn.execute(delete(PendingWrapup).where(
                PendingWrapup.interface == interface, PendingWrapup.call_key == call_key))

    async def load(self) -> list[tuple[str, str, bool]]:
        """Every row, and whether the agent on that interface has stored the call's wrap-up
        (it may have happened while no CTI server was running)."""
        wrapped_up = exists().where(
            CallWrapup.call_key == PendingWrapup.call_key,
            CallWrapup.user_id == User.id,
        )
        stmt = (
            select(PendingWrapup.interface, PendingWrapup.call_key, wrapped_up.label("done"))
            .outerjoin(User, User.interface == PendingWrapup.interface)
            .order_by(PendingWrapup.since)
        )
        async with self._db.sessionmaker() as session:
            return [(row.interface, row.call_key, bool(row.done))
                    for row in await session.execute(stmt)]
