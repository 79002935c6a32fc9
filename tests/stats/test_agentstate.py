"""AgentStateMachine: scenarios, and invariants over random event sequences."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ctiserver.acd.agentstate import AgentStateMachine
from ctiserver.calls.tracker import CallAnswered, CallOffered, OfferEnded

from tests.helpers.agentstate import A, T0, ended, member


def call(machine, key, t, talk, queue="q"):
    """Offer, answer and end one call; every change on the way."""
    changes = machine.handle_notice(CallOffered(key, t, queue, A, "Ann", "", ""))
    changes += machine.handle_notice(CallAnswered(key, t + 2, queue, A, 5.0))
    return changes + machine.handle_notice(ended(key, t + 2 + talk, talk, queue))


def states(changes):
    return [(c.new, c.at - T0) for c in changes]


def test_login_ring_talk_wrapup_from_queue_config_then_available():
    m = AgentStateMachine(wrapup={"q": 15})
    changes = m.handle_event(member("added"), T0)
    changes += call(m, "c1", T0 + 10, talk=30)
    assert states(changes) == [("available", 0), ("ringing", 10), ("on_call", 12), ("wrapup", 42)]
    assert m.tick(T0 + 56) == []
    (done,) = m.tick(T0 + 100)
    assert (done.old, done.new, done.at - T0) == ("wrapup", "available", 57)
    assert (done.handled.talk, done.handled.hold, done.handled.wrapup) == (30, 0, 15)
    assert m.agents()[A].state == "available" and m.agents()[A].queues == ["q"]


def test_member_wrapup_wins_and_events_end_due_wrapups_first():
    m = AgentStateMachine(wrapup={"q": 15})
    m.handle_event(member("added", wrapup=5), T0)
    call(m, "c1", T0, talk=10)
    changes = m.handle_event(member("pause", t=T0 + 30, paused=True, reason="lunch"), T0 + 30)
    assert [(c.new, c.at - T0, c.reason) for c in changes] == [("available", 17, ""), ("paused", 30, "lunch")]
    assert changes[0].handled.wrapup == 5


def test_an_offer_ends_wrapup_early_as_asterisk_rang_the_agent():
    m = AgentStateMachine(wrapup={"q": 60})
    m.handle_event(member("added"), T0)
    call(m, "c1", T0, talk=10)
    changes = m.handle_notice(CallOffered("c2", T0 + 20, "q", A, "Ann", "", ""))
    assert [(c.old, c.new) for c in changes] == [("wrapup", "ringing")]
    assert changes[0].handled.wrapup == 8


def test_hold_from_device_state_is_split_from_talk():
    m = AgentStateMachine()
    m.handle_event(member("added"), T0)
    m.handle_notice(CallAnswered("c1", T0 + 1, "q", A, 0.0))
    assert m.handle_event(member("status", t=T0 + 5, status=8, in_call=True), T0)[0].new == "on_hold"
    assert m.handle_event(member("status", t=T0 + 9, status=2, in_call=True), T0)[0].new == "on_call"
    (change,) = m.handle_notice(ended("c1", T0 + 21, 20.0))
    assert (change.new, change.handled.talk, change.handled.hold) == ("available", 16, 4)


def test_outbound_unavailable_ringing_without_answer_and_logout():
    m = AgentStateMachine()
    m.handle_event(member("added"), T0)
    (out,) = m.handle_event(member("status", status=2), T0 + 1)
    assert (out.new, out.direction) == ("on_call", "outbound")
    assert m.handle_event(member("status", status=5), T0 + 2)[0].new == "unavailable"
    m.handle_event(member("status", status=1), T0 + 3)
    m.handle_notice(CallOffered("c1", T0 + 4, "q", A, "Ann", "", ""))
    assert m.handle_notice(OfferEnded("c1", T0 + 9, A, "noanswer"))[0].new == "available"
    (gone,) = m.handle_event(member("removed"), T0 + 10)
    assert (gone.new, gone.queues) == ("logged_out", frozenset())


def test_paused_only_when_paused_in_every_queue_and_resync_shows_a_running_call():
    m = AgentStateMachine()
    m.handle_event(member("added", "q1"), T0)
    m.handle_event(member("added", "q2"), T0)
    assert m.handle_event(member("pause", "q1", paused=True, reason="break"), T0 + 1) == []
    assert m.handle_event(member("pause", "q2", paused=True, reason="break"), T0 + 2)[0].reason == "break"
    fresh = AgentStateMachine()
    (change,) = fresh.handle_event(member("resync", status=2, in_call=True), T0)
    assert (change.new, change.direction) == ("on_call", "inbound")
    assert fresh.handle_event(member("status", status=1), T0 + 5)[0].new == "available"


# --- invariants over random sequences ---------------------------------------------------------

inputs = st.lists(st.one_of(
    st.tuples(st.just("member"), st.sampled_from(["added", "removed", "status", "pause", "resync"]),
              st.sampled_from(["q1", "q2"]), st.sampled_from([0, 1, 2, 5, 6, 8]), st.booleans(),
              st.booleans(), st.sampled_from([0, 4])),
    st.tuples(st.just("offer"), st.integers(0, 3)),
    st.tuples(st.just("unoffer"), st.integers(0, 3)),
    st.tuples(st.just("answer"), st.integers(0, 3)),
    st.tuples(st.just("end"), st.integers(0, 3), st.sampled_from([0.0, 3.0, 30.0])),
    st.tuples(st.just("tick"),),
), min_size=5, max_size=60)


@settings(max_examples=300, deadline=None)
@given(inputs, st.lists(st.sampled_from([0.0, 1.0, 2.5, 7.0]), min_size=60, max_size=60))
def test_changes_chain_and_every_ended_call_is_handled_once(steps, gaps):
    m, t, changes, answered, ended_calls = AgentStateMachine(wrapup={"q1": 6}), T0, [], set(), set()
    for step, gap in zip(steps, gaps):
        t += gap
        kind, key = step[0], f"c{step[1]}" if len(step) > 1 and isinstance(step[1], int) else ""
        if kind == "member":
            _, k, queue, status, paused, in_call, wrapup = step
            changes += m.handle_event(member(k, queue, t, status=status, paused=paused,
                                             reason="r" if paused else "", in_call=in_call, wrapup=wrapup), t)
        elif kind == "offer":
            changes += m.handle_notice(CallOffered(key, t, "q1", A, "Ann", "", ""))
        elif kind == "unoffer":
            changes += m.handle_notice(OfferEnded(key, t, A, "noanswer"))
        elif kind == "answer" and not answered and key not in ended_calls:  # one queue call at a time
            answered.add(key)
            changes += m.handle_notice(CallAnswered(key, t, "q1", A, 0.0))
        elif kind == "end" and key in answered:
            answered.discard(key)
            ended_calls.add(key)
            changes += m.handle_notice(ended(key, t, step[2], "q1"))
        elif kind == "tick":
            changes += m.tick(t)
    changes += m.tick(t + 100)
    previous, at = "logged_out", T0
    for change in changes:
        assert change.old == previous and change.at >= at
        assert (change.new == "paused") == bool(change.reason)
        assert (change.new in ("on_call", "on_hold")) == bool(change.direction)
        previous, at = change.new, change.at
    assert m.agents().get(A) is None or m.agents()[A].state == previous
    handled = [c.handled for c in changes if c.handled]
    assert sorted(h.call_key for h in handled) == sorted(ended_calls)
    for h in handled:
        assert h.talk >= 0 and h.hold >= 0 and 0 <= h.wrapup <= 6 + 1e-9
