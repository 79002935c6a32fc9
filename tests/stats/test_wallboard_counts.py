"""The wallboard's per-agent "Calls": an agent's call counts from its answer, so an agent in
wrap-up (or paused for after-call work) right after a call shows it, before AHT's "handled"."""
from __future__ import annotations

from ctiserver.acd.agentstate import AgentStateMachine
from ctiserver.acd.stats import QueueStats, StatsFeed
from ctiserver.calls.tracker import CallAnswered, CallCompleted, CallOffered, QueueCallerArrived

from tests.helpers.agentstate import A, T0, ended, member

B = "PJSIP/webrtc-1002"


def agent(feed: StatsFeed, interface: str, now: float) -> dict:
    return feed.stats.snapshot(now)["agents"][interface]


def test_a_call_counts_for_the_agent_who_answered_it_from_the_answer_through_wrap_up():
    feed = StatsFeed(QueueStats(), AgentStateMachine(wrapup={"q": 60}))
    feed.event(member("added"), T0)
    feed.event(member("added", interface=B), T0)
    feed.notice(QueueCallerArrived("c1", T0 + 1, "q", "+4930", ""))
    for interface in (A, B):
        feed.notice(CallOffered("c1", T0 + 2, "q", interface, "Ann", "", ""))
    feed.notice(CallAnswered("c1", T0 + 5, "q", B, 4.0))
    assert (agent(feed, B, T0 + 6)["state"], agent(feed, B, T0 + 6)["answered"]) == ("on_call", 1)
    feed.notice(CallCompleted("c1", T0 + 35, "q", B, 30.0, "agent"))
    feed.notice(ended("c1", T0 + 35, 30.0, interface=B))
    during = agent(feed, B, T0 + 40)
    assert (during["state"], during["answered"], during["handled"]) == ("wrapup", 1, 0)
    feed.tick(T0 + 100)
    after = agent(feed, B, T0 + 100)
    assert (after["state"], after["answered"], after["handled"]) == ("available", 1, 1)
    assert agent(feed, A, T0 + 100)["answered"] == 0  # rung, not answered


def test_answered_calls_start_again_each_day():
    feed = StatsFeed(QueueStats(), AgentStateMachine())
    feed.event(member("added"), T0)
    feed.notice(CallAnswered("c1", T0 + 5, "q", A, 4.0))
    assert agent(feed, A, T0 + 6)["answered"] == 1
    assert agent(feed, A, T0 + 86_400)["answered"] == 0
