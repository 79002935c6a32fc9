"""The conversion journal and the stored recordings, in PostgreSQL (``recording_jobs``,
``recordings``, ``recording_policies``).

Each step of a job commits its state, so a converter that dies anywhere resumes where the
journal says: ``pending`` and ``converting`` jobs are converted (again: the output is written
under a temporary name and renamed, the ``recordings`` row is upserted by call key), ``stored``
jobs are transcribed (from the raw file, which is kept until then; the transcript is upserted
by call key with the job's ``transcribed`` in one transaction), ``transcribed`` and ``discard``
jobs only have their raw file deleted.
"""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from crm_core.db import Database
from crm_core.models import KeywordHit, Recording, RecordingJob, RecordingPolicyRow, Transcript
from recordings.alerts import Hit
from recordings.audio import Converted
from recordings.pauses import Stretch
from recordings.policy import Mode, RecordingPolicy
from recordings.transcribed import Transcribed


@dataclass(frozen=True, slots=True)
class Job:
    id: int
    call_key: str
    raw_path: str
    state: str
    started_at: datetime
    ended_at: datetime | None
    pauses: list[list[float | str]]
    retention_days: int | None
    queue: str | None = None
    campaign: str | None = None
    """A dialer call's campaign."""


@dataclass(frozen=True, slots=True)
class StoredRecording:
    storage_key: str
    format: str
    audio: Converted
    keep_until: datetime | None


def utc(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, timezone.utc)


def _pauses(stretches: tuple[Stretch, ...]) -> list[list[float | str]]:
    """``[start, end, by]`` each (see migration 0018)."""
    return [list(s) for s in stretches]


class Journal:
    def __init__(self, db: Database) -> None:
        self._db = db

    # -- the capture's side ---------------------------------------------------------------

    async def open(self, *, call_key: str, raw_path: str, channel: str, mode: str,
                   started_at: float, retention_days: int | None,
                   queue: str | None = None, campaign: str | None = None) -> None:
        """A recording started; one job per call, whatever repeats the event."""
        async with self._db.sessionmaker.begin() as session:
            await session.execute(insert(RecordingJob).values(
                call_key=call_key, raw_path=raw_path, channel=channel, mode=mode, queue=queue,
                campaign=campaign,
                state="recording", started_at=utc(started_at),
                retention_days=retention_days).on_conflict_do_nothing(index_elements=["call_key"]))

    async def queued(self, call_key: str, queue: str) -> None:
        """A recording opened before its call had a queue (an IVR flow's) takes the queue that
        answered it (its transcription's language, its keyword phrases)."""
        async with self._db.sessionmaker.begin() as session:
            await session.execute(update(RecordingJob).where(
                RecordingJob.call_key == call_key, RecordingJob.queue.is_(None)).values(queue=queue))

    async def save_pauses(self, call_key: str, stretches: tuple[Stretch, ...]) -> None:
        await self._update(call_key, pauses=_pauses(stretches))

    async def ended(self, call_key: str, ended_at: float, stretches: tuple[Stretch, ...], *,
                    keep: bool = True) -> None:
        """The capture ended: the job is the converter's, to store or (KEEP false) to discard."""
        await self._update(call_key, state="pending" if keep else "discard",
                           ended_at=utc(ended_at), pauses=_pauses(stretches),
                           where_state="recording")

    async def _update(self, call_key: str, where_state: str | None = None,
                      **values: object) -> None:
        statement = update(RecordingJob).where(RecordingJob.call_key == call_key)
        if where_state is not None:
            statement = statement.where(RecordingJob.state == where_state)
        async with self._db.sessionmaker.begin() as session:
            await session.execute(statement.values(**values, updated_at=datetime.now(timezone.utc)))

    # -- the converter's side ---------------------------------------------------------------

    async def recover(self) -> None:
        """At the converter's start: what a converter that died was converting is to do again
        (one converter per journal)."""
        async with self._db.sessionmaker.begin() as session:
            await session.execute(update(RecordingJob).where(RecordingJob.state == "converting")
                                  .values(state="pending"))

    async def claim(self, busy: Collection[int] = ()) -> Job | None:
        """The next job due but not BUSY (this converter's jobs under way): converting it
        (pending), transcribing it (stored), or finishing it (transcribed, discard)."""
        now = datetime.now(timezone.utc)
        async with self._db.sessionmaker.begin() as session:
            row = await session.scalar(
                select(RecordingJob)
                .where(RecordingJob.state.in_(("pending", "stored", "transcribed", "discard")),
                       RecordingJob.updated_at <= now, RecordingJob.id.not_in(busy))
                .order_by(RecordingJob.updated_at, RecordingJob.id)
                .limit(1).with_for_update(skip_locked=True))
            if row is None:
                return None
            job = Job(row.id, row.call_key, row.raw_path, row.state, row.started_at,
                      row.ended_at, list(row.pauses), row.retention_days, row.queue,
                      row.campaign)
            if row.state == "pending":
                row.state, row.attempts, row.updated_at = "converting", row.attempts + 1, now
        return job

    async def postpone(self, job: Job, seconds: float) -> None:
        """Not yet (MixMonitor has not closed the file)."""
        due = datetime.now(timezone.utc) + timedelta(seconds=seconds)
        await self._set(job, "pending", updated_at=due)

    async def stored(self, job: Job, stored: StoredRecording) -> int:
        """The verified file is in the storage: its row, and the job's next step, at once;
        the recording's id."""
        values = dict(storage_key=stored.storage_key, format=stored.format,
                      duration_ms=stored.audio.duration_ms, size_bytes=stored.audio.size_bytes,
                      sha256=stored.audio.sha256, pauses=job.pauses, recorded_at=job.started_at,
                      keep_until=stored.keep_until)
        async with self._db.sessionmaker.begin() as session:
            recording_id = await session.scalar(
                insert(Recording).values(call_key=job.call_key, **values)
                .on_conflict_do_update(index_elements=["call_key"], set_=values)
                .returning(Recording.id))
            await self._step(session, job, "stored")
        return recording_id

    async def transcribed(self, job: Job, language: str, transcript: Transcribed,
                          hits: list[Hit]) -> list[Hit]:
        """The transcript, the call's keyword hits and the job's next step, at once; the hits
        not stored before (a step run again after a crash)."""
        async with self._db.sessionmaker.begin() as session:
            recording_id, recorded_at = (await session.execute(
                select(Recording.id, Recording.recorded_at)
                .where(Recording.call_key == job.call_key))).one()
            values = dict(recording_id=recording_id, recorded_at=recorded_at, language=language,
                          text=transcript.text, words=[w.as_json() for w in transcript.words])
            await session.execute(insert(Transcript).values(call_key=job.call_key, **values)
                                  .on_conflict_do_update(index_elements=["call_key"], set_=values))
            new: set[str] = set()
            if hits:
                new = set(await session.scalars(insert(KeywordHit).values(
                    [dict(call_key=job.call_key, phrase=h.phrase, second=h.second) for h in hits])
                    .on_conflict_do_nothing(index_elements=["call_key", "phrase"])
                    .returning(KeywordHit.phrase)))
            await self._step(session, job, "transcribed")
        return [h for h in hits if h.phrase in new]

    async def skip_transcription(self, job: Job) -> None:
        """No model for the recording's language: nothing to transcribe."""
        await self._set(job, "transcribed")

    @staticmethod
    async def _step(session: AsyncSession, job: Job, state: str) -> None:
        await session.execute(update(RecordingJob).where(RecordingJob.id == job.id).values(
            state=state, error=None, updated_at=datetime.now(timezone.utc)))

    async def done(self, job: Job) -> None:
        await self._set(job, "done")

    async def failed(self, job: Job, error: str) -> None:
        await self._set(job, "failed", error=error[:2000])

    async def _set(self, job: Job, state: str, **values: object) -> None:
        values.setdefault("updated_at", datetime.now(timezone.utc))
        async with self._db.sessionmaker.begin() as session:
            await session.execute(update(RecordingJob).where(RecordingJob.id == job.id)
                                  .values(state=state, **values))


