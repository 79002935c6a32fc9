"""The wallboard's alerts and colours (ctiserver.acd.wallboard_levels): a figure at its target
is met, one over it (as the wallboard shows it) is missed and alerted."""
from __future__ import annotations

import pytest

from ctiserver.acd.stats import DEFAULT_SL_VARIANT, QueueStats, QueueTargets
from ctiserver.acd.wallboard_levels import MIN_CALLS_TO_ALERT, alerts, level
from ctiserver.calls.tracker import CallAnswered, QueueCallerArrived

T0 = 1_800_000_000.0
TARGETS = QueueTargets(sl_threshold=30, max_wait_alert=60, sl_target=0.8, asa_target=30, abandon_rate_target=0.05)


def today(asa=None, service_level=None, abandon_rate=None, offered=MIN_CALLS_TO_ALERT) -> dict:
    return {"offered": offered, "asa": asa, "abandon_rate": abandon_rate,
            "service_level": {DEFAULT_SL_VARIANT: service_level}}


def missed(longest=0.0, **figures) -> list[str]:
    return [a["metric"] for a in alerts(longest, today(**figures), DEFAULT_SL_VARIANT, TARGETS)]


@pytest.mark.parametrize("figure, at_target, shown_at_target, over", [
    ("asa", 30.0, 30.9, 31.0),                   # 30.9 s reads 0:30: at the target
    ("abandon_rate", 0.05, 0.0504, 0.0506),      # 5.04 % reads 5.0 %, 5.06 % reads 5.1 %
    ("longest", 60.0, 60.5, 61.0),
])
def test_a_maximum_is_alerted_only_above_its_target_as_shown(figure, at_target, shown_at_target, over):
    metric = "longest_wait" if figure == "longest" else figure
    assert missed(**{figure: at_target}) == []
    assert missed(**{figure: shown_at_target}) == []
    assert missed(**{figure: over}) == [metric]


def test_the_service_level_is_alerted_only_below_its_target_as_shown():
    assert missed(service_level=0.8) == []
    assert missed(service_level=0.7996) == []  # reads 80.0 %
    assert missed(service_level=0.799) == ["service_level"]


def test_a_day_of_few_calls_alerts_only_a_long_wait():
    assert missed(service_level=0.75, offered=MIN_CALLS_TO_ALERT - 1) == []
    assert missed(longest=61.0, asa=40.0, offered=1) == ["longest_wait"]


def test_an_alert_carries_the_value_and_the_target():
    (alert,) = alerts(0.0, today(asa=31.5), DEFAULT_SL_VARIANT, TARGETS)
    assert alert == {"metric": "asa", "value": 31.5, "target": 30}


def test_colours_met_close_and_missed():
    assert [level("asa", v, TARGETS) for v in (23.9, 24.0, 30.9, 31.0)] == ["good", "warn", "warn", "bad"]
    assert [level("service_level", v, TARGETS) for v in (0.85, 0.849, 0.8, 0.799)] == ["good", "warn", "warn", "bad"]
    assert [level("longest_wait", v, TARGETS) for v in (29.9, 30.0, 60.0, 61.0)] == ["good", "warn", "warn", "bad"]
    assert level("service_level", 1.0, QueueTargets(sl_target=0.98)) == "good"
    assert level("asa", None, TARGETS) is None  # no call yet


def test_a_queue_at_its_asa_target_is_not_alerted_and_its_tile_says_how_it_stands():
    stats = QueueStats({"q": TARGETS})
    stats.handle_notice(QueueCallerArrived("c1", T0, "q", "", ""))
    stats.handle_notice(CallAnswered("c1", T0 + 30, "q", "PJSIP/1001", 30.0))
    tile = stats.snapshot(T0 + 31)["queues"]["q"]
    assert tile["alerts"] == []
    assert tile["today"]["levels"] == {"asa": "warn", "service_level": "good", "abandon_rate": "good"}
    assert tile["wait_level"] == "good"
