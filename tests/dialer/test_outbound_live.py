"""Outbound dialing on the real Asterisk sandbox: attempts originated to simulated customers
(asterisk_conf's [sim-customer]) run the dialer's production context (AMD, the campaign's queue
within the connect limit, the safe-harbor message, the opt-out key); the AttemptTracker, fed
the CTI server's typed events, gives each its one outcome."""
from __future__ import annotations

import pytest

from asterisk_conf.simulation import agent_member, customer_variables
from dialer.attempts import AttemptResult

from tests.helpers.outbound import dial, new_attempt
from tests.helpers.product import add_members, remove_members

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


async def test_a_person_is_detected_and_connected_to_the_campaigns_agent(
        cti, settings, new_queue, new_extension):
    queue = await new_queue("dialh")
    ext = new_extension()
    await add_members(cti, queue, [ext])
    try:
        dialed = await dial(cti, settings, new_attempt(queue), customer_variables("human", talk=3))
    finally:
        await remove_members(cti, queue, [ext])
    outcome = dialed.outcome
    assert outcome.result is AttemptResult.HUMAN, outcome
    assert outcome.amd_status == "HUMAN" and outcome.amd_cause.startswith("HUMAN")
    assert outcome.agent in (ext, agent_member(ext)[0])
    assert outcome.answered_at <= outcome.connected_at
    assert 0.5 <= outcome.ring_seconds < 3
    assert outcome.talk_seconds > 1 and not outcome.opted_out and outcome.safe_harbor is None
    assert [s.step for s in dialed.steps] == ["amd"]
    assert dialed.pacer.ended[0][1] is True and dialed.pacer.handled == [False]
