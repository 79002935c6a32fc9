"""How callers leave a queue unanswered, on a capture recorded from the real Asterisk 22
(``python -m asterisk_conf.record queue_exits``): a key pressed (EXITWITHKEY: QueueCallerLeave
alone, the channel already at the key's extension), Queue()'s timeout and an empty queue
(EXITWITHTIMEOUT, EXITEMPTY: the same QueueCallerAbandon with the caller alive, told apart by
queue_log only), hang-ups, and answered calls whose QueueCallerLeave precedes AgentConnect."""
import os
from collections import Counter

import pytest

from ctiserver.acd.queue_log import QueueLogEntry, exit_of, parse_line
from ctiserver.acd.queue_log_follower import QueueLogFollower
from ctiserver.ami import events as ev
from ctiserver.calls.tracker import (
    CallAnswered, CallEnded, CallOffered, CallTracker, OfferEnded, QueueCallerDeparted,
)

from tests.helpers.transcripts import queue_log_entries, queue_log_summary, replay, transcript

NAME = "queue_exits"


def departures(notices) -> dict[str, QueueCallerDeparted]:
    out = {}
    for n in notices:
        if isinstance(n, QueueCallerDeparted):
            assert n.call_key not in out, "one departure per caller"
            out[n.call_key] = n
    return out


def test_the_capture_has_every_way_out():
    outcomes = Counter(s.outcome for s in queue_log_summary(NAME).values())
    assert outcomes == {"answered": 4, "exitwithkey": 3, "exitempty": 2, "abandoned": 1,
                        "timeout": 1}


def test_with_queue_log_every_exit_has_its_outcome_and_logged_wait():
    notices = replay(transcript(NAME), queue_log=queue_log_entries(NAME))
    truth = queue_log_summary(NAME)
    left = departures(notices)
    answered = {n.call_key for n in notices if isinstance(n, CallAnswered)}
    assert answered == {k for k, s in truth.items() if s.outcome == "answered"}
    assert set(left) == {k for k, s in truth.items() if s.outcome != "answered"}
    for key, notice in left.items():
        assert (notice.outcome, notice.wait) == (truth[key].outcome, truth[key].wait_seconds), key
    records = {n.record.call_key: n.record for n in notices if isinstance(n, CallEnded)}
    for key, summary in truth.items():
        assert records[key].outcome == summary.outcome, key
        assert records[key].wait_seconds == summary.wait_seconds, key


def test_without_queue_log_key_exits_are_still_seen_and_the_rest_are_timeouts():
    """AMI alone: a key exit from the moved channel (wait in whole seconds as app_queue
    counts); timeout and empty queue look the same, so both count as timeouts."""
    notices = replay(transcript(NAME))
    truth = queue_log_summary(NAME)
    left = departures(notices)
    assert set(left) == {k for k, s in truth.items() if s.outcome != "answered"}
    for key, notice in left.items():
        expected = {"exitempty": "timeout"}.get(truth[key].outcome, truth[key].outcome)
        assert notice.outcome == expected, key
        assert notice.wait == truth[key].wait_seconds, key


def test_a_key_pressed_while_agents_ring_ends_their_offers():
    notices = replay(transcript(NAME), queue_log=queue_log_entries(NAME))
    offered = {(n.call_key, n.interface) for n in notices if isinstance(n, CallOffered)}
    closed = {(n.call_key, n.interface) for n in notices
              if isinstance(n, (OfferEnded, CallAnswered))}
    assert offered == closed
    key_exits = {k for k, s in queue_log_summary(NAME).items() if s.outcome == "exitwithkey"}
    reasons = {n.reason for n in notices if isinstance(n, OfferEnded) and n.call_key in key_exits}
    assert reasons == {"exitwithkey"}


# --- the rules on hand-made events ------------------------------------------------------------


def _event(cls, ts, **extra):
    return cls(timestamp=ts, channel="Local/q@sim-inbound-0001;2", uniqueid="u1", linkedid="u1",
               caller_num="100", caller_name="", state=6, **extra)


def _join(ts):
    return _event(ev.QueueCallerJoined, ts, queue="q", position=1, context="cc-queues", exten="q")


def _line(text: str) -> QueueLogEntry:
    entry = parse_line(text)
    assert entry is not None
    return entry


def run(events, lines=()):
    pending = list(lines)

    def exit_log():
        out = pending[:]
        pending.clear()
        return out

    tracker = CallTracker(exit_log)
    notices = []
    for event in events:
        notices += tracker.handle(event, event.timestamp)
    return notices


def test_leave_in_place_is_an_answer_on_its_way_not_an_exit():
    notices = run([
        _event(ev.ChannelCreated, 100.0, exten="q", context="cc-queues"), _join(100.2),
        _event(ev.QueueCallerLeft, 104.5, queue="q", context="cc-queues", exten="q"),
        _event(ev.AgentConnected, 104.5, queue="q", interface="A", member_name="a", hold_time=4,
               ring_time=1, dest_uniqueid="", dest_channel=""),
    ])
    assert not departures(notices)
    assert [n.wait for n in notices if isinstance(n, CallAnswered)] == [4.0]


