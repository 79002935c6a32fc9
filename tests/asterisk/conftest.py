"""Helpers for tests on the real sandbox: a raw AMI session and queue_log polling."""
from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from asterisk_conf.rawami import RawAmi
from asterisk_conf.sandbox import Sandbox
from callcenter.settings import Settings
from ctiserver.acd.queue_log import QueueLogEntry, parse_queue_log


@pytest.fixture
def ami(asterisk: Sandbox, settings: Settings, ami_secret: str) -> Iterator[RawAmi]:
    with RawAmi(settings.ami_host, settings.ami_port) as session:
        session.login(settings.ami_user, ami_secret)
        yield session


def wait_queue_log(
    sandbox: Sandbox, mark: int, uniqueid: str, event: str, timeout: float = 20
) -> list[QueueLogEntry]:
    """The call's queue_log entries since MARK, once EVENT is among them."""
    deadline = time.monotonic() + timeout
    while True:
        entries = [
            e for e in parse_queue_log(sandbox.read_queue_log_since(mark))
            if e.uniqueid == uniqueid
        ]
        if any(e.event == event for e in entries) or time.monotonic() > deadline:
            return entries
        time.sleep(0.2)
