"""Transcripts over HTTP (JSON).

- ``GET /admin/recordings/search?q=...&limit=N`` (supervisors: their teams' calls; admins:
  all): the newest recordings whose transcript has every term of ``q`` (each the start of a
  word), with the call, its agent, when it was recorded, the words around the hit and the
  second of the recording it was said at.
- ``GET /api/recordings/{id}/transcript``: the words with their times and the call's keyword
  hits, for those who may hear the recording (``recordings.access``); 404 until there is one.
"""
from __future__ import annotations

from aiohttp import web

from agent_console.auth import USER, require_role
from agent_console.jsonbody import NO_STORE, answer, query
from callcenter.errors import NotFound
from crm_core.db import Database
from crm_core.teams import visible_user_ids
from recordings.access import AccessRules, Action
from recordings.alerts_store import Phrases
from recordings.playback_schemas import FoundRecordings, TranscriptAnswer, TranscriptSearchQuery
from recordings.playback_store import PlaybackStore
from recordings.search import search, transcript_of


class TranscriptsResource:
    def __init__(self, db: Database, phrases: Phrases, store: PlaybackStore,
                 rules: AccessRules) -> None:
        self.db = db
        self.phrases = phrases
        self.store = store
        self.rules = rules

    @require_role("admin", "supervisor")
    async def search(self, request: web.Request) -> web.Response:
        asked = query(request, TranscriptSearchQuery)
        visible = await visible_user_ids(self.db, request[USER])
        found = await search(self.db, asked.q, visible, limit=asked.limit)
        return answer(FoundRecordings, {"recordings": found}, headers=NO_STORE)

    async def transcript(self, request: web.Request) -> web.Response:
        raw = request.match_info["id"]
        recording = await self.store.get(int(raw)) if raw.isdigit() and len(raw) < 18 else None
        if recording is None:
            raise NotFound("not found")
        self.rules.check(await self.store.viewer(request[USER]), recording.owner, Action.PLAY)
        found = await transcript_of(self.db, recording.id)
        if found is None:
            raise NotFound("not found")
        alerts = await self.phrases.flagged(found.call_key)
        return answer(TranscriptAnswer, {
            "recording_id": found.recording_id, "call_key": found.call_key,
            "language": found.language, "words": [w.as_json() for w in found.words],
            "alerts": [{"phrase": a.phrase, "second": a.second} for a in alerts]},
            headers=NO_STORE)


def add_routes(app: web.Application, transcripts: TranscriptsResource) -> None:
    app.router.add_get("/admin/recordings/search", transcripts.search)
    app.router.add_get("/api/recordings/{id}/transcript", transcripts.transcript)