def test_key_exit_without_a_line_takes_whole_seconds_like_app_queue():
    notices = run([
        _event(ev.ChannelCreated, 100.0, exten="q", context="cc-queues"), _join(100.9),
        _event(ev.QueueCallerLeft, 103.1, queue="q", context="keys", exten="5"),
    ])
    (left,) = departures(notices).values()
    assert (left.outcome, left.wait, left.at) == ("exitwithkey", 3.0, 103.1)


def test_live_exit_takes_the_line_and_skips_a_stale_one_of_an_earlier_stay():
    stale = _line("40|u1|q|NONE|EXITWITHTIMEOUT|1|1|30")
    fresh = _line("106|u1|q|NONE|EXITEMPTY|1|1|5")
    notices = run([
        _event(ev.ChannelCreated, 100.0, exten="q", context="cc-queues"), _join(100.5),
        _event(ev.QueueCallerAbandoned, 106.2, queue="q", hold_time=6),
        _event(ev.QueueCallerLeft, 106.2, queue="q", context="cc-queues", exten="q"),
    ], [stale, fresh])
    (left,) = departures(notices).values()
    assert (left.outcome, left.wait) == ("exitempty", 5.0)


def test_live_exit_with_no_line_and_no_leave_is_a_timeout_at_hangup():
    notices = run([
        _event(ev.ChannelCreated, 100.0, exten="q", context="cc-queues"), _join(100.5),
        _event(ev.QueueCallerAbandoned, 106.2, queue="q", hold_time=6),
        _event(ev.ChannelHungUp, 106.3, cause=16, cause_text="Normal Clearing"),
    ])
    (left,) = departures(notices).values()
    assert (left.outcome, left.wait) == ("timeout", 6.0)
    (record,) = [n.record for n in notices if isinstance(n, CallEnded)]
    assert record.outcome == "timeout"


def test_hang_up_is_an_abandon_whatever_the_log():
    notices = run([
        _event(ev.ChannelCreated, 100.0, exten="q", context="cc-queues"), _join(100.5),
        _event(ev.HangupRequested, 102.0),
        _event(ev.QueueCallerAbandoned, 102.0, queue="q", hold_time=2),
        _event(ev.QueueCallerLeft, 102.0, queue="q", context="cc-queues", exten="q"),
    ])
    (left,) = departures(notices).values()
    assert (left.outcome, left.wait) == ("abandoned", 2.0)


def test_exit_lines_name_outcome_and_wait():
    assert exit_of(_line("5|u|q|NONE|EXITWITHKEY|5|1|2|7")) == ("exitwithkey", 7.0)
    assert exit_of(_line("5|u|q|NONE|EXITEMPTY|1|1|3")) == ("exitempty", 3.0)
    assert exit_of(_line("5|u|q|NONE|EXITWITHTIMEOUT|1|1|4")) == ("timeout", 4.0)
    assert exit_of(_line("5|u|q|NONE|ABANDON|1|3|2")) == ("abandoned", 2.0)
    assert exit_of(_line("5|u|q|A|CONNECT|1|x|0")) is None


# --- following the queue_log file -------------------------------------------------------------


def test_follower_reads_whole_new_lines_and_follows_rotation(tmp_path):
    path = tmp_path / "queue_log"
    follower = QueueLogFollower(path)
    assert follower.read() == []  # no file yet
    path.write_text("1|u0|q|NONE|ENTERQUEUE||1|1\n")  # appears after start: read from its start
    assert [e.uniqueid for e in follower.read()] == ["u0"]
    with open(path, "a") as f:
        f.write("2|u1|q|NONE|EXITEMPTY|1|1|0\n3|u2|q|NONE|EXITWITH")  # a line half written
    assert [e.event for e in follower.read()] == ["EXITEMPTY"]
    with open(path, "a") as f:
        f.write("KEY|5|1|1|2\n")
    assert [(e.uniqueid, e.event) for e in follower.read()] == [("u2", "EXITWITHKEY")]
    assert follower.read() == []
    os.rename(path, tmp_path / "queue_log.1")  # logrotate
    path.write_text("9|u3|q|NONE|ABANDON|1|1|1\n")
    assert [e.uniqueid for e in follower.read()] == ["u3"]


def test_follower_starts_at_the_end_of_what_is_there(tmp_path):
    path = tmp_path / "queue_log"
    path.write_text("1|u0|q|NONE|EXITEMPTY|1|1|0\n")
    follower = QueueLogFollower(path)
    assert follower.read() == []
    path.write_text("")  # truncated
    assert follower.read() == []
    path.write_text("2|u1|q|NONE|EXITEMPTY|1|1|0\n")
    assert [e.uniqueid for e in follower.read()] == ["u1"]


@pytest.mark.parametrize("name", ["mixed_calls", "single_call_nonascii"])
def test_older_captures_give_the_same_records_with_or_without_the_log(name):
    plain = [n.record for n in replay(transcript(name)) if isinstance(n, CallEnded)]
    logged = [n.record for n in replay(transcript(name), queue_log=queue_log_entries(name))
              if isinstance(n, CallEnded)]
    assert plain == logged
