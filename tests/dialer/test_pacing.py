"""The pacing controller's decisions (calls to place, ringing calls to hang up) and running
estimates, and the VICIdial baseline's level."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dialer.adaptive import AdaptiveLevel, DropAction
from dialer.compliance import UK, US, WindowTally
from dialer.pacing import (
    Ending, Forecast, Mode, PacingController, PacingSettings, RingTimes, Snapshot, risk,
)


def test_progressive_dials_free_agents_times_ratio_less_calls_in_flight():
    now = Snapshot(ready=3, talking=(10.0,), ringing=(2.0,))
    assert PacingController(PacingSettings(Mode.PROGRESSIVE)).decide(now) == 2
    assert PacingController(PacingSettings(Mode.PROGRESSIVE, ratio=2.0)).decide(now) == 5
    assert PacingController(PacingSettings(Mode.PROGRESSIVE)).decide(Snapshot(ready=0, ringing=(1.0,))) == 0


def test_preview_places_what_agents_asked_for():
    assert PacingController(PacingSettings(Mode.PREVIEW)).decide(Snapshot(ready=5, previews=2)) == 2


def test_predictive_overdials_free_agents_but_not_busy_ones():
    pacer = PacingController()
    idle = pacer.decide(Snapshot(ready=10))
    assert 10 < idle <= 10 / pacer.human_rate()
    assert pacer.decide(Snapshot(ready=0, talking=(1.0,) * 10)) == 0


def test_predictive_counts_agents_about_to_finish():
    pacer = PacingController()
    for _ in range(400):
        pacer.call_finished(talk=90.0, wrap=30.0)
    just_started = pacer.decide(Snapshot(ready=0, wrapping=(0.0,) * 10))
    nearly_done = pacer.decide(Snapshot(ready=0, wrapping=(29.0,) * 10))
    assert just_started < nearly_done


def test_predictive_counts_calls_in_flight():
    pacer = PacingController()
    assert pacer.decide(Snapshot(ready=5, ringing=(3.0,) * 20)) < pacer.decide(Snapshot(ready=5))


def test_estimates_follow_reported_outcomes():
    pacer = PacingController(PacingSettings(samples=200))
    for k in range(200):
        pacer.attempt_ended(5.0 if k % 2 else 20.0, human=bool(k % 2))
    assert pacer.human_rate() == pytest.approx(0.5)
    assert pacer.horizons() == [1.0, 2.0, 3.0, 4.0, 5.0], "a second apart, to the latest answer"


def test_calls_hung_up_while_ringing_are_not_counted_as_unanswered():
    rings = RingTimes([(20.0, Ending.HUMAN)] * 30 + [(20.0, Ending.OTHER)] * 20
                      + [(15.0, Ending.HUNG_UP)] * 50, keep=100)
    assert rings.human_rate() == pytest.approx(0.6)
    assert rings.answered_between(15.0, 25.0) == pytest.approx(0.6)
    assert rings.answered_between(0.0, 15.0) == 0.0
    assert rings.latest_answer() == 20.0


def test_a_call_risks_a_drop_when_answers_catch_up_with_agents_then_or_later():
    safe = Forecast(answers=0.0, agents=3.0, variance=0.01)
    crowded = Forecast(answers=3.0, agents=3.0, variance=0.01)
    evenly = [0.1, 0.2, 0.3]  # answered by each horizon
    assert risk([safe, safe, safe], evenly) < 1e-6
    assert risk([crowded, safe, safe], evenly) == pytest.approx(1 / 3)  # answered early: caught up then
    assert risk([safe, crowded, safe], evenly) == pytest.approx(2 / 3)  # early or then: caught up later
    assert risk([safe, safe, crowded], [0.0, 0.0, 0.3]) == pytest.approx(1.0)
    assert risk([crowded, safe, safe], [0.0, 0.3, 0.3]) < 1e-6  # never answered then
    assert risk([safe.plus(0.3)] * 10 + [safe], [0.3] * 11) > risk([safe], [0.3])


def test_allowance_tightens_as_a_window_nears_its_target():
    pacer = PacingController()
    far_under = pacer.allowance((WindowTally(US.abandon, abandoned=2, connected=998),))
    near = pacer.allowance((WindowTally(US.abandon, abandoned=30, connected=970),))
    uk_over = pacer.allowance((WindowTally(US.abandon, abandoned=2, connected=998),
                               WindowTally(UK.abandon, abandoned=8, connected=200)))
    assert far_under > pacer.allowance(()) > near
    assert uk_over < near  # the worst window rules


def test_drops_reported_tighten_the_allowance():
    pacer = PacingController()
    before = pacer.allowance(())
    pacer.answer_handled(abandoned=True)
    assert pacer.allowance(()) < before
    for _ in range(100):
        pacer.answer_handled(abandoned=False)
    assert pacer.allowance(()) > before


def adapt(pacer: AdaptiveLevel, now: Snapshot) -> None:
    for _ in range(15):
        pacer.decide(now)


def test_vicidial_level_rises_with_idle_agents_and_falls_on_drops():
    pacer = AdaptiveLevel()
    adapt(pacer, Snapshot(ready=5, talking=(1.0,) * 5))
    assert pacer.level == pytest.approx(1.5)
    assert pacer.decide(Snapshot(ready=5, talking=(1.0,) * 5, ringing=(1.0,) * 3)) == 15 - 8
    pacer.answer_handled(abandoned=True)
    adapt(pacer, Snapshot(ready=5, talking=(1.0,) * 5))
    assert pacer.level == 1.0
    halving = AdaptiveLevel(on_drops=DropAction.AVERAGE)
    adapt(halving, Snapshot(ready=10))
    halving.answer_handled(abandoned=True)
    adapt(halving, Snapshot(ready=0, talking=(1.0,) * 10))
    assert halving.level == pytest.approx(1.0)


def test_calls_rung_15_s_are_hung_up_when_no_agent_will_take_their_answers():
    pacer = PacingController()
    for _ in range(400):
        pacer.attempt_ended(20.0, human=True)
    busy = Snapshot(ready=0, talking=(1.0,) * 5, ringing=(16.0, 14.0, 18.0))
    assert pacer.hang_up(busy) == (0, 2), "rung 15 s or more; 14 s is not yet"
    assert pacer.hang_up(Snapshot(ready=5, ringing=(16.0, 14.0, 18.0))) == ()
    for mode in (Mode.PROGRESSIVE, Mode.PREVIEW):
        assert PacingController(PacingSettings(mode)).hang_up(busy) == ()
    assert PacingController(PacingSettings(hang_up_after=None)).hang_up(busy) == ()


def test_no_call_is_hung_up_before_15_s():
    with pytest.raises(ValueError):
        PacingSettings(hang_up_after=14.0)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(ready=st.integers(0, 5), talking=st.lists(st.floats(0, 600), max_size=20),
       wrapping=st.lists(st.floats(0, 20), max_size=5),
       ringing=st.lists(st.floats(0, 40), max_size=40), waiting=st.integers(0, 3),
       hang_up_after=st.sampled_from([15.0, 18.0, 25.0]))
def test_the_pacer_never_hangs_up_a_call_rung_under_its_minimum(
        ready, talking, wrapping, ringing, waiting, hang_up_after):
    pacer = PacingController(PacingSettings(hang_up_after=hang_up_after))
    now = Snapshot(ready, tuple(talking), tuple(wrapping), tuple(ringing), waiting)
    picked = pacer.hang_up(now)
    assert len(set(picked)) == len(picked)
    assert all(ringing[i] >= hang_up_after >= 15.0 for i in picked)
