"""Statistics from recorded Asterisk 22 captures equal the figures computed from the queue_log
Asterisk wrote for the same calls; a rebuild from that queue_log equals the live replay."""
from statistics import mean

import pytest

from ctiserver.acd.queue_log import summarize_calls
from ctiserver.acd.stats import rebuild_from_queue_log

from tests.helpers.replay import new_feed, queue_log, replay_live

CAPTURES = ["mixed_calls", "ami_capture", "queue_exits"]


def truth(summaries) -> dict:
    answered = [s for s in summaries if s.outcome == "answered"]
    return {
        "offered": len(summaries),
        "answered": len(answered),
        "abandoned": sum(s.outcome == "abandoned" for s in summaries),
        "timed_out": sum(s.outcome == "timeout" for s in summaries),
        "exit_empty": sum(s.outcome == "exitempty" for s in summaries),
        "exit_key": sum(s.outcome == "exitwithkey" for s in summaries),
        "lost": sum(s.outcome not in (None, "answered") for s in summaries),
        "asa": mean(s.wait_seconds for s in answered) if answered else None,
        "handled": sum(s.talk_seconds is not None for s in answered),
        "avg_talk": mean(s.talk_seconds for s in answered) if answered else None,
    }


def today_figures(tile: dict) -> dict:
    today = tile["today"]
    figures = {k: today[k] for k in ("offered", "answered", "abandoned", "timed_out", "exit_empty",
                                     "exit_key", "lost", "asa", "handled")}
    return figures | {"avg_talk": today["avg_talk"] + today["avg_hold"] if today["handled"] else None}


def assert_same(figures: dict, expected: dict) -> None:
    assert figures.keys() == expected.keys()
    for key, value in expected.items():
        assert figures[key] == pytest.approx(value, abs=1), key


@pytest.fixture(scope="module", params=CAPTURES)
def live(request):
    feed = new_feed()
    last, names = replay_live(request.param, feed)
    return request.param, last + 1, names, feed.stats.snapshot(last + 1)


def test_today_equals_queue_log_per_queue_and_for_all(live):
    name, _, _, snap = live
    summaries = list(summarize_calls(queue_log(name)).values())
    assert_same(today_figures(snap["all"]), truth(summaries))
    assert snap["queues"]
    for queue, tile in snap["queues"].items():
        assert_same(today_figures(tile), truth([s for s in summaries if s.queue == queue]))
        assert tile["waiting"] == 0 and tile["longest_wait"] == 0


def test_agents_handled_what_queue_log_says(live):
    name, _, names, snap = live
    completed = [s for s in summarize_calls(queue_log(name)).values() if s.talk_seconds is not None]
    for member, interface in names.items():
        talks = [s.talk_seconds for s in completed if s.agent == member]
        figures = snap["agents"][interface]
        assert figures["handled"] == len(talks)
        assert figures["talk"] + figures["hold"] == pytest.approx(sum(talks), abs=1)
        assert figures["state"] == "available"


def test_rebuild_from_queue_log_equals_live(live):
    name, now, names, snap = live
    feed = new_feed()
    rebuild_from_queue_log(queue_log(name), now, feed, names)
    rebuilt = feed.stats.snapshot(now)
    assert rebuilt["queues"].keys() == snap["queues"].keys()
    for queue in [*snap["queues"], "all"]:
        ours = snap["queues"].get(queue, snap["all"])
        theirs = rebuilt["queues"].get(queue, rebuilt["all"])
        assert_same(today_figures(theirs), today_figures(ours))
        assert theirs["today"]["service_level"] == ours["today"]["service_level"]
        assert theirs["today"]["short_abandoned"] == ours["today"]["short_abandoned"]
        assert theirs["today"]["occupancy"] == pytest.approx(ours["today"]["occupancy"], abs=0.02)
    for interface, figures in snap["agents"].items():
        again = rebuilt["agents"][interface]
        assert again["handled"] == figures["handled"]
        assert again["pause_seconds"].keys() == figures["pause_seconds"].keys()
        for reason, seconds in figures["pause_seconds"].items():
            assert again["pause_seconds"][reason] == pytest.approx(seconds, abs=1)


@pytest.mark.parametrize("second", [1795501900, 1795501950, 1795501990])
def test_rebuild_in_the_middle_of_the_day_has_the_callers_still_waiting(second):
    """queue_log stamps whole seconds: cut both just before a second ends."""
    until = second + 0.9999
    feed = new_feed()
    _, names = replay_live("ami_capture", feed, until)
    live = feed.stats.snapshot(until)
    rebuilt_feed = new_feed()
    rebuild_from_queue_log(queue_log("ami_capture"), until, rebuilt_feed, names)
    rebuilt = rebuilt_feed.stats.snapshot(until)
    assert_same(today_figures(rebuilt["all"]), today_figures(live["all"]))
    assert rebuilt["all"]["last15"]["offered"] == live["all"]["last15"]["offered"]
    assert rebuilt["all"]["waiting"] == live["all"]["waiting"] > 0
    assert rebuilt["all"]["longest_wait"] == pytest.approx(live["all"]["longest_wait"], abs=1)
    ringing_unlogged = {"ringing": "available"}  # queue_log does not say when ringing starts
    for interface, figures in live["agents"].items():
        state = rebuilt["agents"][interface]["state"]
        assert state == ringing_unlogged.get(figures["state"], figures["state"]), interface
