"""Stored recordings made to order for the playback, access and retention tests: a tone
converted as the converter does it, put in the product's storage, its row linked to a call of
the CRM; and what the audit log says of it."""
from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import select

from crm_core.db import Database
from crm_core.models import Recording, RecordingAudit
from recordings import audio
from recordings.storage import FolderStorage, storage_key

from tests.helpers.accounts import Account
from tests.helpers.records import handled_call
from tests.helpers.recordings import write_tone_wav


async def stored_call_recording(db: Database, storage: FolderStorage, agent: Account | None,
                                scratch: Path, *, seconds: int = 3,
                                keep_until: datetime | None = None,
                                pauses: tuple[tuple[float, float, str], ...] = ()) -> Recording:
    """A call AGENT took, recorded (SECONDS of tone) and stored."""
    call_key = await handled_call(db, agent, None)
    recorded_at = datetime.now(timezone.utc) - timedelta(seconds=seconds)
    key = storage_key(call_key, recorded_at, audio.FORMAT)
    raw = scratch / f"{call_key}.wav"
    write_tone_wav(raw, seconds)
    target = storage.scratch(key)
    converted = await asyncio.get_running_loop().run_in_executor(
        None, audio.convert, raw, target, "24k")
    storage.put(target, key)
    row = Recording(call_key=call_key, storage_key=key, format=audio.FORMAT,
                    duration_ms=converted.duration_ms, size_bytes=converted.size_bytes,
                    sha256=converted.sha256, pauses=[list(p) for p in pauses],
                    recorded_at=recorded_at, keep_until=keep_until)
    async with db.sessionmaker.begin() as session:
        session.add(row)
    return row


async def audit_of(db: Database, recording_id: int) -> list[RecordingAudit]:
    """The audit log's entries of the recording, oldest first."""
    async with db.sessionmaker() as session:
        return list(await session.scalars(select(RecordingAudit)
                                          .where(RecordingAudit.recording_id == recording_id)
                                          .order_by(RecordingAudit.id)))


async def recording_row(db: Database, recording_id: int) -> Recording | None:
    async with db.sessionmaker() as session:
        return await session.get(Recording, recording_id)


async def stored_waveform(db: Database, recording_id: int) -> bytes | None:
    async with db.sessionmaker() as session:
        return await session.scalar(select(Recording.waveform)
                                    .where(Recording.id == recording_id))
