"""Writes finished calls to the CRM in batches, off the event path.

The tracker hands over records synchronously; a background task flushes them when the batch
is full or the flush interval passed. A failed write keeps the batch and retries with
back-off: the database being away for a while loses nothing, and because the insert is
idempotent on ``call_key`` a retry after an ambiguous failure cannot write a call twice.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Awaitable, Callable, Sequence

from crm_core.values import CallRecord

log = logging.getLogger(__name__)

WriteBatch = Callable[[Sequence[CallRecord]], Awaitable[int]]


class CallRecordWriter:
    def __init__(self, write: WriteBatch, *, batch_size: int = 200, interval: float = 0.2) -> None:
        self._write = write
        self._batch_size = batch_size
        self._interval = interval
        self._pending: list[CallRecord] = []
        self._wakeup = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self.written = 0
        self.failures = 0

    def add(self, record: CallRecord) -> None:
        self._pending.append(record)
        self._idle.clear()
        self._wakeup.set()

    async def run(self) -> None:
        # No asyncio.wait_for here: on Python 3.11 it can swallow a cancellation that
        # arrives as the awaited event fires, and the task would never stop.
        delay = self._interval
        while True:
            await self._wakeup.wait()
            if len(self._pending) < self._batch_size:
                await asyncio.sleep(self._interval)  # let a batch gather
            self._wakeup.clear()
            while self._pending:
                batch = self._pending[: self._batch_size]
                try:
                    self.written += await self._write(batch)
                except Exception:
                    self.failures += 1
                    log.exception("writing %d calls to the CRM failed; retrying in %.1fs", len(batch), delay)
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 30.0)
                    continue
                delay = self._interval
                del self._pending[: len(batch)]
            self._idle.set()

    async def drained(self) -> None:
        """Wait until everything handed over so far is in the database."""
        await self._idle.wait()
