"""AttemptTracker on scripted typed events: one outcome per attempt, whatever the order of
OriginateResponse and the channel's events, and what the pacer is told."""
from __future__ import annotations

import pytest

from ctiserver.ami import events as ev
from dialer.attempts import AttemptResult, AttemptTracker, DialAttempt
from dialer.compliance import Outcome as RuleOutcome

from tests.helpers.outbound import RecordingPacer

ID = "a-1"
T0 = 1_000.0


def attempt(**fields: object) -> DialAttempt:
    return DialAttempt(**{"attempt_id": ID, "campaign": "Sommer, 张伟", "lead": "7",
                          "number": "+4930123456", "queue": "camp", **fields})  # type: ignore[arg-type]


def channel(at: float, state: int = 0, uniqueid: str = ID) -> dict:
    return {"timestamp": T0 + at, "channel": "PJSIP/trunk-1", "uniqueid": uniqueid,
            "linkedid": uniqueid, "caller_num": "", "caller_name": "", "state": state}


def created(at: float = 0.0) -> ev.ChannelCreated:
    return ev.ChannelCreated(**channel(at), exten="s", context="cc-dialer")


def state(at: float, value: int) -> ev.ChannelUpdated:
    return ev.ChannelUpdated(**channel(at, value))


def originated(at: float, reason: int, success: bool = False) -> ev.OriginateResult:
    return ev.OriginateResult(timestamp=T0 + at, action_id="x", success=success, reason=reason,
                              channel="PJSIP/+4930123456@trunk", uniqueid=ID)


def step(at: float, name: str, status: str = "", cause: str = "") -> ev.DialerStep:
    return ev.DialerStep(**channel(at, 6), step=name, attempt=ID, status=status, cause=cause)


def connected(at: float) -> ev.AgentConnected:
    return ev.AgentConnected(**channel(at, 6), queue="camp", interface="Local/3001@sim-agent/n",
                             member_name="Maria 张", hold_time=1, ring_time=0,
                             dest_uniqueid="agent-1", dest_channel="Local/3001@sim-agent-1;1")


def hangup(at: float, cause: int = 16) -> ev.ChannelHungUp:
    return ev.ChannelHungUp(**channel(at, 6), cause=cause, cause_text="")


def run(events: list[ev.AmiEvent], **fields: object):
    pacer = RecordingPacer()
    tracker = AttemptTracker(pacer)
    tracker.placed(attempt(**fields), T0 - 0.1)
    outcomes = [o for o in map(tracker.handle, events) if o is not None]
    assert len(outcomes) == 1, outcomes
    return outcomes[0], pacer, tracker


ANSWERED = [created(), state(0.5, 5), state(4.0, 6), originated(4.0, 4, success=True)]


def test_a_person_connected_to_an_agent():
    outcome, pacer, _ = run(ANSWERED + [
        step(5.9, "amd", "HUMAN", "HUMAN-800-800"), connected(6.2), hangup(66.2)])
    assert outcome.result is AttemptResult.HUMAN and outcome.rule_outcome is RuleOutcome.CONNECTED
    assert outcome.ring_seconds == pytest.approx(4.0) and outcome.answered_at == T0 + 4.0
    assert (outcome.amd_status, outcome.amd_cause) == ("HUMAN", "HUMAN-800-800")
    assert outcome.agent == "Maria 张" and outcome.connected_at == T0 + 6.2
    assert outcome.talk_seconds == pytest.approx(60.0) and outcome.hangup_cause == 16
    assert pacer.ended == [(pytest.approx(4.0), True)] and pacer.handled == [False]


def test_the_hangup_may_come_before_the_originate_response():
    events = [created(), state(4.0, 6), step(5.9, "amd", "HUMAN"), connected(6.0), hangup(7.0),
              originated(7.1, 4, success=True)]
    outcome, _, tracker = run(events)
    assert outcome.result is AttemptResult.HUMAN and outcome.ended_at == T0 + 7.0
    assert tracker.ringing(T0 + 8) == () and tracker.waiting() == 0


@pytest.mark.parametrize(("reason", "rang", "result"), [
    (5, True, AttemptResult.BUSY), (8, False, AttemptResult.CONGESTION),
    (3, True, AttemptResult.NO_ANSWER), (1, True, AttemptResult.NO_ANSWER),
    (1, False, AttemptResult.FAILED), (0, False, AttemptResult.FAILED),
])
def test_calls_nobody_answered_end_with_the_originate_response(reason, rang, result):
    events = [created()] + ([state(0.3, 5)] if rang else []) + [hangup(20.0, 17),
                                                                originated(20.0, reason)]
    outcome, pacer, _ = run(events)
    assert (outcome.result, outcome.originate_reason) == (result, reason)
    assert outcome.ring_seconds == pytest.approx(20.0) and outcome.answered_at is None
    assert pacer.ended == [(pytest.approx(20.0), False)] and pacer.handled == []


