"""The converter: takes jobs from the journal and runs the audio work in a process pool.

For each job: wait until MixMonitor has closed the WAV; convert it into the storage's scratch
file (same name on every try); verify it (decoded, duration checked); rename it into place;
upsert the ``recordings`` row and mark the job stored in one transaction; only then delete
the raw file and mark the job done (a job to discard, paused throughout, has only its raw
file deleted). Killed anywhere, it resumes on restart with nothing half done: no row without
its file, no file under its key that is not whole, no second row.
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor
from datetime import timedelta
from functools import partial
from pathlib import Path

from recordings import audio
from recordings.journal import Job, Journal, StoredRecording
from recordings.policy import keep_until
from recordings.storage import Storage, storage_key

log = logging.getLogger(__name__)

UNCLOSED_GRACE = timedelta(seconds=60)
"""A raw file still unclosed this long after the call is broken (Asterisk died mid-call)."""
RETRY_UNCLOSED = 0.5


class Converter:
    def __init__(self, journal: Journal, storage: Storage, pool: Executor, *, bitrate: str,
                 poll_interval: float,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self._journal = journal
        self._storage = storage
        self._pool = pool
        self._bitrate = bitrate
        self._poll_interval = poll_interval
        self._sleep = sleep

    async def run(self) -> None:
        """Convert until cancelled."""
        await self._journal.recover()
        while True:
            try:
                job = await self._journal.claim()
            except Exception:
                log.exception("reading the recordings journal failed; trying again")
                job = None
            if job is None:
                await self._sleep(self._poll_interval)
                continue
            try:
                await self.process(job)
            except Exception as exc:
                log.exception("recording %s failed", job.call_key)
                await self._journal.failed(job, f"{type(exc).__name__}: {exc}")

    async def process(self, job: Job) -> None:
        raw = Path(job.raw_path)
        if job.state == "pending":
            if not await self._in_pool(audio.wav_complete, raw):
                await self._not_closed(job)
                return
            await self._store(job, raw)
        # stored: only the raw file's deletion was left; discard: nothing is kept
        raw.unlink(missing_ok=True)
        await self._journal.done(job)
        log.info("recording %s done (was %s)", job.call_key, job.state)

    async def _store(self, job: Job, raw: Path) -> None:
        key = storage_key(job.call_key, job.started_at, audio.FORMAT)
        scratch = self._storage.scratch(key)
        converted = await self._in_pool(audio.convert, raw, scratch, self._bitrate)
        self._storage.put(scratch, key)
        await self._journal.stored(job, StoredRecording(
            key, audio.FORMAT, converted, keep_until(job.started_at, job.retention_days)))

    async def _not_closed(self, job: Job) -> None:
        ended = job.ended_at or job.started_at
        if ended.timestamp() + UNCLOSED_GRACE.total_seconds() < time.time():
            await self._journal.failed(job, f"{job.raw_path} was never closed")
        else:
            await self._journal.postpone(job, RETRY_UNCLOSED)

    async def _in_pool(self, work: Callable[..., object], *args: object):
        return await asyncio.get_running_loop().run_in_executor(self._pool, partial(work, *args))
