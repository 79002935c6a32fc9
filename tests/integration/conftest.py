"""Helpers for tests of the whole product (its fixtures: tests/fixtures/product.py)."""
from __future__ import annotations

import asyncio
import time
import uuid

from sqlalchemy import select

from asterisk_conf.simulation import agent_member, queue_add
from crm_core.models import Call


async def add_members(cti, queue: str, exts: list[str]) -> None:
    for ext in exts:
        await cti.server.ami.send(queue_add(queue, ext))


async def remove_members(cti, queue: str, exts: list[str]) -> None:
    for ext in exts:
        await cti.server.ami.send(
            {"Action": "QueueRemove", "Queue": queue, "Interface": agent_member(ext)[0]}
        )


async def wait_for_calls(db, keys: set[str], timeout: float = 60) -> dict[str, Call]:
    """CRM rows for these call keys, once all are written."""
    deadline = time.monotonic() + timeout
    while True:
        async with db.sessionmaker() as session:
            rows = (await session.scalars(select(Call).where(Call.call_key.in_(keys)))).all()
        found = {row.call_key: row for row in rows}
        if set(found) == keys or time.monotonic() > deadline:
            return found
        await asyncio.sleep(0.3)


def new_number() -> str:
    return "+4930" + str(uuid.uuid4().int)[:7]
