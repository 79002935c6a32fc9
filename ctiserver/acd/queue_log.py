"""Asterisk queue_log: parse lines and summarize each queued call (pure).

Line format: ``epoch|uniqueid|queue|agent|EVENT|data...``. The queue_log is the ground
truth queue reports are checked against; it survives AMI outages.
``ctiserver.acd.queue_log_follower`` reads the lines as Asterisk appends them (the tracker takes
exit reasons from them).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class QueueLogEntry:
    time: float
    uniqueid: str
    queue: str
    agent: str
    event: str
    data: tuple[str, ...]


@dataclass(frozen=True)
class QueueCallSummary:
    uniqueid: str
    queue: str
    agent: str | None = None
    """The member name (or interface) that took the call, from CONNECT."""
    entered: float | None = None
    outcome: str | None = None
    """answered | abandoned | timeout | exitempty | exitwithkey; None while waiting."""
    wait_seconds: float | None = None
    talk_seconds: float | None = None
    completed_by: str | None = None
    """caller | agent | transfer, once an answered call ended."""
    ring_noanswer: int = 0


def parse_line(line: str) -> QueueLogEntry | None:
    """One queue_log line, or None when it is not one."""
    fields = line.rstrip("\r\n").split("|")
    if len(fields) < 5 or not fields[4]:
        return None
    try:
        time = float(fields[0])
    except ValueError:
        return None
    uniqueid, queue, agent, event = fields[1:5]
    return QueueLogEntry(time, uniqueid, queue, agent, event, tuple(fields[5:]))


def parse_queue_log(text: str) -> list[QueueLogEntry]:
    """Every well-formed line, in file order; malformed lines are skipped."""
    return [entry for line in text.splitlines() if (entry := parse_line(line))]


def _number(data: tuple[str, ...], index: int) -> float | None:
    try:
        return float(data[index])
    except (IndexError, ValueError):
        return None


# Events that end the wait without an agent: outcome and the index of the wait field
# (EXITWITHKEY: key|pos|origpos|wait; the others: pos|origpos|wait).
_EXITS = {
    "ABANDON": ("abandoned", 2),
    "EXITWITHTIMEOUT": ("timeout", 2),
    "EXITEMPTY": ("exitempty", 2),
    "EXITWITHKEY": ("exitwithkey", 3),
}
EXIT_OUTCOMES = tuple(outcome for outcome, _ in _EXITS.values())
"""How a caller may leave a queue unanswered: hung up (abandoned), Queue()'s timeout, no
member could take calls (``leavewhenempty``), or a key of the queue's context pressed."""
# Events that end an answered call: who ended it and the index of the talk-time field.
_COMPLETIONS = {
    "COMPLETECALLER": ("caller", 1),
    "COMPLETEAGENT": ("agent", 1),
    "BLINDTRANSFER": ("transfer", 3),
    "ATTENDEDTRANSFER": ("transfer", -2),  # method-specific fields, then hold|talk|pos
}
CALL_EVENTS = frozenset({"ENTERQUEUE", "CONNECT", "RINGNOANSWER", *_EXITS, *_COMPLETIONS})


def _apply(call: QueueCallSummary, entry: QueueLogEntry) -> QueueCallSummary:
    event, data = entry.event, entry.data
    if event == "ENTERQUEUE":
        return replace(call, entered=entry.time)
    if event == "CONNECT":
        return replace(call, outcome="answered", agent=entry.agent, wait_seconds=_number(data, 0))
    if event == "RINGNOANSWER":
        return replace(call, ring_noanswer=call.ring_noanswer + 1)
    if event in _EXITS:
        outcome, wait_index = _EXITS[event]
        return replace(call, outcome=outcome, wait_seconds=_number(data, wait_index))
    completed_by, talk_index = _COMPLETIONS[event]
    return replace(call, completed_by=completed_by, talk_seconds=_number(data, talk_index))


def exit_of(entry: QueueLogEntry) -> tuple[str, float] | None:
    """(outcome, wait) of a line that ends a caller's wait without an agent, else None."""
    found = _EXITS.get(entry.event)
    if found is None:
        return None
    outcome, wait_index = found
    return outcome, _number(entry.data, wait_index) or 0.0


def summarize_calls(entries: Iterable[QueueLogEntry]) -> dict[str, QueueCallSummary]:
    """One summary per queued call (keyed by the caller channel's uniqueid), in order seen."""
    calls: dict[str, QueueCallSummary] = {}
    for entry in entries:
        if entry.event not in CALL_EVENTS:
            continue  # queue and member events: QUEUESTART, ADDMEMBER, PAUSE...
        call = calls.get(entry.uniqueid) or QueueCallSummary(entry.uniqueid, entry.queue)
        calls[entry.uniqueid] = _apply(call, entry)
    return calls
