"""The after-call gate's store on real PostgreSQL: rows, and whether a wrap-up came meanwhile."""
import asyncio

from sqlalchemy import delete, select

from crm_core.db import Database
from crm_core.models import CallWrapup, PendingWrapup
from crm_core.pendingwrapups import SqlPendingWrapups
from crm_core.users import create_user
from tests.helpers.records import unique


async def test_add_remove_and_load(db: Database) -> None:
    store = SqlPendingWrapups(db)
    interface = unique("Local/pw@sim-agent/n")
    user_id, _ = await create_user(db, unique("pw"), display_name="Zoë 李", role="agent",
                                   interface=interface)
    stranger = unique("PJSIP/nobody")  # an interface no user has: never wrapped up
    done, waiting = unique("call"), unique("call")
    try:
        for call_key in (done, waiting, done):  # adding twice is harmless
            await store.add(interface, call_key)
        await store.add(stranger, done)
        async with db.sessionmaker.begin() as session:
            session.add(CallWrapup(call_key=done, user_id=user_id, disposition="resolved"))
        mine = {(i, c, w) for i, c, w in await store.load() if i in (interface, stranger)}
        assert mine == {(interface, done, True), (interface, waiting, False),
                        (stranger, done, False)}
        await store.remove(interface, done)
        await store.remove(interface, "never-there")
        async with db.sessionmaker() as session:
            rows = set(await session.execute(select(PendingWrapup.interface, PendingWrapup.call_key)
                                             .where(PendingWrapup.interface == interface)))
        assert rows == {(interface, waiting)}
    finally:
        async with db.sessionmaker.begin() as session:
            await session.execute(delete(PendingWrapup).where(
                PendingWrapup.interface.in_([interface, stranger])))


async def test_changes_in_one_turn_keep_their_order(db: Database) -> None:
    store = SqlPendingWrapups(db)
    interface = unique("Local/pw@sim-agent/n")
    gone, back, twice = unique("call"), unique("call"), unique("call")
    try:
        await store.add(interface, back)
        await asyncio.gather(  # one turn of the event loop: one transaction, in this order
            store.add(interface, gone), store.add(interface, twice), store.add(interface, twice),
            store.remove(interface, gone), store.remove(interface, back),
            store.add(interface, back))
        mine = {(i, c) for i, c, _ in await store.load() if i == interface}
        assert mine == {(interface, twice), (interface, back)}
    finally:
        async with db.sessionmaker.begin() as session:
            await session.execute(delete(PendingWrapup).where(PendingWrapup.interface == interface))
