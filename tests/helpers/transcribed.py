"""Transcribed recordings in the CRM for a test, as the converter stores them; a call's
transcript as stored."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select

from crm_core.db import Database
from crm_core.models import Recording, Transcript
from recordings.transcribed import Word


def words_of(text: str, *, every: float = 0.5) -> list[Word]:
    """TEXT's words, one every EVERY seconds."""
    return [Word(w, i * every, i * every + every * 0.8, 1.0) for i, w in enumerate(text.split())]


async def transcribed_recording(db: Database, call_key: str, words: list[Word], *,
                                language: str = "ko", recorded_at: datetime | None = None) -> int:
    """A stored recording of CALL_KEY (made RECORDED_AT, default now) with WORDS as its
    transcript; its id."""
    async with db.sessionmaker.begin() as session:
        recording = Recording(call_key=call_key, storage_key=f"test/{call_key}.ogg", format="ogg",
                              duration_ms=int(words[-1].end * 1000) + 500, size_bytes=1000,
                              sha256="0" * 64,
                              recorded_at=recorded_at or datetime.now(timezone.utc))
        session.add(recording)
        await session.flush()
        session.add(Transcript(recording_id=recording.id, recorded_at=recording.recorded_at,
                               call_key=call_key, language=language,
                               text=" ".join(w.word for w in words),
                               words=[w.as_json() for w in words]))
    return recording.id


async def transcript_of(db: Database, call_key: str) -> Transcript | None:
    async with db.sessionmaker() as session:
        return await session.scalar(select(Transcript).where(Transcript.call_key == call_key))
