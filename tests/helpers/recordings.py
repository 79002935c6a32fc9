"""Recordings in the tests: their rows, the audio of a raw or stored file, a raw WAV made
to order, and the converter as a process of its own."""
from __future__ import annotations

import array
import json
import math
import os
import signal
import subprocess
import sys
import wave
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path

from pydub import AudioSegment
from sqlalchemy import select

from crm_core.db import Database
from crm_core.models import Recording, RecordingJob
from recordings import audio
from recordings.journal import Job, Journal, StoredRecording
from recordings.storage import FolderStorage, storage_key

RAW_RATE = 8000
"""MixMonitor's .wav: 16-bit mono at 8 kHz."""
RAW_HEADER = 44
LOUD_DBFS = -30
SILENT_DBFS = -60
EDGE = 0.5
"""Seconds left out at each edge of a paused stretch: its times are the CTI server's clock,
and MixMonitor applies a mute to the audio it has buffered but not yet written, so the
silence in the file runs ahead of them (0.1-0.35 s measured here: CI runs on the busy
machine had 0.27 and 0.34 s against the 0.25 s once left out)."""


async def job_state(db: Database, call_key: str) -> str | None:
    job = await job_of(db, call_key)
    return None if job is None else job.state


async def job_of(db: Database, call_key: str) -> RecordingJob | None:
    async with db.sessionmaker() as session:
        return await session.scalar(select(RecordingJob).where(RecordingJob.call_key == call_key))


async def stored_recording(db: Database, call_key: str) -> Recording | None:
    """The call's recording once its job is done (the raw file deleted)."""
    if await job_state(db, call_key) != "done":
        return None
    async with db.sessionmaker() as session:
        return await session.scalar(select(Recording).where(Recording.call_key == call_key))


async def recordings_of(db: Database, call_key: str) -> list[Recording]:
    async with db.sessionmaker() as session:
        return list(await session.scalars(select(Recording).where(Recording.call_key == call_key)))


def raw_seconds(raw: Path) -> float:
    """Audio MixMonitor has written so far (its header's sizes come only at the end)."""
    try:
        return max(raw.stat().st_size - RAW_HEADER, 0) / (2 * RAW_RATE)
    except FileNotFoundError:
        return 0.0


def loudness(audio: AudioSegment, start: float, end: float) -> float:
    """dBFS between START and END seconds (-inf for digital silence)."""
    return audio[int(start * 1000):int(end * 1000)].dBFS


def write_tone_wav(path: Path, seconds: int, hz: float = 440) -> None:
    """A raw recording as MixMonitor writes it: a tone of SECONDS."""
    second = array.array("h", (int(8000 * math.sin(2 * math.pi * hz * i / RAW_RATE))
                               for i in range(RAW_RATE)))
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(RAW_RATE)
        for _ in range(seconds):
            wav.writeframes(second.tobytes())


def start_converter(database_url: str, data_dir: Path, store_dir: Path, log: Path, *,
                    vosk_models: Mapping[str, Path] | None = None) -> subprocess.Popen:
    """``python -m recordings work`` on that database, in a session of its own (so its pool
    processes can be ended with it: ``end_session``), its output appended to LOG; with
    VOSK_MODELS (language -> model folder), transcribing."""
    env = {**os.environ, "DATABASE_URL": database_url, "CALLCENTER_DATA_DIR": str(data_dir),
           "CALLCENTER_RECORDINGS_DIR": str(store_dir),
           "CALLCENTER_RECORDINGS_POLL_INTERVAL": "0.2"}
    if vosk_models is not None:
        env["CALLCENTER_VOSK_MODELS"] = json.dumps({k: str(v) for k, v in vosk_models.items()})
    with open(log, "ab") as output:
        return subprocess.Popen([sys.executable, "-m", "recordings", "work"], env=env,
                                start_new_session=True, stdout=output, stderr=subprocess.STDOUT)


def end_session(process: subprocess.Popen) -> None:
    """PROCESS (started by ``start_converter``) and its pool processes, killed."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(10)


async def ended_job(journal: Journal, key: str, raw: Path, *, keep: bool = True,
                    queue: str | None = None) -> datetime:
    """KEY's job, its recording RAW over (to store, or with KEEP false to discard), as the
    capture leaves it to the converter; when it started."""
    started = datetime.now(timezone.utc)
    await journal.open(call_key=key, raw_path=str(raw), channel="Local/x@sim-agent-0001;1",
                       mode="record" if keep else "on_demand", started_at=started.timestamp(),
                       retention_days=None, queue=queue)
    await journal.ended(key, started.timestamp() + 5, (), keep=keep)
    return started


async def store_claimed(journal: Journal, storage: FolderStorage, job: Job,
                        raw: Path) -> tuple[str, audio.Converted]:
    """The converter's steps for JOB up to "stored", then it stops: the storage key and what
    the conversion gave."""
    final_key = storage_key(job.call_key, job.started_at, audio.FORMAT)
    scratch = storage.scratch(final_key)
    converted = audio.convert(raw, scratch, "24k")
    storage.put(scratch, final_key)
    await journal.stored(job, StoredRecording(final_key, audio.FORMAT, converted, None))
    return final_key, converted
