"""The conversion journal and the stored recordings, in PostgreSQL (``recording_jobs``,
``recordings``, ``recording_policies``).

Each step of a job commits its state, so a converter that dies anywhere resumes where the
journal says: ``pending`` and ``converting`` jobs are converted (again: the output is written
under a temporary name and renamed, the ``recordings`` row is upserted by call key), ``stored``
and ``discard`` jobs only have their raw file deleted.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert

from crm_core.db import Database
from crm_core.models import Recording, RecordingJob, RecordingPolicyRow
from recordings.audio import Converted
from recordings.pauses import Stretch
from recordings.policy import Mode, RecordingPolicy


@dataclass(frozen=True, slots=True)
class Job:
    id: int
    call_key: str
    raw_path: str
    state: str
    started_at: datetime
    ended_at: datetime | None
    pauses: list[list[float]]
    retention_days: int | None


@dataclass(frozen=True, slots=True)
class StoredRecording:
    storage_key: str
    format: str
    audio: Converted
    keep_until: datetime | None


def utc(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, timezone.utc)


def _pauses(stretches: tuple[Stretch, ...]) -> list[list[float]]:
    return [[s.start, s.end] for s in stretches]


class Journal:
    def __init__(self, db: Database) -> None:
        self._db = db

    # -- the capture's side ---------------------------------------------------------------

    async def open(self, *, call_key: str, raw_path: str, channel: str, mode: str,
                   started_at: float, retention_days: int | None) -> None:
        """A recording started; one job per call, whatever repeats the event."""
        async with self._db.sessionmaker.begin() as session:
            await session.execute(insert(RecordingJob).values(
                call_key=call_key, raw_path=raw_path, channel=channel, mode=mode,
                state="recording", started_at=utc(started_at),
                retention_days=retention_days).on_conflict_do_nothing(index_elements=["call_key"]))

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

    async def claim(self) -> Job | None:
        """The next job due: converting it (pending), or finishing it (stored, discard)."""
        now = datetime.now(timezone.utc)
        async with self._db.sessionmaker.begin() as session:
            row = await session.scalar(
                select(RecordingJob)
                .where(RecordingJob.state.in_(("pending", "stored", "discard")),
                       RecordingJob.updated_at <= now)
                .order_by(RecordingJob.updated_at, RecordingJob.id)
                .limit(1).with_for_update(skip_locked=True))
            if row is None:
                return None
            job = Job(row.id, row.call_key, row.raw_path, row.state, row.started_at,
                      row.ended_at, list(row.pauses), row.retention_days)
            if row.state == "pending":
                row.state, row.attempts, row.updated_at = "converting", row.attempts + 1, now
        return job

    async def postpone(self, job: Job, seconds: float) -> None:
        """Not yet (MixMonitor has not closed the file)."""
        due = datetime.now(timezone.utc) + timedelta(seconds=seconds)
        await self._set(job, "pending", updated_at=due)

    async def stored(self, job: Job, stored: StoredRecording) -> None:
        """The verified file is in the storage: its row, and the job's next step, at once."""
        values = dict(storage_key=stored.storage_key, format=stored.format,
                      duration_ms=stored.audio.duration_ms, size_bytes=stored.audio.size_bytes,
                      sha256=stored.audio.sha256, pauses=job.pauses, recorded_at=job.started_at,
                      keep_until=stored.keep_until)
        async with self._db.sessionmaker.begin() as session:
            await session.execute(insert(Recording).values(call_key=job.call_key, **values)
                                  .on_conflict_do_update(index_elements=["call_key"], set_=values))
            await session.execute(update(RecordingJob).where(RecordingJob.id == job.id)
                                  .values(state="stored", error=None,
                                          updated_at=datetime.now(timezone.utc)))

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

    async def put(self, kind: str, name: str, policy: RecordingPolicy) -> None:
        values = dict(mode=policy.mode.value, percent=policy.percent,
                      announcement=policy.announcement, retention_days=policy.retention_days,
                      updated_at=datetime.now(timezone.utc))
        async with self._db.sessionmaker.begin() as session:
            await session.execute(
                insert(RecordingPolicyRow).values(kind=kind, name=name, **values)
                .on_conflict_do_update(index_elements=["kind", "name"], set_=values))
