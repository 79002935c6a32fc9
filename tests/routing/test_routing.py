"""Routing decisions (pure): business hours across DST, holidays, overflow, VIP priority."""
from __future__ import annotations

import math
from datetime import UTC, date, datetime

import pytest

from ctiserver.acd.routing import (
    DEFAULT_AHT, VIP_PRIORITY, Decision, LiveFigures, QueueRule, holidays_for, is_open, route,
    validate_hours,
)

WEEKDAYS = {d: [["08:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}
BERLIN = QueueRule("support", hours=WEEKDAYS, timezone="Europe/Berlin")
QUIET = LiveFigures(waiting=0, available=3, busy=1, aht=120)


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def decide(rule: QueueRule, now: datetime, *, vip: bool = False, live: LiveFigures | None = QUIET,
           rules: dict[str, QueueRule] | None = None) -> Decision:
    return route(rule, now, vip=vip, live=live, rules=rules or {})


@pytest.mark.parametrize(("now", "open_"), [
    (at(2026, 3, 27, 6, 59), False),  # Fri 07:59 CET
    (at(2026, 3, 27, 7, 0), True),    # Fri 08:00 CET: the start is inside
    (at(2026, 3, 27, 16, 59), True),  # Fri 17:59 CET
    (at(2026, 3, 27, 17, 0), False),  # Fri 18:00 CET: the end is outside
    (at(2026, 3, 28, 10, 0), False),  # Saturday
])
def test_business_hours_in_the_queues_time_zone(now: datetime, open_: bool) -> None:
    assert decide(BERLIN, now).closed is not open_


def test_spring_forward_moves_the_opening_by_an_hour_in_utc() -> None:
    """Berlin springs forward on Sunday 2026-03-29; Monday opens at 08:00 CEST = 06:00 UTC."""
    assert decide(BERLIN, at(2026, 3, 30, 6, 0)).closed is False
    assert decide(BERLIN, at(2026, 3, 30, 5, 59)).closed is True
    assert decide(BERLIN, at(2026, 3, 30, 15, 59)).closed is False  # 17:59 CEST
    assert decide(BERLIN, at(2026, 3, 30, 16, 0)).closed is True


def test_fall_back_moves_it_back() -> None:
    """Berlin falls back on Sunday 2026-10-25; Monday opens at 08:00 CET = 07:00 UTC."""
    assert decide(BERLIN, at(2026, 10, 26, 6, 59)).closed is True
    assert decide(BERLIN, at(2026, 10, 26, 7, 0)).closed is False


def test_hours_through_the_skipped_and_the_repeated_hour() -> None:
    night = QueueRule("night", hours={"sun": [["02:00", "03:00"]]}, timezone="Europe/Berlin")
    # 2026-03-29 02:00-03:00 local does not exist: 00:59 UTC is 01:59 CET, 01:00 UTC 03:00 CEST.
    assert decide(night, at(2026, 3, 29, 0, 59)).closed is True
    assert decide(night, at(2026, 3, 29, 1, 0)).closed is True
    # 2026-10-25 02:00-03:00 local happens twice: open both times.
    assert decide(night, at(2026, 10, 25, 0, 30)).closed is False  # 02:30 CEST
    assert decide(night, at(2026, 10, 25, 1, 30)).closed is False  # 02:30 CET
    assert decide(night, at(2026, 10, 25, 2, 0)).closed is True    # 03:00 CET


def test_overnight_range_and_end_of_day() -> None:
    hours = {"fri": [["22:00", "06:00"]], "sat": [["10:00", "24:00"]]}
    rule = QueueRule("late", hours=hours)
    assert decide(rule, at(2026, 3, 27, 23, 0)).closed is False   # Fri 23:00
    assert decide(rule, at(2026, 3, 28, 5, 59)).closed is False   # Sat 05:59, Friday's range
    assert decide(rule, at(2026, 3, 28, 6, 0)).closed is True
    assert decide(rule, at(2026, 3, 28, 23, 59, 59)).closed is False
    assert decide(rule, at(2026, 3, 29, 0, 0)).closed is True      # Sunday


def test_no_schedule_is_always_open_and_an_empty_one_never() -> None:
    assert decide(QueueRule("q"), at(2026, 3, 28, 3, 0)).closed is False
    assert decide(QueueRule("q", hours={}), at(2026, 3, 27, 12, 0)).reason == "hours"


def test_holidays_close_all_day_in_local_time() -> None:
    rule = QueueRule("support", hours=WEEKDAYS, timezone="Europe/Berlin",
                     holidays=frozenset({date(2026, 12, 25)}), closed_action="voicemail_ticket")
    closed = decide(rule, at(2026, 12, 25, 10, 0), vip=True)
    assert (closed.closed, closed.reason, closed.closed_action) == (True, "holiday", "voicemail_ticket")
    assert closed.priority == VIP_PRIORITY
    # 23:30 UTC on the 24th is already the 25th in Berlin; 23:30 UTC on the 25th is the 26th.
    assert decide(rule, at(2026, 12, 24, 23, 30)).reason == "holiday"
    assert decide(rule, at(2026, 12, 25, 23, 30)).reason == "hours"
    assert decide(rule, at(2026, 12, 24, 12, 0)).closed is False


def test_holidays_for_a_queue_include_the_global_ones() -> None:
    days = [(None, date(2026, 1, 1)), (7, date(2026, 5, 1)), (8, date(2026, 6, 1))]
    assert holidays_for(7, days) == {date(2026, 1, 1), date(2026, 5, 1)}


def test_naive_time_is_refused() -> None:
    with pytest.raises(ValueError):
        decide(BERLIN, datetime(2026, 3, 27, 12, 0))


def test_backlog_estimate() -> None:
    assert LiveFigures(waiting=2, available=3, busy=0, aht=100).estimated_wait() == 0
    # 5 waiting + the new caller, 1 idle agent takes one: 5 ahead, 4 agents, 100 s each.
    assert LiveFigures(waiting=5, available=1, busy=3, aht=100).estimated_wait() == 125
    assert LiveFigures(waiting=1, available=0, busy=2).estimated_wait() == 2 * DEFAULT_AHT / 2
    assert LiveFigures(waiting=0, available=0, busy=0).estimated_wait() == math.inf
    assert LiveFigures(waiting=3, available=2).callers_per_agent() == 2
    assert LiveFigures(waiting=3, available=0).callers_per_agent() == math.inf


def test_overflow_on_estimated_wait() -> None:
    rule = QueueRule("support", overflow_queue="backup", overflow_max_wait=60, max_wait=300)
    rules = {"backup": QueueRule("backup", max_wait=90)}
    busy = LiveFigures(waiting=4, available=0, busy=2, aht=60)  # 5 ahead * 60 / 2 = 150 s
    moved = decide(rule, at(2026, 3, 27, 12, 0), live=busy, rules=rules, vip=True)
    assert moved == Decision("backup", VIP_PRIORITY, timeout=90, reason="overflow-wait")
    calm = LiveFigures(waiting=0, available=0, busy=2, aht=60)  # 1 * 60 / 2 = 30 s
    assert decide(rule, at(2026, 3, 27, 12, 0), live=calm, rules=rules) == Decision(
        "support", 0, timeout=300)


def test_overflow_on_callers_per_available_agent() -> None:
    rule = QueueRule("support", overflow_queue="backup", overflow_max_ratio=2)
    now = at(2026, 3, 27, 12, 0)
    assert decide(rule, now, live=LiveFigures(waiting=1, available=1)).queue == "support"
    moved = decide(rule, now, live=LiveFigures(waiting=2, available=1))
    assert (moved.queue, moved.reason, moved.timeout) == ("backup", "overflow-ratio", None)


def test_no_overflow_without_target_or_figures_or_when_closed() -> None:
    now = at(2026, 3, 27, 12, 0)
    jammed = LiveFigures(waiting=50, available=0)
    assert decide(QueueRule("q", overflow_max_ratio=1), now, live=jammed).queue == "q"
    rule = QueueRule("q", overflow_queue="b", overflow_max_ratio=1)
    assert decide(rule, now, live=None).queue == "q"
    closed = QueueRule("q", overflow_queue="b", overflow_max_ratio=1, hours={})
    assert decide(closed, now, live=jammed).queue == "q"


def test_channel_variables() -> None:
    open_ = Decision("support", 10, timeout=120).variables()
    assert open_ == {"CC_QUEUE": "support", "QUEUE_PRIO": "10", "CC_ROUTE_REASON": "open",
                     "CC_CLOSED_ACTION": "", "CC_QUEUE_TIMEOUT": "120", "CC_CLOSED": "0"}
    closed = Decision("support", 0, "announce", reason="hours").variables()
    assert "CC_QUEUE_TIMEOUT" not in closed  # a timeout the caller brought stays
    assert list(closed)[-1] == "CC_CLOSED" and closed["CC_CLOSED"] == "1"


@pytest.mark.parametrize("hours", [
    {"monday": [["08:00", "18:00"]]}, {"mon": [["08:00"]]}, {"mon": [["8am", "6pm"]]},
    {"mon": [["08:00", "08:00"]]},
])
def test_bad_schedules_are_refused(hours: dict) -> None:
    with pytest.raises(ValueError):
        validate_hours(hours)


def test_is_open_on_local_wall_clock() -> None:
    assert is_open(WEEKDAYS, datetime(2026, 3, 27, 9, 0))
