"""Simulated campaigns (a few simulated hours, seconds of CPU): the predictive controller keeps
the 3 % rule in its rule sets' windows (a run shorter than a day is one window of each) and
beats the open-loop Erlang-B floor, whatever the seed and team size;
it hangs up ringing calls only once they have rung 15 s; progressive at ratio 1 and preview
never abandon; every call is accounted for; the engine's
inbound queue meets Erlang C and A."""
from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dialer.erlang import erlang_a, erlang_c, open_loop_busy_share
from dialer.pacing import Mode, PacingController, PacingSettings
from dialer.simulation import HOUR, Counts, Inbound, Report, Scenario, inbound, simulate

from tests.helpers.outbound import HangUpWatch


@pytest.mark.parametrize(("agents", "hours", "lead"), [(10, 2.0, 0.1), (50, 1.0, 0.0)])
def test_predictive_keeps_the_rule_above_the_floor(agents, hours, lead):
    """(A one-hour run of 50 agents is mostly the ramp from the first calls.)"""
    report = simulate(Scenario(agents, hours=hours, seed=7), PacingController())
    assert report.counts.connected > 400
    assert all(w.rate <= 0.03 for w in report.windows), report.windows
    assert report.occupancy > open_loop_busy_share(agents) + lead, report.occupancy
    assert report.inconsistencies() == []


@settings(max_examples=12, deadline=None, derandomize=True)
@given(agents=st.sampled_from([5, 10, 20]), seed=st.integers(0, 10_000))
def test_short_campaigns_keep_the_abandon_cap_whatever_the_seed(agents, seed):
    """One or two hours (200 to 550 answers): the first minutes weigh most, when few answers
    are counted."""
    hours = {5: 2.0, 10: 1.0, 20: 1.0}[agents]
    report = simulate(Scenario(agents, hours=hours, seed=seed), PacingController())
    assert report.counts.connected > 100
    assert all(w.rate <= 0.03 for w in report.windows), (report.counts, report.windows)


def test_the_simulated_pacer_hangs_up_ringing_calls_only_after_15_s():
    pacer = HangUpWatch()
    report = simulate(Scenario(5, hours=1.0, seed=3), pacer)
    assert report.counts.hung_up == len(pacer.hung_up) > 10
    assert min(pacer.hung_up) >= 15.0
    assert report.inconsistencies() == []


def test_progressive_at_ratio_one_never_abandons():
    report = simulate(Scenario(10, hours=1.0, seed=3),
                      PacingController(PacingSettings(Mode.PROGRESSIVE, ratio=1.0)))
    assert report.counts.answered > 100
    assert report.counts.abandoned == 0
    assert report.inconsistencies() == []


def test_preview_never_abandons():
    report = simulate(Scenario(5, hours=0.5, seed=3, preview=True),
                      PacingController(PacingSettings(Mode.PREVIEW)))
    assert report.counts.answered > 20
    assert report.counts.abandoned == 0


def test_runs_are_deterministic():
    def run():
        return simulate(Scenario(10, hours=0.5, seed=11), PacingController())
    assert run() == run()


def test_worst_rolling_window_finds_the_densest_hour_of_drops():
    calls = [(60.0 * k, k in (70, 80, 90)) for k in range(1, 180)]  # one answer a minute, 3 h
    report = Report(1, 3 * HOUR, Counts(), 0, 0, 0, 0.0, (), (), tuple(calls))
    assert report.worst_rolling(HOUR) == pytest.approx(3 / 60)
    assert report.worst_rolling(10 * HOUR) == pytest.approx(3 / 179)  # longer than the run


def test_inbound_queue_meets_erlang_c_and_a():
    load = 200 / HOUR * 180
    c = inbound(Inbound(14, 200, 180.0, math.inf, hours=1500, seed=5))
    exact = erlang_c(14, load, 180.0, 20.0)
    assert sum(w <= 20 for w in c.answer_waits) / len(c.answer_waits) == pytest.approx(exact.service_level, rel=0.01)
    assert c.occupancy == pytest.approx(exact.occupancy, rel=0.01)
    a = inbound(Inbound(10, 200, 180.0, 300.0, hours=1500, seed=5))
    assert a.counts.abandoned / (a.counts.abandoned + a.counts.connected) == pytest.approx(
        erlang_a(10, load, 180.0, 300.0).p_abandon, rel=0.05)
    assert c.inconsistencies() == a.inconsistencies() == []
