"""CallRecordWriter's batching and retry path (pure logic, a fake write function): a failing
write keeps its batch and retries it; every record lands exactly once, in order."""
from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from crm_core.values import CallRecord
from ctiserver.calls.writer import CallRecordWriter

from tests.helpers.records import call_record

pytestmark = pytest.mark.asyncio(loop_scope="session")


class FlakyDatabase:
    """Stores batches; the writes numbered in FAILING raise instead (1 is the first write)."""

    def __init__(self, *failing: int, commit_then_fail: bool = False) -> None:
        self.failing = set(failing)
        self.commit_then_fail = commit_then_fail
        """The ambiguous failure: the transaction committed, the caller sees an error."""
        self.attempts: list[list[str]] = []
        self.attempted = asyncio.Event()
        self.stored: list[str] = []

    async def write(self, batch: Sequence[CallRecord]) -> int:
        keys = [record.call_key for record in batch]
        self.attempts.append(keys)
        self.attempted.set()
        if len(self.attempts) in self.failing:
            if self.commit_then_fail:
                self.stored += keys
            raise ConnectionError("the database went away")
        self.stored += keys
        return len(keys)


async def run(writer: CallRecordWriter, records: list[CallRecord], timeout: float = 5) -> None:
    task = asyncio.ensure_future(writer.run())
    try:
        for record in records:
            writer.add(record)
        await asyncio.wait_for(writer.drained(), timeout)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_a_failed_write_is_retried_and_its_batch_lands_exactly_once() -> None:
    db = FlakyDatabase(1)
    writer = CallRecordWriter(db.write, batch_size=10, interval=0.01)
    records = [call_record() for _ in range(3)]
    keys = [r.call_key for r in records]
    await run(writer, records)
    assert db.attempts == [keys, keys], "the same batch again after the failure"
    assert db.stored == keys
    assert (writer.written, writer.failures) == (3, 1)


async def test_batches_split_retry_on_their_own_and_keep_their_order() -> None:
    db = FlakyDatabase(2, 3)  # the second batch fails twice (back-off doubles meanwhile)
    writer = CallRecordWriter(db.write, batch_size=2, interval=0.01)
    records = [call_record() for _ in range(5)]
    keys = [r.call_key for r in records]
    await run(writer, records)
    assert db.attempts == [keys[0:2], keys[2:4], keys[2:4], keys[2:4], keys[4:5]]
    assert db.stored == keys, "each record once, in the order handed over"
    assert (writer.written, writer.failures) == (5, 2)


async def test_records_handed_over_during_the_back_off_are_not_lost() -> None:
    db = FlakyDatabase(1)
    writer = CallRecordWriter(db.write, batch_size=10, interval=0.05)
    first, later = call_record(), call_record()
    task = asyncio.ensure_future(writer.run())
    try:
        writer.add(first)
        await asyncio.wait_for(db.attempted.wait(), 5)  # the first write failed: backing off
        writer.add(later)
        await asyncio.wait_for(writer.drained(), 5)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert db.stored == [first.call_key, later.call_key]
    assert db.attempts[0] == [first.call_key]


async def test_after_an_ambiguous_failure_the_retry_hands_the_batch_over_again() -> None:
    """The write committed but raised: the writer cannot know, and retries; landing once is then
    the store's part (record_calls skips a call_key already stored: tests/crm/test_calls.py)."""
    db = FlakyDatabase(1, commit_then_fail=True)
    writer = CallRecordWriter(db.write, batch_size=10, interval=0.01)
    records = [call_record() for _ in range(2)]
    await run(writer, records)
    keys = [r.call_key for r in records]
    assert db.attempts == [keys, keys]
    assert writer.failures == 1
