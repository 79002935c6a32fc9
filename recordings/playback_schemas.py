"""The JSON bodies of the recordings' APIs (``recordings.playback``, ``recordings.search_api``),
as the console's are declared (agent_console.schemas): strict requests, answers checked on the way out."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field

from agent_console.schemas import MAX_QUERY, Answer, Body, Query
from recordings.pauses import PausedBy

MAX_LIST = 100
Pause = tuple[float, float, PausedBy]
"""A silent stretch: seconds from the start to its end, and who paused."""


class RecentQuery(Query):
    limit: int = Field(20, ge=1, le=MAX_LIST)


class AuditQuery(Query):
    limit: int = Field(200, ge=1, le=1000)
    recording_id: int | None = None


class NoBody(Body):
    """A request that needs nothing but its path (an empty body reads as this)."""


class RecordingSummary(Answer):
    id: int
    call_key: str
    recorded_at: AwareDatetime
    duration_ms: int
    agent_name: str | None


class RecordingList(Answer):
    recordings: list[RecordingSummary]


class RecordingMeta(RecordingSummary):
    """``GET /api/recordings/{id}``."""
    format: str
    size_bytes: int
    sha256: str
    pauses: list[Pause]
    """Silent stretches: the agent paused the recording, or the IVR while a card number was
    keyed in."""
    keep_until: AwareDatetime | None
    may_download: bool
    may_delete: bool


class Waveform(Answer):
    interval_ms: int
    peaks: list[int]
    """One per interval, 0-255 of full scale."""


class LivePauses(Answer):
    """The agent's recording under way after a pause or a resume."""
    call_key: str
    paused: bool
    pauses: list[Pause]


class Deleted(Answer):
    id: int
    deleted: Literal[True] = True


class AuditEntryAnswer(Answer):
    at: AwareDatetime
    actor: str
    action: Literal["play", "download", "delete"]
    allowed: bool
    recording_id: int
    call_key: str
    address: str | None
    detail: str | None


class AuditLog(Answer):
    entries: list[AuditEntryAnswer]


MAX_FOUND = 100


class TranscriptSearchQuery(Query):
    q: Annotated[str, Field(min_length=1, max_length=MAX_QUERY)]
    limit: Annotated[int, Field(gt=0, le=MAX_FOUND)] = 20


class FoundRecording(Answer):
    recording_id: int
    call_key: str
    agent: str | None
    recorded_at: datetime
    snippet: str
    second: float


class FoundRecordings(Answer):
    recordings: list[FoundRecording]


class TranscriptWord(Answer):
    word: str
    start: float
    end: float
    conf: float


class KeywordHitAnswer(Answer):
    phrase: str
    second: float


class TranscriptAnswer(Answer):
    recording_id: int
    call_key: str
    language: str
    words: list[TranscriptWord]
    alerts: list[KeywordHitAnswer]
