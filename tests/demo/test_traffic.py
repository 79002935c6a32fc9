"""The demo's traffic sizing (Erlang C and A from dialer.erlang, checked there against the
reference): the rate found for a service level, and the demo's plan on its agents: normal
traffic meets the targets, a burst overloads them for a while, and the whole, simulated for a
working day, still shows a healthy call center."""
from __future__ import annotations

import random

import pytest

from asterisk_conf.traffic import Handling, plan_traffic, sized_rate
from callcenter.demo import CALL_SHARES, DEMO_AGENTS, RING_SECONDS, TALK_SECONDS

from dialer.erlang import erlang_a, erlang_c

from tests.helpers.queuesim import simulate

BENCHMARK_RATE = 100 / 1800  # 100 calls per 30 minutes
BENCHMARK_AHT = 180.0
DEMO_HANDLING = Handling(ring=RING_SECONDS, talk=TALK_SECONDS, wrapup=5)
"""As the demo's queues are defined (callcenter.demo.define_demo_queues)."""


def demo_plan():
    return plan_traffic(len(DEMO_AGENTS), CALL_SHARES, DEMO_HANDLING, threshold=20, sl_target=0.8)


def test_overload_has_no_service_level() -> None:
    overloaded = erlang_c(4, 4.0, 30, 20)
    assert overloaded.p_wait == 1 and overloaded.service_level == 0


def test_the_sized_rate_is_the_benchmark_traffic_for_its_service_level() -> None:
    rate = sized_rate(14, BENCHMARK_AHT, 20, 0.88835)
    assert rate == pytest.approx(BENCHMARK_RATE, rel=1e-3)


def test_the_demo_plan_meets_the_target_with_headroom_on_its_agents() -> None:
    plan, agents = demo_plan(), len(DEMO_AGENTS)
    rate, handle = sum(plan.rates.values()), DEMO_HANDLING.mean
    assert erlang_c(agents, rate * handle, handle, 20).service_level == pytest.approx(0.92, abs=1e-6)
    assert plan.rates["support"] / plan.rates["sales"] == pytest.approx(CALL_SHARES["support"] / CALL_SHARES["sales"])
    normal = erlang_a(agents, rate * handle, handle, plan.patience)
    assert normal.p_abandon < 0.03 and 0.5 < normal.occupancy < 0.8  # busy, not swamped
    # a burst brings more calls than the agents can take while it lasts
    assert plan.burst_calls * handle / plan.burst_length > agents


def test_bursts_take_turns_and_pass() -> None:
    plan = demo_plan()
    starts = [plan.burst_every * k for k in range(1, 5)]
    assert [plan.burst_queue(t + 1) for t in starts] == ["support", "sales", "support", "sales"]
    assert plan.burst_queue(0) is None and plan.burst_queue(starts[0] - 1) is None
    assert plan.burst_queue(starts[0] + plan.burst_length) is None


def test_arrivals_follow_the_rates_and_the_bursts() -> None:
    plan, seconds = demo_plan(), 40 * 3600
    counted = {(queue, burst): 0 for queue in plan.rates for burst in (True, False)}
    arrivals = plan.arrivals(random.Random(3))
    last = 0.0
    for t, queue in arrivals:
        assert t >= last
        if t >= seconds:
            break
        counted[queue, plan.burst_queue(t) == queue] += 1
        last = t
    bursts = seconds / plan.burst_every / len(plan.rates)
    for queue, rate in plan.rates.items():
        normal = rate * seconds
        assert counted[queue, False] + counted[queue, True] == pytest.approx(
            normal + bursts * plan.burst_calls, rel=0.03)
        assert counted[queue, True] == pytest.approx(
            bursts * (plan.burst_calls + rate * plan.burst_length), rel=0.05)


def test_a_simulated_day_of_the_demo_looks_healthy() -> None:
    """Eight hours on the demo's agents, bursts included, counted as the wallboard counts:
    every queue meets its 80 % in 20 s and stays under the 5 % abandon-rate target, while
    most bursts turn the longest wait amber (half the 45 s alert) and then pass."""
    plan, seconds = demo_plan(), 8 * 3600
    day = simulate(plan, len(DEMO_AGENTS), seconds, seed=7)
    for queue, tally in day.items():
        assert tally.service_level() >= 0.8, queue
        assert 0 < tally.abandon_rate() <= 0.05, queue
    assert 0.5 < day["all"].busy / (len(DEMO_AGENTS) * seconds) < 0.8
    starts = [plan.burst_every * k for k in range(1, int(seconds / plan.burst_every))]
    peaks = [day[plan.burst_queue(t)].longest_wait(t, t + plan.burst_length) for t in starts]
    assert sum(peak >= 22.5 for peak in peaks) >= 0.6 * len(starts), peaks
    during = late_share(day["all"], [(t, t + plan.burst_length) for t in starts])
    after = late_share(day["all"], [(t + 180, t + 300) for t in starts])
    assert during > 0.3 and after < 0.15, (during, after)  # and 3 minutes later it is over


def late_share(tally, windows: list[tuple[float, float]]) -> float:
    """The share of callers arrived in the windows who waited over 20 s."""
    waits = [w for t, w in tally.waits if any(start <= t < end for start, end in windows)]
    return sum(w > 20 for w in waits) / len(waits)
