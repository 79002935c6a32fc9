"""The pacing controller's decisions and running estimates, and the VICIdial baseline's level."""
from __future__ import annotations

import pytest

from dialer.adaptive import AdaptiveLevel, DropAction
from dialer.compliance import UK, US, WindowTally
from dialer.pacing import Forecast, Mode, PacingController, PacingSettings, Snapshot, risk


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
    assert pacer.horizons() == [5.0] * 6


def test_a_call_risks_a_drop_when_answers_catch_up_with_agents_then_or_later():
    safe = Forecast(answers=0.0, agents=3.0, variance=0.01, per_call=0.3)
    crowded = Forecast(answers=3.0, agents=3.0, variance=0.01, per_call=0.3)
    assert risk([safe, safe, safe], 0) < 1e-6
    assert risk([crowded, safe, safe], 0) == pytest.approx(0.5)  # answered early: caught up then
    assert risk([safe, crowded, safe], 0) == pytest.approx(1.0)  # early or late: caught up later
    assert risk([safe, safe, crowded], 0) == pytest.approx(1.0)  # by the latest answer time
    assert risk([safe, safe], 10) > risk([safe, safe], 0)  # the calls placed before it this tick count


def test_allowance_tightens_as_a_window_nears_its_target():
    pacer = PacingController()
    far_under = pacer.allowance((WindowTally(US.abandon, abandoned=2, connected=998),))
    near = pacer.allowance((WindowTally(US.abandon, abandoned=28, connected=972),))
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
