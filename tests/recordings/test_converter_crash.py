"""The converter as a real process, killed (SIGKILL) in the middle of a conversion: after a
restart the recording is complete, one row and one file, the raw file deleted only then; a
job stopped after it was stored is only finished; a job to discard leaves nothing. On a
database of its own, so the test product's own converter takes no part."""
from __future__ import annotations

import os
import signal
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from pydub import AudioSegment

from callcenter.settings import Settings
from crm_core.db import Database
from recordings.audio import sha256_of
from recordings.journal import Journal
from recordings.storage import FolderStorage, storage_key
from recordings.worker import Converter

from tests.helpers.recordings import (end_session, ended_job, job_state, recordings_of,
                                      start_converter, store_claimed, stored_recording,
                                      write_tone_wav)
from tests.helpers.waiting import poll_until

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

RAW_SECONDS = 480
"""Long enough that the conversion takes seconds here."""


async def test_a_converter_killed_mid_conversion_finishes_after_a_restart(
        settings: Settings, own_database_url: str, own_db: Database, tmp_path: Path) -> None:
    raw, store, log = tmp_path / "raw.wav", tmp_path / "store", tmp_path / "converter.log"
    write_tone_wav(raw, RAW_SECONDS)
    key = "crash-1733140000.42"
    started = await ended_job(Journal(own_db), key, raw)
    storage = FolderStorage(store)
    final = storage.path(storage_key(key, started, "ogg"))
    scratch = storage.scratch(storage_key(key, started, "ogg"))

    converters = [start_converter(own_database_url, settings.data_dir, store, log)]
    try:
        await poll_until(lambda: scratch.exists(), "the conversion to be under way", 30)
        os.kill(converters[0].pid, signal.SIGKILL)
        converters[0].wait(10)
        assert await job_state(own_db, key) == "converting"
        assert not final.exists() and raw.exists() and not await recordings_of(own_db, key)

        converters.append(start_converter(own_database_url, settings.data_dir, store, log))
        row = await poll_until(lambda: stored_recording(own_db, key), "the recording", 60)
    finally:
        for process in converters:  # and their pool processes
            end_session(process)

    assert [r.id for r in await recordings_of(own_db, key)] == [row.id]
    assert (sha256_of(final), final.stat().st_size) == (row.sha256, row.size_bytes)
    assert abs(len(AudioSegment.from_file(final, format="ogg")) - RAW_SECONDS * 1000) <= 100
    assert row.duration_ms == pytest.approx(RAW_SECONDS * 1000, abs=100)
    assert not raw.exists() and not scratch.exists()
    assert sorted(p.name for p in final.parent.iterdir()) == [final.name], log.read_text()


async def test_a_job_stopped_once_stored_only_has_its_raw_file_deleted(
        own_db: Database, tmp_path: Path) -> None:
    raw, journal = tmp_path / "raw.wav", Journal(own_db)
    storage = FolderStorage(tmp_path / "store")
    write_tone_wav(raw, 5)
    key = "stored-1733140000.43"
    await ended_job(journal, key, raw)
    job = await journal.claim()
    assert job is not None and job.call_key == key
    final_key, converted = await store_claimed(journal, storage, job, raw)
    written = storage.path(final_key).stat().st_mtime_ns

    with ThreadPoolExecutor(1) as pool:
        converter = Converter(journal, storage, pool, bitrate="24k", poll_interval=0.1)
        await journal.recover()
        again = await journal.claim()
        assert again is not None and again.state == "stored"
        await converter.process(again)
    assert await job_state(own_db, key) == "done" and not raw.exists()
    assert storage.path(final_key).stat().st_mtime_ns == written, "not converted again"
    [row] = await recordings_of(own_db, key)
    assert row.sha256 == converted.sha256


async def test_a_job_to_discard_leaves_nothing(own_db: Database, tmp_path: Path) -> None:
    raw, journal = tmp_path / "raw.wav", Journal(own_db)
    storage = FolderStorage(tmp_path / "store")
    write_tone_wav(raw, 2)
    key = "discard-1733140000.44"
    await ended_job(journal, key, raw, keep=False)
    with ThreadPoolExecutor(1) as pool:
        job = await journal.claim()
        assert job is not None and job.state == "discard"
        await Converter(journal, storage, pool, bitrate="24k", poll_interval=0.1).process(job)
    assert await job_state(own_db, key) == "done" and not raw.exists()
    assert not await recordings_of(own_db, key) and not storage.root.exists()
