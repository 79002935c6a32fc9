"""Recorded calls on the real Asterisk and PostgreSQL: a queue whose policy records every call
gives, after the call, a compressed file as long as the talk time whose checksum is stored,
with the stretch the agent paused silent and marked; a queue without a policy records nothing."""
from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from pydub import AudioSegment

from asterisk_conf.simulation import caller_originate
from ctiserver.ami import events as ev
from recordings.audio import sha256_of
from recordings.policy import Mode, RecordingPolicy

from tests.helpers.product import add_members, new_number, remove_members
from tests.helpers.recordings import (
    EDGE, LOUD_DBFS, SILENT_DBFS, job_state, loudness, raw_seconds, stored_recording,
)
from tests.helpers.waiting import BusWatch, poll_until

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


class RecordedCall:
    """A simulated call (caller and agent sending a tone) to a simulated agent of the test's
    queue, the agent in the queue while the ``async with`` block lasts."""

    def __init__(self, cti, queue: str, ext: str) -> None:
        self.cti, self.queue, self.ext = cti, queue, ext
        self.key = ""
        self.raw = Path()

    async def __aenter__(self) -> RecordedCall:
        await add_members(self.cti, self.queue, [self.ext])
        return self

    async def __aexit__(self, *exc: object) -> None:
        await remove_members(self.cti, self.queue, [self.ext])

    async def start(self, watch: BusWatch, talk: float) -> None:
        server = self.cti.server
        channel_id = str(uuid.uuid4())
        self.key = f"{channel_id};2"  # the queue caller's uniqueid
        await server.ami.originate(caller_originate(
            self.queue, number=new_number(), name="Jürgen 张伟", patience=60, ring=0.5,
            talk=talk, hangup_by="caller", channel_id=channel_id, tone="440"))
        started = await watch.first(ev.RecordingStarted, "MixMonitor to start", 15,
                                    where=lambda e: e.call_key == self.key)
        self.raw = server.settings.recordings_spool_host / Path(started.file).name

    async def recorded(self, seconds: float) -> None:
        await poll_until(lambda: raw_seconds(self.raw) >= seconds, f"{seconds} s recorded", 10)

    async def end(self, watch: BusWatch) -> ev.AgentCompleted:
        return await watch.first(ev.AgentCompleted, "the call to end", 20,
                                 where=lambda e: e.queue == self.queue)


async def recorded_call(cti, new_queue, new_extension, policy: RecordingPolicy) -> RecordedCall:
    queue = await new_queue("rec", product=cti)
    await cti.server.recordings.policies.put("queue", queue, policy)
    return RecordedCall(cti, queue, new_extension())


async def test_a_recorded_call_is_stored_compressed_with_its_pause_silent_and_marked(
        cti, db, new_queue, new_extension) -> None:
    settings, capture = cti.server.settings, cti.server.recordings.capture
    call = await recorded_call(cti, new_queue, new_extension,
                               RecordingPolicy(Mode.ALL, retention_days=30))
    async with call:
        with BusWatch(cti.server.bus) as watch:
            await call.start(watch, talk=9)
            await call.recorded(2)
            await capture.pause(call.key)
            await call.recorded(5)
            stretches = await capture.resume(call.key)
            completed = await call.end(watch)
    key, raw = call.key, call.raw
    row = await poll_until(lambda: stored_recording(db, key), "the recording to be stored", 30)

    stored = settings.effective_recordings_dir / row.storage_key
    assert row.storage_key.startswith(f"{row.recorded_at:%Y/%m/%d}/") and row.format == "ogg"
    assert (sha256_of(stored), stored.stat().st_size) == (row.sha256, row.size_bytes)
    assert not raw.exists(), "the raw file is deleted once the compressed one is verified"
    assert row.keep_until == row.recorded_at + timedelta(days=30)
    decoded = AudioSegment.from_file(stored, format="ogg")
    assert abs(len(decoded) / 1000 - completed.talk_time) <= 1, (len(decoded), completed.talk_time)
    assert abs(len(decoded) - row.duration_ms) <= 20

    [(start, end, by)] = stretches
    assert row.pauses == [[start, end, "agent"]] and by == "agent" and end - start >= 2
    assert loudness(decoded, start + EDGE, end - EDGE) < SILENT_DBFS
    assert loudness(decoded, EDGE, start - EDGE) > LOUD_DBFS
    assert loudness(decoded, end + EDGE, end + 1) > LOUD_DBFS


async def test_an_on_demand_recording_is_silent_until_the_agent_starts_it(
        cti, db, new_queue, new_extension) -> None:
    call = await recorded_call(cti, new_queue, new_extension, RecordingPolicy(Mode.ON_DEMAND))
    async with call:
        with BusWatch(cti.server.bus) as watch:
            await call.start(watch, talk=6)
            await call.recorded(2.5)
            [(start, end, _)] = await cti.server.recordings.capture.resume(call.key)
            await call.end(watch)
    row = await poll_until(lambda: stored_recording(db, call.key), "the recording to be stored", 30)
    decoded = AudioSegment.from_file(cti.server.settings.effective_recordings_dir / row.storage_key)
    assert start == 0 and row.pauses == [[0, end, "agent"]] and row.keep_until is None
    assert loudness(decoded, EDGE, end - EDGE) < SILENT_DBFS
    assert loudness(decoded, end + EDGE, end + 1) > LOUD_DBFS


async def test_a_queue_without_a_policy_records_nothing(cti, db, new_queue, new_extension) -> None:
    server = cti.server
    queue = await new_queue("norec", product=cti)
    ext = new_extension()
    await add_members(cti, queue, [ext])
    channel_id = str(uuid.uuid4())
    with BusWatch(server.bus) as watch:
        try:
            await server.ami.originate(caller_originate(
                queue, number=new_number(), name="Nobody Records", patience=60, ring=0.5, talk=1,
                hangup_by="caller", channel_id=channel_id))
            await watch.first(ev.AgentCompleted, "the call to end", 20,
                              where=lambda e: e.queue == queue)
        finally:
            await remove_members(cti, queue, [ext])
        # cc-record runs as the call connects, long before it ends
        assert not watch.of(ev.RecordingStarted, call_key=f"{channel_id};2")
    assert await job_state(db, f"{channel_id};2") is None
