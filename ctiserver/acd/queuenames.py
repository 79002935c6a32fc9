"""The queues Asterisk has (QueueSummary), asked at most every few seconds: agents pick from
them when they log in, and a page load must not cost an AMI round trip each time."""
from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from ctiserver.ami.results import QueueSummaryEntry

CACHE_SECONDS = 10.0


class QueueNames:
    def __init__(self, queue_summary: Callable[[], Awaitable[list[QueueSummaryEntry]]], *,
                 max_age: float = CACHE_SECONDS) -> None:
        self._summary = queue_summary
        self._max_age = max_age
        self._names: list[str] = []
        self._at = float("-inf")

    async def names(self) -> list[str]:
        if time.monotonic() - self._at > self._max_age:
            self._names = sorted({entry.queue for entry in await self._summary()})
            self._at = time.monotonic()
        return self._names

    def forget(self) -> None:
        """The queues changed (applied from the CRM): ask Asterisk again on the next call."""
        self._at = float("-inf")
