"""Erlang's formulas against the contact-center reference's figures, and the open-loop pacer."""
from __future__ import annotations

import pytest

from dialer.erlang import OpenLoopPacer, erlang_a, erlang_b, erlang_b_load, erlang_c, open_loop_busy_share
from dialer.pacing import Snapshot

LOAD = 100 / 1800 * 180
"""The reference's benchmark: 100 calls per 30 minutes, AHT 180 s."""


def test_erlang_c_matches_the_reference():
    figures = erlang_c(14, LOAD, 180.0, 20.0)
    assert round(figures.p_wait, 5) == 0.17413
    assert round(figures.service_level, 5) == 0.88835
    assert round(figures.asa, 2) == 7.84
    assert round(figures.occupancy, 3) == 0.714


@pytest.mark.parametrize(("agents", "abandon", "occupancy"), [(10, 0.109, 0.891), (12, 0.043, 0.798),
                                                              (14, 0.014, 0.704)])
def test_erlang_a_matches_the_reference(agents, abandon, occupancy):
    figures = erlang_a(agents, LOAD, 180.0, 300.0)
    assert round(figures.p_abandon, 3) == abandon
    assert round(figures.occupancy, 3) == occupancy


@pytest.mark.parametrize(("agents", "busy"), [(10, 0.536), (20, 0.679), (50, 0.813), (100, 0.881)])
def test_open_loop_floor_matches_the_reference(agents, busy):
    assert round(open_loop_busy_share(agents, 0.03), 3) == busy


def test_open_loop_pacer_places_the_rate_lost_at_the_target_whatever_the_agents_do():
    pacer = OpenLoopPacer.at_loss(20, 0.03, answer_share=0.3, handle=130.0)
    placed = sum(pacer.decide(Snapshot(ready=k % 3)) for k in range(10_000))
    answers_per_second = placed / 10_000 * 0.3
    assert erlang_b(20, answers_per_second * 130.0) == pytest.approx(0.03, rel=1e-3)
    assert erlang_b_load(20, 0.03) == pytest.approx(answers_per_second * 130.0, rel=1e-3)
