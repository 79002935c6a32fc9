"""CallTracker on AMI transcripts recorded from the real Asterisk 22, checked against the
queue_log Asterisk wrote for the same calls."""
import pytest

from ctiserver.ami import events as ev
from ctiserver.calls.tracker import (
    CallAnswered, CallEnded, CallOffered, CallTracker, OfferEnded, QueueCallerArrived,
)

from tests.helpers.transcripts import chunks, queue_log_summary, replay, transcript


def ended(notices):
    return [n.record for n in notices if isinstance(n, CallEnded)]


@pytest.mark.parametrize("seed", [None, 3, 7])
def test_single_call_with_non_ascii_name(seed):
    data = transcript("single_call_nonascii")
    notices = replay(data, None if seed is None else chunks(data, seed, largest=60))
    (record,) = ended(notices)
    (truth,) = queue_log_summary("single_call_nonascii").values()
    assert record.call_key == truth.uniqueid
    assert record.caller_name == "Jürgen 张伟"
    assert record.caller_number == "+49301234567"
    assert record.queue == truth.queue == "support"
    assert record.agent_interface == "Local/1001@sim-agent/n"
    assert record.outcome == "answered"
    assert record.wait_seconds == truth.wait_seconds
    assert record.talk_seconds == truth.talk_seconds
    assert record.completed_by == truth.completed_by == "caller"
    assert record.entered_at.timestamp() == pytest.approx(truth.entered, abs=1)
    assert record.hangup_cause == 16


def test_single_call_notices_come_in_the_order_an_agent_needs():
    kinds = [type(n) for n in replay(transcript("single_call_nonascii"))]
    assert kinds.index(QueueCallerArrived) < kinds.index(CallOffered) < kinds.index(CallAnswered)
    assert kinds[-1] is CallEnded


def test_mixed_calls_match_queue_log_one_record_per_call():
    records = ended(replay(transcript("mixed_calls")))
    truth = queue_log_summary("mixed_calls")
    queued = {r.call_key: r for r in records if r.queue}
    assert len(queued) == len([r for r in records if r.queue]), "no call twice"
    assert set(queued) == set(truth), "no call missing"
    for key, summary in truth.items():
        record = queued[key]
        assert record.queue == summary.queue
        assert record.outcome == summary.outcome, key
        assert record.wait_seconds == pytest.approx(summary.wait_seconds, abs=1), key
        assert record.talk_seconds == pytest.approx(summary.talk_seconds or 0, abs=1), key
        if summary.outcome == "answered":
            assert record.agent_interface.split("/")[1].split("@")[0] == summary.agent
            assert record.completed_by == summary.completed_by


def test_agents_that_did_not_answer_hear_the_offer_end():
    notices = replay(transcript("mixed_calls"))
    offered = {(n.call_key, n.interface) for n in notices if isinstance(n, CallOffered)}
    closed = {(n.call_key, n.interface) for n in notices if isinstance(n, (OfferEnded, CallAnswered))}
    assert offered == closed


def _channel(cls, uid, linkedid, ts, **extra):
    return cls(timestamp=ts, channel=f"PJSIP/{uid}", uniqueid=uid, linkedid=linkedid,
               caller_num="100", caller_name="", state=6, **extra)


def test_linkedid_change_moves_a_channel_and_each_call_ends_once():
    tracker = CallTracker()
    out = []
    out += tracker.handle(_channel(ev.ChannelCreated, "a", "a", 1.0, exten="200", context="x"), 1.0)
    out += tracker.handle(_channel(ev.ChannelCreated, "b", "b", 2.0, exten="300", context="x"), 2.0)
    # b is bridged with a: it adopts the older linkedid, and call b (now empty) ends.
    out += tracker.handle(_channel(ev.BridgeEntered, "b", "a", 3.0, bridge_id="br"), 3.0)
    assert [n.record.call_key for n in out if isinstance(n, CallEnded)] == ["b"]
    out += tracker.handle(_channel(ev.ChannelHungUp, "a", "a", 9.0, cause=16, cause_text="x"), 9.0)
    out += tracker.handle(_channel(ev.ChannelHungUp, "b", "a", 9.5, cause=16, cause_text="x"), 9.5)
    out += tracker.handle(_channel(ev.ChannelHungUp, "b", "a", 9.6, cause=16, cause_text="x"), 9.6)
    assert [n.record.call_key for n in out if isinstance(n, CallEnded)] == ["b", "a"]
    assert not tracker.channels and not tracker.calls


def test_resync_ends_calls_that_vanished_while_disconnected_and_keeps_live_ones():
    tracker = CallTracker()
    tracker.handle(_channel(ev.ChannelCreated, "a", "a", 1.0, exten="200", context="x"), 1.0)
    tracker.handle(_channel(ev.ChannelCreated, "b", "b", 1.0, exten="201", context="x"), 1.0)
    known = tracker.snapshot()
    live = [_channel(ev.ChannelCreated, "b", "b", 5.0, exten="201", context="x")]
    notices = tracker.resync(known, live, now=6.0)
    (record,) = ended(notices)
    assert record.call_key == "a" and "AMI link was down" in record.hangup_cause_text
    assert set(tracker.channels) == {"b"}


def test_four_hundred_calls_of_the_benchmark_capture_match_queue_log():
    """Includes AgentComplete events that arrive with no caller channel fields at all."""
    import gzip
    from pathlib import Path

    from ctiserver.acd.queue_log import parse_queue_log, summarize_calls

    data_dir = Path(__file__).resolve().parents[2] / "bench" / "data"
    records = ended(replay(gzip.decompress((data_dir / "ami_capture.ami.gz").read_bytes())))
    truth = summarize_calls(parse_queue_log((data_dir / "ami_capture.queue_log").read_text()))
    by_key = {r.call_key: r for r in records}
    assert len(truth) == 400 and set(by_key) == set(truth)
    for key, summary in truth.items():
        record = by_key[key]
        assert (record.outcome, record.queue) == (summary.outcome, summary.queue), key
        assert record.wait_seconds == summary.wait_seconds, key
        assert record.talk_seconds == (summary.talk_seconds or 0), key
        assert record.completed_by == summary.completed_by, key
