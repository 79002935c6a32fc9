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


async def test_a_machine_is_detected_and_hung_up(cti, settings, new_queue, new_extension):
    queue = await new_queue("dialm")
    ext = new_extension()
    await add_members(cti, queue, [ext])
    try:
        dialed = await dial(cti, settings, new_attempt(queue), customer_variables("machine"))
    finally:
        await remove_members(cti, queue, [ext])
    outcome = dialed.outcome
    assert outcome.result is AttemptResult.MACHINE and outcome.amd_status == "MACHINE", outcome
    assert outcome.agent is None and outcome.answered_at is not None
    assert outcome.ended_at - outcome.answered_at < 6, "hung up after detection, not at its end"
    assert [s.step for s in dialed.steps] == ["amd"]
    assert dialed.pacer.ended[0][1] is False and dialed.pacer.handled == []


async def test_a_machine_gets_the_campaigns_message_after_its_beep(cti, settings, new_queue):
    queue = await new_queue("dialmm")
    dialed = await dial(cti, settings, new_attempt(queue, machine_message="vm-goodbye"),
                        customer_variables("machine"))
    assert dialed.outcome.result is AttemptResult.MACHINE
    assert [(s.step, s.status) for s in dialed.steps] == [("amd", "MACHINE"), ("message", "SUCCESS")]


@pytest.mark.parametrize(("behaviour", "result", "reason"), [
    ("busy", AttemptResult.BUSY, 5),
    ("congestion", AttemptResult.CONGESTION, 8),
    ("fail", AttemptResult.FAILED, 0),
    ("noanswer", AttemptResult.NO_ANSWER, 3),
])
async def test_calls_nobody_answers(cti, settings, new_queue, behaviour, result, reason):
    queue = await new_queue("dialx")
    dialed = await dial(cti, settings, new_attempt(queue, ring_timeout=15),
                        customer_variables(behaviour))
    outcome = dialed.outcome
    assert (outcome.result, outcome.originate_reason) == (result, reason), outcome
    assert outcome.answered_at is None and outcome.amd_status is None and not dialed.steps
    assert dialed.pacer.ended == [(outcome.ring_seconds, False)] and dialed.pacer.handled == []
    if behaviour == "noanswer":
        assert 15 <= outcome.ring_seconds < 17, "rang the whole ring timeout"


async def test_a_person_no_agent_takes_in_time_is_abandoned_with_the_safe_harbor_message(
        cti, settings, new_queue, new_extension):
    queue = await new_queue("dialab")
    ext = new_extension()
    await add_members(cti, queue, [ext])
    await cti.server.ami.send({"Action": "QueuePause", "Queue": queue,
                               "Interface": agent_member(ext)[0], "Paused": "true"})
    try:
        dialed = await dial(cti, settings, new_attempt(queue), customer_variables("human", talk=20))
    finally:
        await remove_members(cti, queue, [ext])
    outcome = dialed.outcome
    assert outcome.result is AttemptResult.ABANDONED and outcome.amd_status == "HUMAN", outcome
    assert outcome.agent is None and not outcome.opted_out
    assert outcome.safe_harbor == "TIMEOUT", "the message played through, no key pressed"
    steps = {s.step: s for s in dialed.steps}
    assert list(steps) == ["amd", "abandoned", "safe_harbor"]
    assert steps["abandoned"].status == "TIMEOUT"
    waited = steps["abandoned"].timestamp - steps["amd"].timestamp
    assert 1 <= waited <= settings.dialer_connect_limit + 0.5, waited
    assert dialed.pacer.ended[0][1] is True and dialed.pacer.handled == [True]


async def test_the_opt_out_key_on_the_safe_harbor_message(cti, settings, new_queue):
    queue = await new_queue("dialopt")  # no members: every person is abandoned
    dialed = await dial(cti, settings, new_attempt(queue),
                        customer_variables("human", talk=20, opt_out=True))
    outcome = dialed.outcome
    assert outcome.result is AttemptResult.ABANDONED and outcome.opted_out, outcome
    assert outcome.safe_harbor == "OK", [(s.step, s.status, s.cause) for s in dialed.steps]
    assert [(s.step, s.status) for s in dialed.steps][1:] == [
        ("abandoned", "TIMEOUT"), ("safe_harbor", "OK"), ("optout", settings.dialer_optout_key)]


async def test_a_ringing_attempt_the_dialer_hangs_up_ends_as_a_no_answer(cti, settings, new_queue):
    """AMI Hangup finds the customer's channel by the attempt's id (its uniqueid), as the
    pacer's hang-up of a call rung 15 s does; the attempt's one outcome is a no answer."""
    queue = await new_queue("dialhu")
    dialed = await dial(cti, settings, new_attempt(queue, ring_timeout=60),
                        customer_variables("noanswer"), hang_up_ringing=True)
    outcome = dialed.outcome
    assert outcome.result is AttemptResult.NO_ANSWER, outcome
    assert outcome.answered_at is None and outcome.ring_seconds < 10, "hung up, not rung out"
    assert len(dialed.pacer.ended) == 1 and dialed.pacer.ended[0][1] is False
