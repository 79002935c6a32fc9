"""Routing on the real Asterisk sandbox: simulated callers through cc-inbound, our FastAGI
server deciding from the CRM (VIP priority, closed queue, overflow), app_queue reloaded from the
CRM, and calls still queued when the FastAGI server is down."""
from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable

import pytest_asyncio

from asterisk_conf.rawami import Message, RawAmi
from asterisk_conf.sandbox import Sandbox
from asterisk_conf.simulation import agent_member, caller_originate, queue_add
from crm_core.customers import create_customer
from crm_core.db import Database
from crm_core.queues import apply_queue_config, set_vip, update_queue
from ctiserver.agi.server import start_fastagi

from tests.helpers.records import berlin_number


@pytest_asyncio.fixture(loop_scope="session")
async def fastagi(cti) -> AsyncIterator[None]:
    """The product's own FastAGI server and routing service, as the CTI server runs them."""
    yield


async def call(ami: RawAmi, queue: str, number: str, patience: float = 8) -> str:
    """A routed simulated caller; its ChannelId (the ;2 leg that queues is ID;2)."""
    cid = str(uuid.uuid4())
    action = caller_originate(queue, number=number, name="Routed", patience=patience, talk=1,
                              ring=0.5, channel_id=cid, routed=True)
    reply = await asyncio.to_thread(ami.action, action)
    assert reply["Response"] == "Success", reply
    return cid


async def seen(ami: RawAmi, predicate: Callable[[Message], bool], timeout: float = 15) -> Message:
    found = next((m for m in ami.messages if predicate(m)), None)
    return found or await asyncio.to_thread(ami.wait_for, predicate, timeout)


def joined(cid: str) -> Callable[[Message], bool]:
    return lambda m: m.get("Event") == "QueueCallerJoin" and m.get("Uniqueid") == f"{cid};2"


async def test_a_crm_change_reloads_the_queue(db: Database, asterisk: Sandbox, new_queue) -> None:
    queue = await new_queue("rreload", strategy="ringall")
    assert "'ringall' strategy" in asterisk.cli(f"queue show {queue}")
    await update_queue(db, queue, strategy="leastrecent")
    assert await apply_queue_config(db, asterisk) == ["queues.conf"]
    assert "'leastrecent' strategy" in asterisk.cli(f"queue show {queue}")


async def test_vip_joins_ahead_of_waiting_callers(db, ami, fastagi, new_queue) -> None:
    queue = await new_queue("rvip")  # no members: callers wait
    first = await call(ami, queue, berlin_number()[0])
    await seen(ami, joined(first))
    second = await call(ami, queue, berlin_number()[0])
    await seen(ami, joined(second))
    vip_number, national = berlin_number()
    await set_vip(db, await create_customer(db, "Vera VIP", [national], default_region="DE"))
    vip = await call(ami, queue, vip_number)
    join = await seen(ami, joined(vip))
    assert (join["Queue"], join["Position"], join["Count"]) == (queue, "1", "3")
    assert [(await seen(ami, joined(c)))["Position"] for c in (first, second)] == ["1", "2"]


async def test_closed_queue_announces_and_ends_closed(ami, fastagi, new_queue) -> None:
    queue = await new_queue("rclosed", business_hours={}, closed_action="announce")
    cid = await call(ami, queue, berlin_number()[0], patience=30)
    closed = await seen(ami, lambda m: m.get("UserEvent") == "CcClosed" and m.get("Queue") == queue,
                        timeout=20)
    assert (closed["Action"], closed["Reason"], closed["Playback"]) == ("announce", "hours", "SUCCESS")
    await seen(ami, lambda m: m.get("Event") == "Hangup" and m.get("Uniqueid") == f"{cid};2")
    assert not any(joined(cid)(m) for m in ami.messages)


async def test_overflow_when_the_queue_cannot_serve(ami, fastagi, new_queue, new_extension) -> None:
    backup = await new_queue("rbackup")
    queue = await new_queue("rfront", overflow_queue=backup, overflow_max_wait=30)
    ext = new_extension()
    moved = await call(ami, queue, berlin_number()[0])
    assert (await seen(ami, joined(moved)))["Queue"] == backup  # nobody staffed: wait unbounded
    assert (await asyncio.to_thread(ami.action, queue_add(queue, ext)))["Response"] == "Success"
    try:
        stays = await call(ami, queue, berlin_number()[0])
        assert (await seen(ami, joined(stays)))["Queue"] == queue  # an idle agent: no wait
    finally:
        await asyncio.to_thread(ami.action, {"Action": "QueueRemove", "Queue": queue,
                                             "Interface": agent_member(ext)[0]})


async def test_calls_still_queue_without_the_fastagi_server(ami, cti, settings, new_queue) -> None:
    queue = await new_queue("rnoagi", business_hours={})  # closed, if asked
    cti.server.fastagi.close()
    await cti.server.fastagi.wait_closed()
    try:
        cid = await call(ami, queue, berlin_number()[0], patience=3)
        assert (await seen(ami, joined(cid)))["Queue"] == queue
    finally:
        cti.server.fastagi = await start_fastagi(settings.fastagi_host, settings.fastagi_port,
                                                 cti.server.fastagi_handler())
