"""QueueStats, fed random notices and agent changes, against a brute-force recomputation of
every figure from the whole input list."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_core.values import CallRecord
from ctiserver.acd.agentstate import STATES, AgentChange, HandledCall
from ctiserver.calls.tracker import CallAnswered, CallEnded, QueueCallerArrived, QueueCallerDeparted
from ctiserver.acd.queue_log import EXIT_OUTCOMES
from ctiserver.acd.stats import QueueStats, QueueTargets
from ctiserver.acd.wallboard_levels import MIN_CALLS_TO_ALERT

QUEUES = ["q1", "q2", "q3"]
TARGETS = {"q1": QueueTargets(sl_threshold=10, short_abandon=3), "q2": QueueTargets()}
AGENTS = ["A", "B", "C", "D"]
T0 = 1_800_000_000.0
BUSY, STAFFED = {"on_call", "on_hold", "wrapup"}, {"on_call", "on_hold", "wrapup", "available", "ringing"}


def target(queue):
    return TARGETS.get(queue, QueueTargets())


# --- random input -----------------------------------------------------------------------------

waits = st.integers(0, 40).map(float)
steps = st.one_of(
    st.tuples(st.just("advance"), st.sampled_from([0.0, 0.5, 3.0, 40.0, 400.0, 3000.0, 30000.0])),
    st.tuples(st.just("arrive"), st.sampled_from(QUEUES)),
    st.tuples(st.just("answer"), st.integers(0, 9), waits),
    st.tuples(st.just("depart"), st.integers(0, 9), waits, st.sampled_from(EXIT_OUTCOMES)),
    st.tuples(st.just("agent"), st.sampled_from(AGENTS), st.sampled_from(STATES),
              st.frozensets(st.sampled_from(QUEUES)), st.sampled_from(["", "lunch", "break"]),
              st.none() | st.tuples(st.sampled_from(QUEUES), waits, waits, waits)),
)


@dataclass
class Scenario:
    inputs: list
    now: float


def build(raw_steps, end_gap) -> Scenario:
    t, waiting, inputs, states, serial = T0, [], [], {a: "logged_out" for a in AGENTS}, 0
    for step in raw_steps:
        kind = step[0]
        if kind == "advance":
            t += step[1]
        elif kind == "arrive":
            serial += 1
            key = f"c{serial}"
            waiting.append((key, step[1]))
            inputs.append(QueueCallerArrived(key, t, step[1], "", ""))
        elif kind in ("answer", "depart") and waiting:
            key, queue = waiting.pop(step[1] % len(waiting))
            if kind == "answer":
                inputs.append(CallAnswered(key, t, queue, "A", step[2]))
            else:
                inputs.append(QueueCallerDeparted(key, t, queue, step[3], step[2]))
            inputs.append(CallEnded(_record(key, queue, t), frozenset()))
        elif kind == "agent":
            _, agent, state, queues, reason, handled = step
            call = HandledCall("k", *handled) if handled else None
            inputs.append(AgentChange(agent, states[agent], state, t, agent.lower(),
                                      reason if state == "paused" else "", "", queues, call))
            states[agent] = state
    return Scenario(inputs, t + end_gap)


def _record(key, queue, t) -> CallRecord:
    at = datetime.fromtimestamp(t, timezone.utc)
    return CallRecord(key, key, key, "inbound", None, None, None, queue, None, at, None, at, 0.0, 0.0,
                      "answered", None, None, None)


def _time(item) -> float:
    return item.record.ended_at.timestamp() if isinstance(item, CallEnded) else item.at


# --- the oracle: every figure from the whole list ---------------------------------------------


def oracle_period(items, changes, segs, queue, start, now) -> dict:
    """Figures of ``queue`` (None: all) for inputs stamped in the period."""
    def mine(x):
        return queue is None or x.queue == queue

    arrived = [x for x in items if isinstance(x, QueueCallerArrived) and mine(x)]
    answered = [x for x in items if isinstance(x, CallAnswered) and mine(x)]
    departed = [x for x in items if isinstance(x, QueueCallerDeparted) and mine(x)]
    abandoned = [x for x in departed if x.outcome == "abandoned"]
    left = {outcome: sum(x.outcome == outcome for x in departed) for outcome in EXIT_OUTCOMES}
    a, lost = len(answered), len(departed)
    within = sum(x.wait <= target(x.queue).sl_threshold for x in answered)
    lost_within = sum(x.wait <= target(x.queue).sl_threshold for x in departed)
    short = sum(x.wait < target(x.queue).short_abandon for x in abandoned)
    handled = [c.handled for c in changes if c.handled and (queue is None or c.handled.queue == queue)]
    busy, staffed = occupancy_seconds(segs, queue, start, now)
    return {
        "offered": len(arrived), "answered": a, "answered_within": within,
        "abandoned": len(abandoned), "short_abandoned": short, "timed_out": left["timeout"],
        "exit_empty": left["exitempty"], "exit_key": left["exitwithkey"], "lost": lost,
        "lost_within": lost_within,
        "service_level": {
            "answered_only": ratio(within, a),
            "abandons_within_success": ratio(within + lost_within, a + lost),
            "all_abandons_fail": ratio(within, a + lost),
            "abandons_within_excluded": ratio(within, a + lost - lost_within),
        },
        "asa": ratio(sum(x.wait for x in answered), a),
        "abandon_rate": ratio(len(abandoned) - short, a + lost - short),
        **handling(handled),
        "occupancy": ratio(busy, staffed),
    }


def handling(handled) -> dict:
    n = len(handled)
    talk, hold, wrap = (sum(getattr(h, f) for h in handled) for f in ("talk", "hold", "wrapup"))
    return {"handled": n, "talk": talk, "hold": hold, "wrapup": wrap, "avg_talk": ratio(talk, n),
            "avg_hold": ratio(hold, n), "avg_wrapup": ratio(wrap, n), "aht": ratio(talk + hold + wrap, n)}


def ratio(a, b):
    return a / b if b > 0 else None


def segments(changes_all, now):
    """Per agent: (state, reason, queues, from, to) for every state interval."""
    out = []
    last = {}
    for c in changes_all:
        if c.interface in last:
            state, reason, queues, since = last[c.interface]
            out.append((c.interface, state, reason, queues, since, c.at))
        last[c.interface] = (c.new, c.reason, c.queues, c.at)
    for agent, (state, reason, queues, since) in last.items():
        out.append((agent, state, reason, queues, since, now))
    return out


def occupancy_seconds(segs, queue, start, now):
    busy = staffed = 0.0
    for _, state, _, queues, a, b in segs:
        overlap = max(0.0, min(b, now) - max(a, start))
        if queue is None or queue in queues:
            busy += overlap if state in BUSY else 0.0
            staffed += overlap if state in STAFFED else 0.0
    return busy, staffed



def day_start(t, hour):
    return (t - hour * 3600) // 86400 * 86400 + hour * 3600


def oracle(scenario: Scenario, hour: int) -> dict:
    now, inputs = scenario.now, scenario.inputs
    changes = [x for x in inputs if isinstance(x, AgentChange)]
    segs = segments(changes, now)
    starts = {"today": day_start(now, hour), "last15": now - 900, "last60": now - 3600}

    def within(x, name):
        return starts[name] <= _time(x) if name == "today" else starts[name] < _time(x)

    result = {}
    for queue in [*QUEUES, None]:
        result[queue] = {name: oracle_period([x for x in inputs if within(x, name)],
                                             [c for c in changes if within(c, name)], segs, queue, start, now)
                         for name, start in starts.items()}
    result["waiting"] = waiting_now(inputs, now)
    result["agents"] = agent_figures(changes, segs, starts["today"], now)
    return result


def waiting_now(inputs, now) -> dict:
    entered = {}
    for x in inputs:
        if isinstance(x, QueueCallerArrived):
            entered[x.call_key] = (x.queue, x.at)
        elif isinstance(x, (CallAnswered, QueueCallerDeparted)):
            entered.pop(x.call_key, None)
    out = {}
    for queue in [*QUEUES, None]:
        times = [at for q, at in entered.values() if queue is None or q == queue]
        out[queue] = (len(times), now - min(times) if times else 0.0)
    return out


def agent_figures(changes, segs, start, now) -> dict:
    figures = {}
    for agent in {c.interface for c in changes}:
        seconds, pause = defaultdict(float), defaultdict(float)
        for who, state, reason, _, a, b in segs:
            overlap = max(0.0, b - max(a, start))
            if who == agent and b >= start:
                seconds[state] += overlap
                if state == "paused":
                    pause[reason] += overlap
        handled = [c.handled for c in changes if c.interface == agent and c.handled and c.at >= start]
        figures[agent] = {"seconds": seconds, "pause": pause, **handling(handled)}
    return figures


# --- the comparison ------------------------------------------------------------------------


def assert_close(actual, expected, where):
    if isinstance(expected, dict):
        for key, value in expected.items():
            assert_close(actual[key], value, f"{where}.{key}")
    elif expected is None:
        assert actual is None, where
    else:
        assert actual == pytest.approx(expected, rel=1e-9, abs=1e-6), where


@settings(max_examples=300, deadline=None)
@given(st.lists(steps, min_size=20, max_size=120), st.sampled_from([0.0, 1.0, 500.0, 4000.0]), st.integers(0, 23),
       st.lists(st.integers(0, 79), max_size=4))
def test_every_figure_equals_brute_force(raw, end_gap, hour, peeks):
    scenario = build(raw, end_gap)
    stats = QueueStats(TARGETS, day_start_hour=hour)
    for i, item in enumerate(scenario.inputs):
        if isinstance(item, AgentChange):
            stats.handle_change(item)
        else:
            stats.handle_notice(item)
        if i in peeks:
            stats.snapshot(_time(item))  # snapshots in between change nothing
    snap = stats.snapshot(scenario.now)
    expected = oracle(scenario, hour)
    for queue in [*QUEUES, None]:
        tile = snap["all"] if queue is None else snap["queues"].get(queue)
        if tile is None:
            assert expected[queue]["today"]["offered"] == 0 and queue not in TARGETS
            continue
        for period in ("today", "last15", "last60"):
            assert_close(tile[period], expected[queue][period], f"{queue}.{period}")
        assert (tile["waiting"], tile["longest_wait"]) == pytest.approx(expected["waiting"][queue])
    for agent, figures in expected["agents"].items():
        ours = snap["agents"][agent]
        for key, name in (("seconds", "state_seconds"), ("pause", "pause_seconds")):
            theirs = nonzero(figures.pop(key))
            assert nonzero(ours[name]).keys() == theirs.keys(), agent
            assert_close(ours[name], theirs, agent)
        assert_close(ours, figures, agent)


def nonzero(seconds: dict) -> dict:
    return {k: v for k, v in seconds.items() if abs(v) > 1e-6}


def test_agents_by_state_counts_members_once_per_queue():
    stats = QueueStats()
    stats.handle_change(AgentChange("A", "logged_out", "available", T0, queues=frozenset({"q1", "q2"})))
    stats.handle_change(AgentChange("B", "logged_out", "paused", T0, reason="lunch", queues=frozenset({"q1"})))
    stats.handle_change(AgentChange("A", "available", "on_call", T0 + 5, direction="inbound",
                                    queues=frozenset({"q1", "q2"})))
    snap = stats.snapshot(T0 + 10)
    assert snap["queues"]["q1"]["agents_by_state"] == {"on_call": 1, "paused": 1}
    assert snap["queues"]["q2"]["agents_by_state"] == {"on_call": 1}
    assert snap["all"]["agents_by_state"] == {"on_call": 1, "paused": 1}
    assert snap["agents"]["B"]["pause_seconds"] == {"lunch": 10}
    assert snap["queues"]["q1"]["today"]["occupancy"] == pytest.approx(5 / 10)


def test_alerts_name_the_missed_target():
    stats = QueueStats({"q": QueueTargets(max_wait_alert=30, sl_target=0.9)})
    late = MIN_CALLS_TO_ALERT - 1  # answered late, then one caller still waiting
    for n in range(late):
        stats.handle_notice(QueueCallerArrived(f"c{n}", T0, "q", "", ""))
    for n in range(late):
        stats.handle_notice(CallAnswered(f"c{n}", T0 + 25, "q", "A", 25.0))
    stats.handle_notice(QueueCallerArrived("w", T0 + 26, "q", "", ""))
    tile = stats.snapshot(T0 + 60)["queues"]["q"]
    assert tile["longest_wait"] == 34
    assert {a["metric"] for a in tile["alerts"]} == {"longest_wait", "service_level"}
    assert tile["today"]["service_level"]["abandons_within_excluded"] == 0.0
