"""Replaying recorded AMI transcripts (raw bytes from the real Asterisk 22) through the edge."""
from __future__ import annotations

import random
from collections import deque
from pathlib import Path

from ctiserver.ami.stream import AmiStreamParser
from ctiserver.calls.tracker import CallTracker, Notice
from ctiserver.ami.events import BUILDERS, parse_event
from ctiserver.acd.queue_log import QueueLogEntry, parse_queue_log, summarize_calls

DATA = Path(__file__).resolve().parent.parent / "data" / "ami"


def transcript(name: str) -> bytes:
    return (DATA / f"{name}.ami").read_bytes()


def queue_log_entries(name: str) -> list[QueueLogEntry]:
    return parse_queue_log((DATA / f"{name}.queue_log").read_text("utf-8"))


def queue_log_summary(name: str):
    return summarize_calls(queue_log_entries(name))


class QueueLogAsWritten:
    """A capture's queue_log lines as a follower reads them during the replay: each once, when
    Asterisk had written it by the event being handled (``now``; queue_log stamps whole
    seconds, so lines of the same second count as written)."""

    def __init__(self, entries: list[QueueLogEntry]) -> None:
        self.entries = deque(entries)
        self.now = 0.0

    def __call__(self) -> list[QueueLogEntry]:
        out = []
        while self.entries and self.entries[0].time <= self.now:
            out.append(self.entries.popleft())
        return out


def chunks(data: bytes, seed: int = 1, largest: int = 700) -> list[bytes]:
    """The bytes as a TCP stream might deliver them: random read sizes."""
    rng = random.Random(seed)
    out, i = [], 0
    while i < len(data):
        n = rng.randint(1, largest)
        out.append(data[i:i + n])
        i += n
    return out


def replay(data: bytes, reads: list[bytes] | None = None,
           queue_log: list[QueueLogEntry] | None = None) -> list[Notice]:
    """Notices of the capture; with ``queue_log``, the tracker reads its lines as written."""
    parser = AmiStreamParser(BUILDERS)
    written = QueueLogAsWritten(queue_log) if queue_log is not None else None
    tracker = CallTracker(written)
    notices: list[Notice] = []
    for read in reads if reads is not None else [data]:
        for fields in parser.feed(read):
            event = parse_event(fields) if "Event" in fields else None
            if event is not None:
                if written is not None:
                    written.now = event.timestamp or written.now
                notices.extend(tracker.handle(event, now=0.0))
    notices.extend(tracker.tick(now=float("inf")))
    assert not tracker.calls, "every call in a complete transcript ends"
    return notices
