"""Replaying recorded AMI captures through the tracker into the agent machine and statistics."""
from __future__ import annotations

import gzip
from pathlib import Path

from ctiserver.acd.agentstate import AgentStateMachine
from ctiserver.ami.stream import AmiStreamParser
from ctiserver.calls.tracker import CallTracker
from ctiserver.ami.events import BUILDERS, QueueMemberChanged, parse_event
from ctiserver.acd.queue_log import QueueLogEntry, parse_queue_log
from ctiserver.acd.stats import QueueStats, StatsFeed
from tests.helpers.transcripts import QueueLogAsWritten

ROOT = Path(__file__).resolve().parent.parent.parent
CAPTURES = {
    "mixed_calls": ROOT / "tests" / "data" / "ami" / "mixed_calls.ami",
    "queue_exits": ROOT / "tests" / "data" / "ami" / "queue_exits.ami",
    "ami_capture": ROOT / "bench" / "data" / "ami_capture.ami.gz",
}


def capture_bytes(name: str) -> bytes:
    path = CAPTURES[name]
    data = path.read_bytes()
    return gzip.decompress(data) if path.suffix == ".gz" else data


def queue_log(name: str) -> list[QueueLogEntry]:
    return parse_queue_log(CAPTURES[name].with_name(f"{name}.queue_log").read_text("utf-8"))


def new_feed(**kwargs) -> StatsFeed:
    return StatsFeed(QueueStats(**kwargs), AgentStateMachine())


def replay_live(name: str, feed: StatsFeed, until: float = float("inf")) -> tuple[float, dict[str, str]]:
    """Feed the capture's events up to ``until`` (the tracker reading the capture's queue_log
    lines as Asterisk wrote them); returns the last event time and the member names seen
    (name -> interface)."""
    written = QueueLogAsWritten(queue_log(name))
    parser, tracker = AmiStreamParser(BUILDERS), CallTracker(written)
    last, names = 0.0, {}
    for fields in parser.feed(capture_bytes(name)):
        event = parse_event(fields) if "Event" in fields else None
        if event is None:
            continue
        if (event.timestamp or last) > until:
            return last, names
        last = written.now = event.timestamp or last
        if isinstance(event, QueueMemberChanged):
            names[event.member_name] = event.interface
        feed.event(event, last)
        for notice in tracker.handle(event, last):
            feed.notice(notice)
    for notice in tracker.tick(float("inf")):
        feed.notice(notice)
    return last, names
