"""The stored recordings as playback sees them (SQL): one with the agent who took its call,
the recent ones a viewer may hear, their waveforms, deletion, and the access audit log."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update

from crm_core.db import Database
from crm_core.models import Call, Recording, RecordingAudit, User
from crm_core.teams import led_teams
from crm_core.values import UserInfo
from recordings.access import Action, Owner, Viewer

SYSTEM = "system"
"""The audit log's actor for what no user did (retention)."""


@dataclass(frozen=True, slots=True)
class StoredInfo:
    id: int
    call_key: str
    storage_key: str
    format: str
    duration_ms: int
    size_bytes: int
    sha256: str
    pauses: list[list[float | str]]
    recorded_at: datetime
    keep_until: datetime | None
    owner: Owner
    agent_name: str | None


@dataclass(frozen=True, slots=True)
class AuditEntry:
    at: datetime
    actor: str
    action: Action
    allowed: bool
    recording_id: int
    call_key: str
    address: str | None
    detail: str | None


def _with_owner():
    return (select(Recording, Call.agent_user_id, User.team, User.display_name)
            .outerjoin(Call, Call.call_key == Recording.call_key)
            .outerjoin(User, User.id == Call.agent_user_id))


def _info(row) -> StoredInfo:
    recording, agent_id, team, name = row
    return StoredInfo(recording.id, recording.call_key, recording.storage_key, recording.format,
                      recording.duration_ms, recording.size_bytes, recording.sha256,
                      list(recording.pauses), recording.recorded_at, recording.keep_until,
                      Owner(agent_id, team), name)


class PlaybackStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def viewer(self, user: UserInfo) -> Viewer:
        teams = await led_teams(self._db, user.id) if user.role == "supervisor" else set()
        return Viewer(user.id, user.role, frozenset(teams))

    async def get(self, recording_id: int) -> StoredInfo | None:
        async with self._db.sessionmaker() as session:
            row = (await session.execute(
                _with_owner().where(Recording.id == recording_id))).first()
        return None if row is None else _info(row)

    async def recent(self, agent_user_id: int, limit: int) -> list[StoredInfo]:
        """The agent's own recorded calls, newest first."""
        async with self._db.sessionmaker() as session:
            rows = await session.execute(
                _with_owner().where(Call.agent_user_id == agent_user_id)
                .order_by(Recording.recorded_at.desc()).limit(limit))
        return [_info(row) for row in rows]

    async def waveform(self, recording_id: int) -> bytes | None:
        async with self._db.sessionmaker() as session:
            return await session.scalar(
                select(Recording.waveform).where(Recording.id == recording_id))

    async def save_waveform(self, recording_id: int, peaks: bytes) -> None:
        async with self._db.sessionmaker.begin() as session:
            await session.execute(update(Recording).where(Recording.id == recording_id)
                                  .values(waveform=peaks))

    async def expired(self, now: datetime, limit: int) -> list[StoredInfo]:
        async with self._db.sessionmaker() as session:
            rows = await session.execute(
                _with_owner().where(Recording.keep_until <= now)
                .order_by(Recording.keep_until).limit(limit))
        return [_info(row) for row in rows]

    async def delete(self, recording: StoredInfo, entry: AuditEntry,
                     user_id: int | None = None) -> None:
        """The row (its waveform with it) and the audit entry saying so, at once; the file
        is the caller's to delete first (a crash between leaves a row to delete again)."""
        async with self._db.sessionmaker.begin() as session:
            await session.execute(delete(Recording).where(Recording.id == recording.id))
            session.add(_audit_row(entry, user_id))

    async def audit(self, entry: AuditEntry, user_id: int | None) -> None:
        async with self._db.sessionmaker.begin() as session:
            session.add(_audit_row(entry, user_id))

    async def audit_log(self, limit: int, recording_id: int | None = None) -> list[AuditEntry]:
        """Newest first."""
        statement = select(RecordingAudit).order_by(RecordingAudit.id.desc()).limit(limit)
        if recording_id is not None:
            statement = statement.where(RecordingAudit.recording_id == recording_id)
        async with self._db.sessionmaker() as session:
            rows = await session.scalars(statement)
            return [AuditEntry(r.at, r.actor, Action(r.action), r.allowed, r.recording_id,
                               r.call_key, r.address, r.detail) for r in rows]


def _audit_row(entry: AuditEntry, user_id: int | None) -> RecordingAudit:
    return RecordingAudit(at=entry.at, user_id=user_id, actor=entry.actor,
                          action=entry.action.value, allowed=entry.allowed,
                          recording_id=entry.recording_id, call_key=entry.call_key,
                          address=entry.address, detail=entry.detail)
