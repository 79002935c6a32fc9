"""Simulated campaigns (a few simulated hours, seconds of CPU): the predictive controller keeps
the 3 % rule and beats the open-loop Erlang-B floor; progressive at ratio 1 never abandons."""
from __future__ import annotations

import pytest

from dialer.pacing import Mode, PacingController, PacingSettings, open_loop_busy_share
from dialer.simulation import Scenario, simulate

FLOOR = {10: 0.536, 50: 0.813}
"""Agents' busy share at 3 % loss, open loop (docs/telemarketing.md)."""


@pytest.mark.parametrize(("agents", "hours"), [(10, 2.0), (50, 1.0)])
def test_predictive_keeps_the_rule_above_the_floor(agents, hours):
    report = simulate(Scenario(agents, hours=hours, seed=7), PacingController())
    assert report.connected > 500
    assert all(w.rate <= 0.03 for w in report.windows), report.windows
    assert report.utilisation > FLOOR[agents] > open_loop_busy_share(agents) - 0.001
    assert report.utilisation > open_loop_busy_share(agents) + 0.1, report


def test_progressive_at_ratio_one_never_abandons():
    report = simulate(Scenario(10, hours=1.0, seed=3),
                      PacingController(PacingSettings(Mode.PROGRESSIVE, ratio=1.0)))
    assert report.answered > 100
    assert report.abandoned == 0
    assert report.connected == report.answered


def test_preview_never_abandons():
    report = simulate(Scenario(5, hours=0.5, seed=3, preview=True),
                      PacingController(PacingSettings(Mode.PREVIEW)))
    assert report.answered > 20
    assert report.abandoned == 0


def test_runs_are_deterministic():
    def run():
        return simulate(Scenario(10, hours=0.5, seed=11), PacingController())
    assert run() == run()

