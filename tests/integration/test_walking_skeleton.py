"""A call from caller to agent on the real Asterisk: screen pop, CRM row, queue_log agreement."""
from __future__ import annotations

import asyncio
import random

import pytest
from sqlalchemy import select

from asterisk_conf.simulation import agent_member, caller_originate
from crm_core.customers import create_customer
from crm_core.models import Customer, User
from crm_core.users import create_user

from tests.helpers.product import (EndedCalls, add_members, new_number, queue_log_calls,
                                   remove_members)

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

NAME = "Jürgen 张伟"


async def test_known_caller_pops_on_the_ringing_agent_only_and_lands_in_the_crm_once(
    cti, db, asterisk, open_socket, queue_log_mark, settings, new_queue, new_extension
):
    queue = await new_queue("skel", product=cti)
    number = new_number()
    customer_id = await create_customer(db, NAME, [number], company="Müller & Zhang GmbH",
                                        default_region=settings.default_region)
    ringing_ext, idle_ext = new_extension(), new_extension()
    _, token_a = await create_user(db, f"a{number}", display_name="Agent A", role="agent",
                                   extension=ringing_ext, interface=agent_member(ringing_ext)[0])
    user_b, token_b = await create_user(db, f"b{number}", display_name="Agent B", role="agent",
                                        extension=idle_ext, interface=agent_member(idle_ext)[0])
    agent_a, agent_b = await open_socket(token_a), await open_socket(token_b)
    await add_members(cti, queue, [ringing_ext])
    with EndedCalls(cti.server) as ended:
        try:
            channel_id = await cti.server.ami.originate(caller_originate(
                queue, number=number, name=NAME, patience=30, ring=1.5, talk=2, hangup_by="caller"))
            truth = (await queue_log_calls(asterisk, queue_log_mark, [channel_id]))[f"{channel_id};2"]
            rows = await ended.rows(db, {truth.uniqueid})
        finally:
            await remove_members(cti, queue, [ringing_ext])
        # the hangup update trails the CRM write: the last message about the call
        await agent_a.wait_for("hangup", truth.uniqueid)
        await ended.marker(queue, new_extension())
        assert ended.counts()[truth.uniqueid] == 1, "handed to the CRM writer once"

    row = rows[truth.uniqueid]
    assert row.caller_name == NAME
    assert row.caller_number == number
    assert row.queue == queue == truth.queue
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

    pop = agent_a.first("pop", truth.uniqueid)
    answered = agent_a.first("answered", truth.uniqueid)
    assert pop is not None and answered is not None
    assert pop[0] < answered[0], "the pop comes before the answer"
    card = pop[2]
    assert card["caller_name"] == NAME and card["known"] is True
    assert card["customer"]["id"] == customer_id and card["customer"]["name"] == NAME
    # nothing of this call reached the other agent's console before a marker sent after it
    assert await agent_b.quiet_until_marker(cti.server, user_b) == [], \
        "another agent sees nothing of this call"


async def test_fifty_parallel_calls_with_abandons_match_queue_log_exactly_once(
    cti, db, asterisk, queue_log_mark, new_queue, new_extension
):
    queue = await new_queue("fifty", product=cti)
    agents = [new_extension() for _ in range(5)]
    await add_members(cti, queue, agents)
    rng = random.Random(50)
    with EndedCalls(cti.server) as ended:
        try:
            channel_ids = await asyncio.gather(*(
                cti.server.ami.originate(caller_originate(
                    queue, number=new_number(), name=f"Anrufer {i} Åsa 李",
                    patience=rng.uniform(1, 3) if i % 10 == 0 else 120,
                    ring=rng.uniform(0.5, 1.0), talk=rng.uniform(0.5, 2.0),
                    hangup_by=rng.choice(("caller", "agent")),
                ))
                for i in range(50)
            ))
            truth = await queue_log_calls(asterisk, queue_log_mark, list(channel_ids), timeout=180)
        finally:
            await remove_members(cti, queue, agents)
        assert len(truth) == 50, "every call finished in queue_log"
        assert sum(s.outcome == "abandoned" for s in truth.values()) >= 3

        rows = await ended.rows(db, set(truth))
        # whatever the events of these calls still make is on the bus before this round trip
        await ended.marker(queue, new_extension())
        counts = ended.counts()
    assert set(rows) == set(truth), "none missing"
    assert {key: counts[key] for key in truth} == {key: 1 for key in truth}, \
        "none twice: the tracker hands each call to the CRM writer once"
    for key, summary in truth.items():
        row = rows[key]
        assert row.outcome == summary.outcome, key
        assert row.queue == queue
        assert abs(row.wait_seconds - summary.wait_seconds) <= 1, key
        assert abs(row.talk_seconds - (summary.talk_seconds or 0)) <= 1, key
        if summary.outcome == "answered":
            assert row.agent_interface == agent_member(summary.agent)[0]
