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
from tests.helpers.recordings import (LOUD_DBFS, SILENT_DBFS, job_state, loudness, raw_seconds,
                                      stored_recording)
from tests.helpers.waiting import BusWatch, poll_until

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

MARGIN = 0.25
"""Seconds left out at each edge of a stretch: the pause's times are the CTI server's clock."""


async def test_a_recorded_call_is_stored_compressed_with_its_pause_silent_and_marked(
        cti, db, new_queue, new_extension) -> None:
    server, settings = cti.server, cti.server.settings
    queue = await new_queue("rec", product=cti)
    await server.recordings.policies.put("queue", queue, RecordingPolicy(Mode.ALL, retention_days=30))
    ext = new_extension()
    await add_members(cti, queue, [ext])
    channel_id = str(uuid.uuid4())
    key = f"{channel_id};2"  # the queue caller's uniqueid
    with BusWatch(server.bus) as watch:
        try:
            await server.ami.originate(caller_originate(
                queue, number=new_number(), name="Jürgen 张伟", patience=60, ring=0.5, talk=9,
                hangup_by="caller", channel_id=channel_id, tone="440"))
            started = await watch.first(ev.RecordingStarted, "MixMonitor to start", 15,
                                        where=lambda e: e.call_key == key)
            raw = settings.recordings_spool_host / Path(started.file).name
            await poll_until(lambda: raw_seconds(raw) >= 2, "2 s recorded", 10)
            await server.recordings.capture.pause(key)
            await poll_until(lambda: raw_seconds(raw) >= 5, "5 s recorded", 10)
            stretches = await server.recordings.capture.resume(key)
            completed = await watch.first(ev.AgentCompleted, "the call to end", 20,
                                          where=lambda e: e.queue == queue)
        finally:
            await remove_members(cti, queue, [ext])
    row = await poll_until(lambda: stored_recording(db, key), "the recording to be stored", 30)

    stored = settings.effective_recordings_dir / row.storage_key
    assert row.storage_key.startswith(f"{row.recorded_at:%Y/%m/%d}/") and row.format == "ogg"
    assert (sha256_of(stored), stored.stat().st_size) == (row.sha256, row.size_bytes)
    assert not raw.exists(), "the raw file is deleted once the compressed one is verified"
    assert row.keep_until == row.recorded_at + timedelta(days=30)
    decoded = AudioSegment.from_file(stored, format="ogg")
    assert abs(len(decoded) / 1000 - completed.talk_time) <= 1, (len(decoded), completed.talk_time)
    assert abs(len(decoded) - row.duration_ms) <= 20

    [(start, end)] = stretches
    assert row.pauses == [[start, end]] and end - start >= 2
    assert loudness(decoded, start + MARGIN, end - MARGIN) < SILENT_DBFS
    assert loudness(decoded, MARGIN, start - MARGIN) > LOUD_DBFS
    assert loudness(decoded, end + MARGIN, end + 1) > LOUD_DBFS


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
            await watch.first(ev.AgentCompleted, "the call to end", 20, where=lambda e: e.queue == queue)
        finally:
            await remove_members(cti, queue, [ext])
        # cc-record runs as the call connects, long before it ends
        assert not watch.of(ev.RecordingStarted, call_key=f"{channel_id};2")
    assert await job_state(db, f"{channel_id};2") is None
