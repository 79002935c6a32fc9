"""The sandbox seen through a raw AMI session and its queue_log (tests/asterisk, blocking)."""
from __future__ import annotations

import time

import pytest

from asterisk_conf.rawami import RawAmi
from asterisk_conf.sandbox import Sandbox
from ctiserver.acd.queue_log import QueueLogEntry, parse_queue_log


def wait_queue_log(sandbox: Sandbox, ami: RawAmi, mark: int, uniqueid: str, event: str,
                   timeout: float = 20) -> list[QueueLogEntry]:
    """The call's queue_log entries since MARK, once EVENT is among them. Asterisk appends to a
    file no event announces: re-read after each AMI read (at most 0.2 s apart), failing on the
    timeout."""
    deadline = time.monotonic() + timeout
    while True:
        entries = [
            e for e in parse_queue_log(sandbox.read_queue_log_since(mark))
            if e.uniqueid == uniqueid
        ]
        if any(e.event == event for e in entries):
            return entries
        left = deadline - time.monotonic()
        if left <= 0:
            pytest.fail(f"no {event} in queue_log for {uniqueid} in {timeout}s: {entries}")
        ami.read(min(left, 0.2))
