"""The converter: takes jobs from the journal and runs the audio work in a process pool,
CONCURRENCY jobs at a time (recordings.wiring: one more than the pool has processes).

For each job: wait until MixMonitor has closed the WAV; convert it into the storage's scratch
file (same name on every try); verify it (decoded, duration checked); rename it into place;
upsert the ``recordings`` row and mark the job stored in one transaction; transcribe the raw
file (vosk, when there is a model for the recording's language) and store the transcript and
the keyword hits with the job's ``transcribed`` in one transaction, then tell ``on_alert``
of each new hit (a NOTIFY for the CTI server's wallboards); only then delete the raw file and mark the job done (a job to discard, paused
throughout, has only its raw file deleted). Killed anywhere, it resumes on restart with
nothing half done: no row without its file, no file under its key that is not whole, no
second row, no second transcript.
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import Executor
from dataclasses import dataclass, field, replace
from datetime import timedelta
from functools import partial
from pathlib import Path

from recordings import audio, transcribe
from recordings.alerts import Hit, hits
from recordings.alerts_store import KeywordAlerted, Phrases
from recordings.journal import Job, Journal, Policies, StoredRecording
from recordings.policy import keep_until
from recordings.storage import Storage, storage_key

log = logging.getLogger(__name__)

UNCLOSED_GRACE = timedelta(seconds=60)
"""A raw file still unclosed this long after the call is broken (Asterisk died mid-call)."""
RETRY_UNCLOSED = 0.5


async def _told_nobody(alerted: KeywordAlerted) -> None:
    return None


@dataclass(frozen=True, slots=True)
class Transcription:
    """Which recordings are transcribed, with which model, and who hears of keyword hits."""

    policies: Policies
    phrases: Phrases
    models: Mapping[str, Path] = field(default_factory=dict)
    """Language -> vosk model folder; a language without one is not transcribed."""
    default_language: str = ""
    on_alert: Callable[[KeywordAlerted], Awaitable[None]] = _told_nobody
    """A new hit, to tell the supervisors of (``recordings.alerts_channel.send_alert``)."""


def _owners(job: Job) -> list[tuple[str, str]]:
    """Whose language and phrases a recording takes, the first that has them: a dialer
    call's campaign's (its policy wins over its queue's), then its queue's."""
    return [(kind, name) for kind, name in (("campaign", job.campaign), ("queue", job.queue))
            if name]


async def _language(how: Transcription, job: Job) -> str:
    for kind, name in _owners(job):
        if language := await how.policies.language(kind, name):
            return language
    return how.default_language


async def _phrases(how: Transcription, job: Job) -> list[str]:
    for kind, name in _owners(job):
        if phrases := await how.phrases.of(kind, name):
            return phrases
    return []


async def _tell(how: Transcription, job: Job, hit: Hit) -> None:
    """A hit not told (the database away for a moment) stays flagged; the job goes on."""
    try:
        await how.on_alert(await how.phrases.alerted(job.call_key, job.queue, hit))
    except Exception:
        log.exception("the keyword alert of %s (%s) was not told", job.call_key, hit.phrase)


class Converter:
    def __init__(self, journal: Journal, storage: Storage, pool: Executor, *, bitrate: str,
                 poll_interval: float, transcription: Transcription | None = None,
                 concurrency: int = 1,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self._journal = journal
        self._storage = storage
        self._pool = pool
        self._bitrate = bitrate
        self._poll_interval = poll_interval
        self._transcription = transcription
        self._slots = asyncio.Semaphore(concurrency)
        self._busy: dict[int, asyncio.Task] = {}
        """Job id -> the task working on it."""
        self._sleep = sleep

    async def run(self) -> None:
        """Convert until cancelled, CONCURRENCY jobs at a time."""
        await self._journal.recover()
        try:
            while True:
                await self._slots.acquire()
                job = await self._next()
                if job is None:
                    self._slots.release()
                    await self._sleep(self._poll_interval)
                    continue
                task = asyncio.create_task(self._guarded(job), name=f"recording {job.id}")
                self._busy[job.id] = task
        finally:
            for task in self._busy.values():
                task.cancel()
            await asyncio.gather(*self._busy.values(), return_exceptions=True)

    async def _next(self) -> Job | None:
        try:
            return await self._journal.claim(busy=list(self._busy))
        except Exception:
            log.exception("reading the recordings journal failed; trying again")
            return None

    async def _guarded(self, job: Job) -> None:
        try:
            await self.process(job)
        except Exception as exc:
            log.exception("recording %s failed", job.call_key)
            await self._journal.failed(job, f"{type(exc).__name__}: {exc}")
        finally:
            del self._busy[job.id]
            self._slots.release()

    async def process(self, job: Job) -> None:
        raw = Path(job.raw_path)
        if job.state == "pending":
            if not await self._in_pool(audio.wav_complete, raw):
                await self._not_closed(job)
                return
            await self._store(job, raw)
            job = replace(job, state="stored")
        if job.state == "stored":
            await self._transcribe(job, raw)
        # transcribed: only the raw file's deletion was left; discard: nothing is kept
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

    async def _transcribe(self, job: Job, raw: Path) -> None:
        how = self._transcription
        language = None if how is None else await _language(how, job)
        if how is None or language not in how.models:
            await self._journal.skip_transcription(job)
            return
        transcribed = await self._in_pool(transcribe.transcribe, raw, how.models[language])
        found = hits(await _phrases(how, job), transcribed.words)
        for hit in await self._journal.transcribed(job, language, transcribed, found):
            await _tell(how, job, hit)

    async def _not_closed(self, job: Job) -> None:
        ended = job.ended_at or job.started_at
        if ended.timestamp() + UNCLOSED_GRACE.total_seconds() < time.time():
            await self._journal.failed(job, f"{job.raw_path} was never closed")
        else:
            await self._journal.postpone(job, RETRY_UNCLOSED)

    async def _in_pool(self, work: Callable[..., object], *args: object):
        return await asyncio.get_running_loop().run_in_executor(self._pool, partial(work, *args))
