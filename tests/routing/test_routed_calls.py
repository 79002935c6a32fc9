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
from callcenter.settings import Settings
from crm_core.customers import create_customer
from crm_core.db import Database
from crm_core.queues import apply_queue_config, create_queue, set_vip, update_queue
from ctiserver.fastagi import dispatch, start_fastagi
from ctiserver.routeagi import AmiEventList, RoutingService, ami_live_source
from tests.asterisk.conftest import ami  # noqa: F401  (fixture)
from tests.crm.helpers import berlin_number, unique


def raw_event_list(settings: Settings, secret: str) -> AmiEventList:
    """Event lists over a fresh RawAmi session (in a thread). Not the CTI server's
    AmiClient.event_list: panoramisk's protocol.send(action) resets as_list to False, so that
    returns [] for every event list (reported to the lead)."""
    def blocking(action: dict[str, str]) -> list[Message]:
        with RawAmi(settings.ami_host, settings.ami_port) as session:
            session.login(settings.ami_user, secret, events=False)
            action_id = session.send(action)
            mine = lambda m: m.get("ActionID") == action_id  # noqa: E731
            session.wait_for(lambda m: mine(m) and m.get("EventList") == "Complete", 5)
            return [m for m in session.messages if mine(m) and "Event" in m
                    and m.get("EventList") != "Complete"]

    return lambda action: asyncio.to_thread(blocking, action)


@pytest_asyncio.fixture
async def fastagi(settings: Settings, db: Database, asterisk: Sandbox,
                  ami_secret: str) -> AsyncIterator[None]:
    live = ami_live_source(raw_event_list(settings, ami_secret))
    routing = RoutingService(db, default_region=settings.default_region, live=live)
    server = await start_fastagi(settings, dispatch(routing.handlers()))
    yield
    server.close()
    await server.wait_closed()


async def crm_queue(db: Database, asterisk: Sandbox, prefix: str, **fields: object) -> str:
    name = unique(prefix)
    await create_queue(db, name, **fields)
    assert "queues.conf" in await apply_queue_config(db, asterisk)
    return name


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


async def test_a_crm_change_reloads_the_queue(db: Database, asterisk: Sandbox) -> None:
    queue = await crm_queue(db, asterisk, "rreload", strategy="ringall")
    assert "'ringall' strategy" in asterisk.cli(f"queue show {queue}")
    await update_queue(db, queue, strategy="leastrecent")
    assert await apply_queue_config(db, asterisk) == ["queues.conf"]
    assert "'leastrecent' strategy" in asterisk.cli(f"queue show {queue}")


async def test_vip_joins_ahead_of_waiting_callers(db, asterisk, ami, fastagi) -> None:
    queue = await crm_queue(db, asterisk, "rvip")  # no members: callers wait
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


async def test_closed_queue_announces_and_ends_closed(db, asterisk, ami, fastagi) -> None:
    queue = await crm_queue(db, asterisk, "rclosed", business_hours={}, closed_action="announce")
    cid = await call(ami, queue, berlin_number()[0], patience=30)
    closed = await seen(ami, lambda m: m.get("UserEvent") == "CcClosed" and m.get("Queue") == queue,
                        timeout=20)
    assert (closed["Action"], closed["Reason"], closed["Playback"]) == ("announce", "hours", "SUCCESS")
    await seen(ami, lambda m: m.get("Event") == "Hangup" and m.get("Uniqueid") == f"{cid};2")
    assert not any(joined(cid)(m) for m in ami.messages)


async def test_overflow_when_the_queue_cannot_serve(db, asterisk, ami, fastagi) -> None:
    backup = await crm_queue(db, asterisk, "rbackup")
    queue = await crm_queue(db, asterisk, "rfront", overflow_queue=backup, overflow_max_wait=30)
    moved = await call(ami, queue, berlin_number()[0])
    assert (await seen(ami, joined(moved)))["Queue"] == backup  # nobody staffed: wait unbounded
    assert (await asyncio.to_thread(ami.action, queue_add(queue, "1009")))["Response"] == "Success"
    try:
        stays = await call(ami, queue, berlin_number()[0])
        assert (await seen(ami, joined(stays)))["Queue"] == queue  # an idle agent: no wait
    finally:
        await asyncio.to_thread(ami.action, {"Action": "QueueRemove", "Queue": queue,
                                             "Interface": agent_member("1009")[0]})


async def test_calls_still_queue_without_the_fastagi_server(db, asterisk, ami) -> None:
    queue = await crm_queue(db, asterisk, "rnoagi", business_hours={})  # closed, if asked
    cid = await call(ami, queue, berlin_number()[0], patience=3)
    assert (await seen(ami, joined(cid)))["Queue"] == queue
