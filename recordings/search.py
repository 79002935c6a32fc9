"""Transcript search and a recording's transcript, in PostgreSQL: a GIN index on the
transcripts' tsvector finds the recordings whose words begin with every term, newest first
(the last 30 days' first), among the calls of the agents the viewer may see."""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select

from crm_core.db import Database
from crm_core.models import Call, Recording, Transcript, User
from recordings.playback_schemas import FoundRecording
from recordings.searchtext import snippet, tsquery
from recordings.transcribed import Word

SEARCH_CONFIG = "simple"
RECENT = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class TranscriptOf:
    recording_id: int
    call_key: str
    language: str
    words: list[Word]


async def search(db: Database, query: str, visible: Collection[int] | None, *,
                 limit: int) -> list[FoundRecording]:
    """The newest LIMIT transcripts matching QUERY among the calls of the agents VISIBLE
    (None: every call, also those without a call row yet). The last RECENT first: when they
    hold LIMIT hits those are the newest of all, and a common word's older hits are never
    read; else every transcript."""
    matching = tsquery(query)
    if not matching:
        return []
    statement = (
        select(Recording.id, Recording.call_key, User.username, Recording.recorded_at,
               Transcript.words)
        .join(Transcript, Transcript.recording_id == Recording.id)
        .outerjoin(Call, Call.call_key == Recording.call_key)
        .outerjoin(User, User.id == Call.agent_user_id)
        .where(Transcript.search.op("@@")(func.to_tsquery(SEARCH_CONFIG, matching)))
        .order_by(Transcript.recorded_at.desc()).limit(limit))
    if visible is not None:
        statement = statement.where(Call.agent_user_id.in_(visible))
    async with db.sessionmaker() as session:
        rows = (await session.execute(statement.where(
            Transcript.recorded_at >= func.now() - RECENT))).all()
        if len(rows) < limit:
            rows = (await session.execute(statement)).all()
    return [_found(row, query) for row in rows]


def _found(row, query: str) -> FoundRecording:
    recording_id, call_key, agent, recorded_at, words = row
    hit = snippet([Word(**w) for w in words], query)
    return FoundRecording(recording_id=recording_id, call_key=call_key, agent=agent,
                          recorded_at=recorded_at, snippet=hit.text if hit else "",
                          second=hit.second if hit else 0.0)


async def transcript_of(db: Database, recording_id: int) -> TranscriptOf | None:
    statement = (select(Transcript.call_key, Transcript.language, Transcript.words)
                 .where(Transcript.recording_id == recording_id))
    async with db.sessionmaker() as session:
        row = (await session.execute(statement)).first()
    if row is None:
        return None
    call_key, language, words = row
    return TranscriptOf(recording_id, call_key, language, [Word(**w) for w in words])
