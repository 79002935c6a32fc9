"""The recording policy, the retention rule and the pause log (pure)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from callcenter.errors import Conflict, Invalid
from recordings.pauses import PauseLog, Stretch
from recordings.policy import (NOT_RECORDED, Capture, Decision, Mode, RecordingPolicy, decide,
                               expired, keep_until, policy_for, sample_point)

KEYS = [f"1733{n:06d}.{n % 97}" for n in range(4000)]


def test_all_none_and_on_demand() -> None:
    announce = RecordingPolicy(Mode.ALL, announcement="this-call-may-be-recorded")
    assert decide(announce, "k") == Decision(Capture.RECORD, "this-call-may-be-recorded")
    assert decide(RecordingPolicy(Mode.NONE), "k") == Decision(None)
    assert decide(RecordingPolicy(Mode.ON_DEMAND), "k").capture is Capture.ON_DEMAND


def test_a_percentage_is_that_share_of_calls_and_the_same_answer_for_a_call_each_time() -> None:
    policy = RecordingPolicy(Mode.PERCENT, percent=30)
    recorded = [key for key in KEYS if decide(policy, key).capture is Capture.RECORD]
    assert 0.27 < len(recorded) / len(KEYS) < 0.33
    assert recorded == [key for key in KEYS if decide(policy, key).capture is Capture.RECORD]
    assert all(0 <= sample_point(key) < 100 for key in KEYS)
    # a higher percentage records the same calls and more
    more = RecordingPolicy(Mode.PERCENT, percent=60)
    assert set(recorded) <= {key for key in KEYS if decide(more, key).capture}
    assert not any(decide(RecordingPolicy(Mode.PERCENT, percent=0), k).capture for k in KEYS)
    assert all(decide(RecordingPolicy(Mode.PERCENT, percent=100), k).capture for k in KEYS)


def test_the_campaign_wins_over_the_queue_and_nothing_means_not_recorded() -> None:
    queue, campaign = RecordingPolicy(Mode.ALL), RecordingPolicy(Mode.ON_DEMAND)
    assert policy_for(queue, campaign) is campaign
    assert policy_for(queue) is queue
    assert policy_for(None) is NOT_RECORDED


@pytest.mark.parametrize("fields", [{"percent": 101}, {"percent": -1}, {"retention_days": 0}])
def test_bad_policies_are_refused(fields: dict) -> None:
    with pytest.raises(Invalid):
        RecordingPolicy(Mode.PERCENT, **fields)


def test_retention() -> None:
    at = datetime(2026, 3, 1, 12, tzinfo=timezone.utc)
    until = keep_until(at, 30)
    assert until == at + timedelta(days=30)
    assert not expired(until, until - timedelta(seconds=1))
    assert expired(until, until)
    assert keep_until(at, None) is None and not expired(None, at + timedelta(days=10_000))


def test_pauses_are_offsets_from_the_start() -> None:
    log = PauseLog.starting(1000.0)
    log.pause(1002.5)
    log.resume(1004.0)
    log.pause(1010.0)
    # an open pause ends with the recording
    assert log.end(1012.25) == (Stretch(2.5, 4.0), Stretch(10.0, 12.25))


def test_an_on_demand_recording_starts_paused() -> None:
    log = PauseLog.starting(50.0, paused=True)
    assert log.paused
    log.resume(53.0)
    assert log.end(60.0) == (Stretch(0.0, 3.0),)


def test_a_recording_paused_from_start_to_end_holds_nothing() -> None:
    never_started = PauseLog.starting(50.0, paused=True)
    never_started.end(80.0)
    assert never_started.paused_throughout
    started_late = PauseLog.starting(50.0, paused=True)
    started_late.resume(51.0)
    started_late.end(80.0)
    paused_later = PauseLog.starting(50.0)
    paused_later.pause(60.0)
    assert not paused_later.paused_throughout  # not ended yet
    paused_later.end(80.0)
    assert not started_late.paused_throughout and not paused_later.paused_throughout


def test_pauses_in_the_wrong_state_are_conflicts() -> None:
    log = PauseLog.starting(0.0)
    with pytest.raises(Conflict):
        log.resume(1.0)
    log.pause(1.0)
    with pytest.raises(Conflict):
        log.pause(2.0)
    log.end(3.0)
    with pytest.raises(Conflict):
        log.pause(4.0)
    assert log.end(5.0) == (Stretch(1.0, 3.0),)  # ending twice changes nothing
