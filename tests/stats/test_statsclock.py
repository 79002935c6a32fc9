"""The statistics day in a time zone with DST, and step integrals over a sliding horizon."""
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from ctiserver.acd.statsclock import DayClock, StepIntegral

BERLIN = ZoneInfo("Europe/Berlin")


def local(*args) -> float:
    return datetime(*args, tzinfo=BERLIN).timestamp()


@pytest.mark.parametrize("t, start, hours", [
    (local(2026, 3, 29, 12), local(2026, 3, 29, 6), 24),
    (local(2026, 3, 29, 5, 59), local(2026, 3, 28, 6), 23),  # the night the clocks go forward
    (local(2026, 10, 25, 3), local(2026, 10, 24, 6), 25),
])
def test_day_starts_at_the_local_hour_across_dst(t, start, hours):
    day = DayClock(6, "Europe/Berlin")
    day.move_to(t)
    assert day.start == start and day.contains(t)
    assert day.end - day.start == hours * 3600


def test_step_integral_reads_back_within_the_horizon():
    integral = StepIntegral(horizon=100)
    for t, level in [(0, 2), (10, 0), (20, 3), (500, 1)]:
        integral.set(t, level)
    assert integral.at(500) == 2 * 10 + 3 * 480
    assert integral.at(500) - integral.at(450) == 150
    assert integral.at(600) - integral.at(500) == 100