def test_a_failure_without_any_channel_counts_from_placing():
    outcome, _, _ = run([originated(0.0, 0)])
    assert outcome.result is AttemptResult.FAILED
    assert outcome.ring_seconds == pytest.approx(0.1)


def test_a_detected_machine():
    outcome, pacer, _ = run(ANSWERED + [step(6.0, "amd", "MACHINE", "MAXWORDS-2-2"), hangup(6.1)])
    assert outcome.result is AttemptResult.MACHINE and outcome.rule_outcome is RuleOutcome.MACHINE
    assert outcome.agent is None and outcome.talk_seconds == 0
    assert pacer.ended == [(pytest.approx(4.0), False)] and pacer.handled == []


def test_abandoned_with_the_safe_harbor_message_and_the_opt_out_key():
    outcome, pacer, _ = run(ANSWERED + [
        step(5.9, "amd", "HUMAN"), step(7.8, "abandoned", "TIMEOUT"),
        step(10.0, "safe_harbor", "OK", "9"), step(10.0, "optout", "9"), hangup(11.0)])
    assert outcome.result is AttemptResult.ABANDONED
    assert outcome.rule_outcome is RuleOutcome.ABANDONED
    assert outcome.opted_out and outcome.safe_harbor == "OK"
    assert pacer.ended == [(pytest.approx(4.0), True)] and pacer.handled == [True]


def test_the_pacer_hears_the_drop_when_it_happens():
    pacer = RecordingPacer()
    tracker = AttemptTracker(pacer)
    tracker.placed(attempt(), T0)
    for event in ANSWERED + [step(5.9, "amd", "NOTSURE", "TOOLONG-5000")]:
        tracker.handle(event)
    assert tracker.waiting() == 1, "a person waiting for an agent"
    tracker.handle(step(7.8, "abandoned", "TIMEOUT"))
    assert pacer.handled == [True] and tracker.waiting() == 0


def test_an_answer_amd_listens_to_waits_for_an_agent_until_it_is_a_machine():
    pacer = RecordingPacer()
    tracker = AttemptTracker(pacer)
    tracker.placed(attempt(), T0)
    for event in ANSWERED:
        tracker.handle(event)
    assert tracker.ringing(T0 + 5) == () and tracker.waiting() == 1
    tracker.handle(step(5.9, "amd", "MACHINE", "MAXWORDS-3-3"))
    assert tracker.waiting() == 0


def test_a_person_gone_during_detection_counts_as_abandoned():
    outcome, pacer, _ = run(ANSWERED + [hangup(5.0)])
    assert outcome.result is AttemptResult.ABANDONED and outcome.amd_status is None
    assert pacer.ended == [(pytest.approx(4.0), True)] and pacer.handled == [True]


def test_without_detection_the_answer_is_a_person():
    pacer = RecordingPacer()
    tracker = AttemptTracker(pacer)
    tracker.placed(attempt(amd=False), T0)
    for event in [created(), state(3.0, 6)]:
        tracker.handle(event)
    assert pacer.ended == [(pytest.approx(3.0), True)] and tracker.waiting() == 1
    tracker.handle(connected(3.5))
    outcome = tracker.handle(hangup(30.0))
    assert outcome is not None and outcome.result is AttemptResult.HUMAN
    assert outcome.amd_status is None and pacer.handled == [False]


def test_other_channels_and_ended_attempts_are_ignored():
    pacer = RecordingPacer()
    tracker = AttemptTracker(pacer)
    tracker.placed(attempt(), T0)
    assert tracker.handle(ev.ChannelHungUp(**channel(1.0, 6, "other"), cause=16,
                                           cause_text="")) is None
    assert tracker.handle(originated(1.0, 5)) is not None
    assert tracker.handle(hangup(1.1)) is None and tracker.handle(originated(1.2, 5)) is None
    assert pacer.ended == [(pytest.approx(1.0), False)]


def test_a_resync_listing_keeps_the_start():
    pacer = RecordingPacer()
    tracker = AttemptTracker(pacer)
    tracker.placed(attempt(), T0)
    for event in [created(0.0), created(3.0)]:  # the second one: CoreShowChannel after a reconnect
        tracker.handle(event)
    assert tracker.ringing(T0 + 5) == (pytest.approx(5.0),)


def test_ringing_and_forgotten_attempts():
    pacer = RecordingPacer()
    tracker = AttemptTracker(pacer)
    tracker.placed(attempt(), T0)
    tracker.placed(attempt(attempt_id="a-2"), T0 + 2)
    tracker.forget("a-2")
    assert tracker.ringing(T0 + 3) == (pytest.approx(3.0),)


def test_wrap_up_reaches_the_pacer_with_the_talk_time():
    outcome, pacer, tracker = run(ANSWERED + [step(5.9, "amd", "HUMAN"), connected(6.0),
                                              hangup(46.0)])
    tracker.wrapped(outcome, 12.0)
    assert pacer.finished == [(pytest.approx(40.0), 12.0)]


def test_an_attempt_rings_at_least_fifteen_seconds():
    with pytest.raises(ValueError, match="ring at least 15"):
        attempt(ring_timeout=10)