class Policies:
    """The recording policies the CRM holds."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, kind: str, name: str) -> RecordingPolicy | None:
        async with self._db.sessionmaker() as session:
            row = await session.scalar(select(RecordingPolicyRow).where(
                RecordingPolicyRow.kind == kind, RecordingPolicyRow.name == name))
        return None if row is None else RecordingPolicy(
            Mode(row.mode), row.percent, row.announcement, row.retention_days)

    async def language(self, kind: str, name: str | None) -> str | None:
        """The language the policy's calls are spoken in; none: the site's default."""
        async with self._db.sessionmaker() as session:
            return await session.scalar(select(RecordingPolicyRow.language).where(
                RecordingPolicyRow.kind == kind, RecordingPolicyRow.name == name))

    async def set_language(self, kind: str, name: str, language: str | None) -> None:
        async with self._db.sessionmaker.begin() as session:
            await session.execute(update(RecordingPolicyRow).where(
                RecordingPolicyRow.kind == kind, RecordingPolicyRow.name == name)
                .values(language=language))

    async def put(self, kind: str, name: str, policy: RecordingPolicy, *,
                  language: str | None = None) -> None:
        """The policy and its calls' LANGUAGE (none: the site's default), replaced."""
        values = dict(mode=policy.mode.value, percent=policy.percent,
                      announcement=policy.announcement, retention_days=policy.retention_days,
                      language=language, updated_at=datetime.now(timezone.utc))
        async with self._db.sessionmaker.begin() as session:
            await session.execute(
                insert(RecordingPolicyRow).values(kind=kind, name=name, **values)
                .on_conflict_do_update(index_elements=["kind", "name"], set_=values))
