"""A call from caller to agent on the real Asterisk: screen pop, CRM row, queue_log agreement."""
from __future__ import annotations

import asyncio
import random
import time

import pytest
from sqlalchemy import select

from asterisk_conf.simulation import agent_member, caller_originate
from crm_core.customers import create_customer
from crm_core.models import Customer, User
from crm_core.users import create_user
from ctiserver.acd.queue_log import parse_queue_log, summarize_calls

from .conftest import add_members, new_number, remove_members, wait_for_calls

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

NAME = "Jürgen 张伟"


async def queue_log_calls(asterisk, mark: int, channel_ids: list[str], timeout: float = 90):
    """queue_log's summary of these calls, once each has its final line."""
    keys = {f"{cid};2" for cid in channel_ids}
    deadline = time.monotonic() + timeout
    while True:
        summary = summarize_calls(parse_queue_log(asterisk.read_queue_log_since(mark)))
        done = {k: s for k, s in summary.items() if k in keys and s.outcome
                and (s.outcome != "answered" or s.talk_seconds is not None)}
        if len(done) == len(keys) or time.monotonic() > deadline:
            return done
        await asyncio.sleep(0.3)


async def test_known_caller_pops_on_the_ringing_agent_only_and_lands_in_the_crm_once(
    cti, db, asterisk, open_socket, queue_log_mark, settings
):
    number = new_number()
    customer_id = await create_customer(db, NAME, [number], company="Müller & Zhang GmbH",
                                        default_region=settings.default_region)
    ringing_ext, idle_ext = "1005", "1006"
    _, token_a = await create_user(db, f"a{number}", display_name="Agent A", role="agent",
                                   extension=ringing_ext, interface=agent_member(ringing_ext)[0])
    _, token_b = await create_user(db, f"b{number}", display_name="Agent B", role="agent",
                                   extension=idle_ext, interface=agent_member(idle_ext)[0])
    agent_a, agent_b = await open_socket(token_a), await open_socket(token_b)
    await add_members(cti, "support", [ringing_ext])
    try:
        channel_id = await cti.server.ami.originate(caller_originate(
            "support", number=number, name=NAME, patience=30, ring=1.5, talk=2, hangup_by="caller"))
        truth = (await queue_log_calls(asterisk, queue_log_mark, [channel_id]))[f"{channel_id};2"]
        rows = await wait_for_calls(db, {truth.uniqueid})
    finally:
        await remove_members(cti, "support", [ringing_ext])

    row = rows[truth.uniqueid]
    assert row.caller_name == NAME
    assert row.caller_number == number
    assert row.queue == "support" == truth.queue
    assert row.agent_interface == agent_member(ringing_ext)[0] and truth.agent == ringing_ext
    assert row.outcome == "answered"
    assert abs(row.wait_seconds - truth.wait_seconds) <= 1
    assert abs(row.talk_seconds - truth.talk_seconds) <= 1
    assert row.completed_by == "caller"
    assert row.customer_id == customer_id
    async with db.sessionmaker() as session:
        agent_id = await session.scalar(select(User.id).where(User.username == f"a{number}"))
        assert (await session.get(Customer, customer_id)).name == NAME
    assert row.agent_user_id == agent_id

    await asyncio.sleep(0.5)  # the hangup update trails the CRM write by a moment
    pop = agent_a.first("pop", truth.uniqueid)
    answered = agent_a.first("answered", truth.uniqueid)
    assert pop is not None and answered is not None
    assert pop[0] < answered[0], "the pop comes before the answer"
    card = pop[2]
    assert card["caller_name"] == NAME and card["known"] is True
    assert card["customer"]["id"] == customer_id and card["customer"]["name"] == NAME
    assert agent_a.first("hangup", truth.uniqueid) is not None
    assert agent_b.messages == [], "another agent sees nothing of this call"


async def test_fifty_parallel_calls_with_abandons_match_queue_log_exactly_once(
    cti, db, asterisk, queue_log_mark
):
    agents = ["1006", "1007", "1008", "1009", "1010"]
    await add_members(cti, "sales", agents)
    rng = random.Random(50)
    try:
        channel_ids = await asyncio.gather(*(
            cti.server.ami.originate(caller_originate(
                "sales", number=new_number(), name=f"Anrufer {i} Åsa 李",
                patience=rng.uniform(1, 3) if i % 10 == 0 else 120,
                ring=rng.uniform(0.5, 1.0), talk=rng.uniform(0.5, 2.0),
                hangup_by=rng.choice(("caller", "agent")),
            ))
            for i in range(50)
        ))
        truth = await queue_log_calls(asterisk, queue_log_mark, list(channel_ids), timeout=180)
    finally:
        await remove_members(cti, "sales", agents)
    assert len(truth) == 50, "every call finished in queue_log"
    assert sum(s.outcome == "abandoned" for s in truth.values()) >= 3

    rows = await wait_for_calls(db, set(truth))
    assert set(rows) == set(truth), "none missing"
    async with db.sessionmaker() as session:
        from crm_core.models import Call
        keys = (await session.scalars(select(Call.call_key).where(Call.call_key.in_(truth)))).all()
    assert len(keys) == 50, "none twice"
    for key, summary in truth.items():
        row = rows[key]
        assert row.outcome == summary.outcome, key
        assert row.queue == "sales"
        assert abs(row.wait_seconds - summary.wait_seconds) <= 1, key
        assert abs(row.talk_seconds - (summary.talk_seconds or 0)) <= 1, key
        if summary.outcome == "answered":
            assert row.agent_interface == agent_member(summary.agent)[0]
