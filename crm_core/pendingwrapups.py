"""The after-call gate's pending wrap-ups in the CRM (table pending_wrapups), so that a CTI
restart keeps gating the agents it gated (the store ctiserver.acd.wrapup.WrapupGate mirrors to)."""
from __future__ import annotations

import asyncio
from itertools import groupby
from operator import itemgetter

from sqlalchemy import exists, select, text

from crm_core.db import Database
from crm_core.models import CallWrapup, PendingWrapup, User


# One statement for several rows: each column travels as one array.
_ADD = text(
    "INSERT INTO pending_wrapups (interface, call_key)"
    " SELECT * FROM unnest(CAST(:interfaces AS text[]), CAST(:call_keys AS text[]))"
    " ON CONFLICT DO NOTHING")
_REMOVE = text(
    "DELETE FROM pending_wrapups p"
    " USING unnest(CAST(:interfaces AS text[]), CAST(:call_keys AS text[]))"
    " AS r(interface, call_key)"
    " WHERE p.interface = r.interface AND p.call_key = r.call_key")


class SqlPendingWrapups:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._changes: list[tuple[bool, str, str, asyncio.Future]] | None = None
        self._writing = asyncio.Lock()

    # add and remove run once per queue call: those asked for in one turn of the event loop,
    # or while the previous ones are being written (a burst of calls ending), go to the
    # database together, in order, over a plain connection, no ORM session.
    async def add(self, interface: str, call_key: str) -> None:
        await self._change(True, interface, call_key)

    async def remove(self, interface: str, call_key: str) -> None:
        await self._change(False, interface, call_key)

    def _change(self, add: bool, interface: str, call_key: str) -> asyncio.Future:
        if self._changes is None:
            self._changes = []
            asyncio.ensure_future(self._write())
        done = asyncio.get_running_loop().create_future()
        self._changes.append((add, interface, call_key, done))
        return done

    async def _write(self) -> None:
        async with self._writing:
            await self._write_changes()

    async def _write_changes(self) -> None:
        changes, self._changes = self._changes or [], None
        try:
            # Each statement on its own, as each change was before it was batched.
            async with self._db.autocommit.connect() as conn:
                for add, run in groupby(changes, key=itemgetter(0)):
                    pairs = list(dict.fromkeys((interface, key) for _, interface, key, _ in run))
                    await conn.execute(_ADD if add else _REMOVE,
                                       {"interfaces": [i for i, _ in pairs],
                                        "call_keys": [k for _, k in pairs]})
        except Exception as exc:
            for *_, done in changes:
                if not done.done():
                    done.set_exception(exc)
        else:
            for *_, done in changes:
                if not done.done():
                    done.set_result(None)

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
