"""Test runs sharing a machine: each takes a free slot (own sandbox instance, ports, data folder)."""
from __future__ import annotations

import fcntl
from typing import IO

import pytest

SLOTS = 8
"""Test runs on one machine at once: each takes a free slot with its own Asterisk instance,
ports and database folder, so two runs never stop each other's sandbox."""


def take_slot() -> tuple[int, IO[str]]:
    """The first free slot and its lock (held while the handle is open)."""
    for slot in range(SLOTS):
        handle = open(f"/tmp/callcenter-test-slot{slot}.lock", "w")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return slot, handle
        except BlockingIOError:
            handle.close()
    pytest.fail(f"all {SLOTS} test slots are busy: too many test runs at once")
