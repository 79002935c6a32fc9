"""record_calls on real PostgreSQL: exactly once, agent and customer resolved in the write."""
import asyncio
from dataclasses import replace

from sqlalchemy import select

from crm_core.calls import record_calls

from crm_core.values import SURVEY_SCORE, CallRecord
from crm_core.customers import create_customer
from crm_core.db import Database
from crm_core.models import Call
from crm_core.users import create_user
from ctiserver.calls.writer import CallRecordWriter
from tests.helpers.records import berlin_number, call_record, unique

REGION = "DE"


async def stored(db: Database, records: list[CallRecord]) -> dict[str, Call]:
    keys = [r.call_key for r in records]
    async with db.sessionmaker() as session:
        calls = await session.scalars(select(Call).where(Call.call_key.in_(keys)))
        return {c.call_key: c for c in calls}


async def write_through(writer: CallRecordWriter, count: int) -> list:
    """COUNT new calls handed to the running WRITER, until it has drained; the calls."""
    batch = [call_record() for _ in range(count)]
    task = asyncio.ensure_future(writer.run())
    try:
        for record in batch:
            writer.add(record)
        await asyncio.wait_for(writer.drained(), 10)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    return batch


async def test_same_batch_twice_inserts_each_call_once(db: Database) -> None:
    batch = [call_record() for _ in range(3)]
    assert await record_calls(db, batch, default_region=REGION) == 3
    assert await record_calls(db, batch, default_region=REGION) == 0
    assert len(await stored(db, batch)) == 3


async def test_the_writer_retries_a_write_that_committed_but_failed_and_it_lands_once(
        db: Database) -> None:
    """The CTI server's writer over the real record_calls, whose first write commits and then
    fails (the connection dropped before the answer): the retry inserts nothing more."""
    attempts: list[int] = []

    async def write(batch):
        inserted = await record_calls(db, batch, default_region=REGION)
        attempts.append(inserted)
        if len(attempts) == 1:
            raise ConnectionError("connection lost after COMMIT")
        return inserted

    writer = CallRecordWriter(write, batch_size=10, interval=0.01)
    batch = await write_through(writer, 4)
    assert attempts == [4, 0], "retried once; the retry found every call stored"
    assert writer.failures == 1
    assert sorted(await stored(db, batch)) == sorted(r.call_key for r in batch)


async def test_the_writer_retries_a_failed_write_until_it_lands(db: Database) -> None:
    """A write that fails before the database took anything (here: the first attempt)."""
    attempts = 0

    async def write(batch):
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            raise ConnectionError("the database went away")
        return await record_calls(db, batch, default_region=REGION)

    writer = CallRecordWriter(write, batch_size=10, interval=0.01)
    batch = await write_through(writer, 3)
    assert (attempts, writer.written, writer.failures) == (2, 3, 1)
    assert sorted(await stored(db, batch)) == sorted(r.call_key for r in batch)


async def test_a_key_repeated_within_a_batch_is_written_once(db: Database) -> None:
    record = call_record()
    assert await record_calls(db, [record, record], default_region=REGION) == 1


async def test_empty_batch(db: Database) -> None:
    assert await record_calls(db, [], default_region=REGION) == 0


async def test_agent_and_customer_are_resolved(db: Database) -> None:
    interface = unique("PJSIP/agent")
    agent_id, _ = await create_user(
        db, unique("agent"), display_name="Agent", role="agent", interface=interface
    )
    e164, national = berlin_number()
    customer_id = await create_customer(db, "Caller", [e164], default_region=REGION)
    known = call_record(caller_number=national, agent_interface=interface)
    unknown = call_record(caller_number="+4940 5550000", agent_interface=unique("PJSIP/nobody"))
    await record_calls(db, [known, unknown], default_region=REGION)
    rows = await stored(db, [known, unknown])
    assert (rows[known.call_key].agent_user_id, rows[known.call_key].customer_id) == (
        agent_id,
        customer_id,
    )
    assert (rows[unknown.call_key].agent_user_id, rows[unknown.call_key].customer_id) == (
        None,
        None,
    )


async def test_outbound_calls_resolve_the_called_party(db: Database) -> None:
    e164, national = berlin_number()
    customer_id = await create_customer(db, "Callee", [e164], default_region=REGION)
    outbound = call_record(direction="outbound", caller_number="100", called_number=national)
    internal = call_record(direction="internal", caller_number=national, called_number="1002")
    await record_calls(db, [outbound, internal], default_region=REGION)
    rows = await stored(db, [outbound, internal])
    assert rows[outbound.call_key].customer_id == customer_id
    assert rows[internal.call_key].customer_id is None


async def test_columns_round_trip_exactly(db: Database) -> None:
    record = call_record(caller_name="Jürgen 张伟", queue="Süd-Vertrieb")
    await record_calls(db, [record], default_region=REGION)
    row = (await stored(db, [record]))[record.call_key]
    written = CallRecord(**{name: getattr(row, name) for name in CallRecord.__dataclass_fields__})
    assert written == record
    assert row.entered_at.utcoffset() is not None


async def test_unanswered_call_without_agent(db: Database) -> None:
    record = call_record(
        answered_at=None, talk_seconds=0.0, outcome="abandoned", completed_by=None,
        hangup_cause=None, hangup_cause_text=None,
    )
    assert await record_calls(db, [record], default_region=REGION) == 1
    assert (await stored(db, [record]))[record.call_key].answered_at is None


async def test_large_batch(db: Database) -> None:
    batch = [replace(call_record(), caller_number=berlin_number()[1]) for _ in range(5000)]
    assert await record_calls(db, batch, default_region=REGION) == 5000


async def test_a_survey_score_in_the_collected_data_is_the_rows_survey_score(db: Database) -> None:
    """The IVR records the post-call survey's answer as call data while the caller is still on
    the call; the row keeps it as its survey_score, a value outside 1-5 as none."""
    scored = call_record(collected={SURVEY_SCORE: "4", "Account": "Jürgen 张伟 😀"})
    odd = call_record(collected={SURVEY_SCORE: "9"})
    await record_calls(db, [scored, odd], default_region=REGION)
    rows = await stored(db, [scored, odd])
    assert (rows[scored.call_key].survey_score, rows[odd.call_key].survey_score) == (4, None)
    assert rows[scored.call_key].collected == scored.collected
