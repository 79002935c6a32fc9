"""queue_log parsing and per-call summaries, on lines recorded from the real sandbox."""
from __future__ import annotations

from pathlib import Path

from ctiserver.acd.queue_log import QueueLogEntry, parse_line, parse_queue_log, summarize_calls

DATA = Path(__file__).parents[1] / "data" / "ami"


def test_parse_line():
    entry = parse_line("1795501784|abc;2|support|1001|CONNECT|1|1795501783.2|1\n")
    assert entry == QueueLogEntry(1795501784.0, "abc;2", "support", "1001", "CONNECT",
                                  ("1", "1795501783.2", "1"))
    assert parse_line("1795501740|NONE|NONE|NONE|QUEUESTART|").data == ("",)


def test_malformed_lines_are_skipped():
    text = "garbage\n\nx|a|b|c|ENTERQUEUE|\n1|a|b|c\n1|a|q|NONE|ENTERQUEUE||123|1\n"
    assert [e.event for e in parse_queue_log(text)] == ["ENTERQUEUE"]


def test_single_call_recording():
    entries = parse_queue_log((DATA / "single_call_nonascii.queue_log").read_text())
    calls = summarize_calls(entries)
    assert len(calls) == 1
    (call,) = calls.values()
    assert call.uniqueid.endswith(";2")
    assert (call.queue, call.agent, call.outcome, call.completed_by) == (
        "support", "1001", "answered", "caller")
    assert call.entered is not None and call.wait_seconds is not None
    assert call.talk_seconds is not None and call.talk_seconds >= 1


def test_mixed_recording():
    calls = summarize_calls(parse_queue_log((DATA / "mixed_calls.queue_log").read_text()))
    outcomes = [c.outcome for c in calls.values()]
    assert len(calls) == 20
    assert outcomes.count("answered") == 16
    assert outcomes.count("abandoned") == 3
    assert outcomes.count("timeout") == 1
    assert {c.completed_by for c in calls.values() if c.outcome == "answered"} == {"caller",
                                                                                    "agent"}
    (timeout,) = [c for c in calls.values() if c.outcome == "timeout"]
    assert timeout.ring_noanswer >= 1 and timeout.agent is None and timeout.wait_seconds == 4


def test_exits_and_transfers():
    text = "\n".join([
        "10|u1|q|NONE|ENTERQUEUE||555|1", "15|u1|q|NONE|EXITEMPTY|1|1|5",
        "10|u2|q|NONE|ENTERQUEUE||556|1", "12|u2|q|NONE|EXITWITHKEY|5|1|1|2",
        "10|u3|q|NONE|ENTERQUEUE||557|1", "13|u3|q|ann|CONNECT|3|9.1|1",
        "40|u3|q|ann|BLINDTRANSFER|200|default|3|27|1",
        "10|u4|q|NONE|ENTERQUEUE||558|1", "13|u4|q|bob|CONNECT|3|9.2|1",
        "33|u4|q|bob|ATTENDEDTRANSFER|BRIDGE|b-1|3|20|1",
        "50|MANAGER|q|Local/1@x/n|ADDMEMBER|",
    ])
    calls = summarize_calls(parse_queue_log(text))
    assert list(calls) == ["u1", "u2", "u3", "u4"]
    assert (calls["u1"].outcome, calls["u1"].wait_seconds) == ("exitempty", 5)
    assert (calls["u2"].outcome, calls["u2"].wait_seconds) == ("exitwithkey", 2)
    assert (calls["u3"].completed_by, calls["u3"].talk_seconds) == ("transfer", 27)
    assert (calls["u4"].completed_by, calls["u4"].talk_seconds) == ("transfer", 20)


def test_bench_recording():
    root = Path(__file__).parents[2]
    text = (root / "bench" / "data" / "ami_capture.queue_log").read_text()
    calls = summarize_calls(parse_queue_log(text))
    outcomes = {c.outcome for c in calls.values()}
    assert len(calls) == 400 and outcomes == {"answered", "abandoned", "timeout"}
    answered = [c for c in calls.values() if c.outcome == "answered"]
    assert all(c.agent and c.completed_by and c.talk_seconds is not None for c in answered)
