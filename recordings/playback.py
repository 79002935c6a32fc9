"""Playback of stored recordings over HTTP, for those the access rules allow (every route
needs a logged-in user: agent_console.auth):

- ``GET /api/recordings``: the user's own recent recorded calls (the console's list);
- ``GET /api/recordings/{id}``: metadata (duration, pauses, size, SHA-256, what the user may do);
- ``GET /api/recordings/{id}/audio``: the audio, with HTTP range requests (206, Content-Range,
  If-Range: aiohttp's FileResponse) so the player seeks;
- ``GET /api/recordings/{id}/download``: the file as an attachment (supervisors, admins);
- ``GET /api/recordings/{id}/waveform``: peaks per 50 ms, computed once off the event loop and
  stored;
- ``DELETE /api/recordings/{id}``: admins;
- ``POST /api/recordings/live/{pause|resume}``: the agent's own call under way;
- ``GET /admin/recordings/audit`` (JSON) and the page ``/recordings/audit``: the audit log, for
  admins;
- ``GET /recordings/{id}``: a recording's page with the player (supervisors: a call's page).

Every play, download and delete is written to the audit log (who, when, which, from which
address), refusals too; a range request is a play of its own, its range in the entry."""
from __future__ import annotations

import asyncio
from dataclasses import asdict
from concurrent.futures import Executor
from datetime import datetime, timezone
from pathlib import Path

from aiohttp import hdrs, web

from agent_console.auth import USER, page, refusal, require_role
from agent_console.jsonbody import NO_STORE, answer, query, read
from agent_console.login import client_address
from agent_console.pages import html_page
from callcenter.errors import Conflict, Forbidden, NotFound
from crm_core.values import UserInfo
from ctiserver.control.channels import channel_prefix
from recordings import waveform
from recordings.access import AccessRules, Action, Viewer
from recordings.capture import RecordingCapture
from recordings.playback_schemas import (AuditLog, AuditQuery, Deleted, LivePauses, NoBody,
                                         RecentQuery, RecordingList, RecordingMeta, Waveform)
from recordings.playback_store import AuditEntry, PlaybackStore, StoredInfo
from recordings.storage import FolderStorage

AUDIO_TYPES = {"ogg": "audio/ogg"}
PRIVATE = {"Cache-Control": "private, no-store"}
"""Recordings stay out of shared caches and off the disk cache."""
NO_BODY_LIMIT = 64
"""Bytes a request without a body may send anyway (``{}``)."""


class PlaybackResource:
    def __init__(self, store: PlaybackStore, storage: FolderStorage, rules: AccessRules,
                 capture: RecordingCapture, *, pool: Executor | None,
                 trusted_proxies: frozenset[str]) -> None:
        self._store = store
        self._storage = storage
        self._rules = rules
        self._capture = capture
        self._pool = pool
        self._trusted_proxies = trusted_proxies

    # -- reading ------------------------------------------------------------------------------

    async def recent(self, request: web.Request) -> web.Response:
        user, limit = request[USER], query(request, RecentQuery).limit
        viewer = await self._store.viewer(user)
        found = [r for r in await self._store.recent(user.id, limit)
                 if self._rules.allows(viewer, r.owner, Action.PLAY)]
        return answer(RecordingList, {"recordings": [_summary(r) for r in found]},
                      headers=NO_STORE)

    async def metadata(self, request: web.Request) -> web.Response:
        recording, viewer = await self._visible(request)
        may = {"may_download": self._rules.allows(viewer, recording.owner, Action.DOWNLOAD),
               "may_delete": self._rules.allows(viewer, recording.owner, Action.DELETE)}
        return answer(RecordingMeta, {**_summary(recording), **may, "format": recording.format,
                                      "size_bytes": recording.size_bytes,
                                      "sha256": recording.sha256, "pauses": recording.pauses,
                                      "keep_until": recording.keep_until}, headers=NO_STORE)

    async def waveform(self, request: web.Request) -> web.Response:
        recording, _ = await self._visible(request)
        peaks = await self._store.waveform(recording.id)
        if peaks is None:  # the first ask computes it, off the event loop, once
            peaks = await asyncio.get_running_loop().run_in_executor(
                self._pool, waveform.peaks, self._file(recording), recording.format)
            await self._store.save_waveform(recording.id, peaks)
        return answer(Waveform, {"interval_ms": waveform.INTERVAL_MS, "peaks": list(peaks)},
                      headers=PRIVATE)

    async def audio(self, request: web.Request) -> web.StreamResponse:
        recording = await self._checked(request, Action.PLAY,
                                        detail=request.headers.get(hdrs.RANGE))
        path = self._file(recording)
        response = _file_response(path, recording.format)
        whole = _if_range_failed(request, path)
        if whole is not None:
            await response.prepare(whole)
        return response

    async def download(self, request: web.Request) -> web.StreamResponse:
        recording = await self._checked(request, Action.DOWNLOAD)
        response = _file_response(self._file(recording), recording.format)
        response.headers[hdrs.CONTENT_DISPOSITION] = _attachment(recording)
        return response

    # -- changing -----------------------------------------------------------------------------

    async def delete(self, request: web.Request) -> web.Response:
        # a refusal is logged here, the deletion with the row's in one transaction
        recording = await self._checked(request, Action.DELETE, log_allowed=False)
        user = request[USER]
        self._storage.delete(recording.storage_key)
        await self._store.delete(recording, self._entry(request, recording, Action.DELETE, True),
                                 user.id)
        return answer(Deleted, {"id": recording.id})

    async def live(self, request: web.Request) -> web.Response:
        """Pause or resume the recording of the user's own call under way."""
        await read(request, NoBody, NO_BODY_LIMIT, empty={})
        call_key = self._live_call_of(request[USER])
        change = (self._capture.pause if request.match_info["action"] == "pause"
                  else self._capture.resume)
        stretches = await change(call_key)
        live = self._capture.live.get(call_key)
        return answer(LivePauses, {"call_key": call_key, "paused": bool(live and live.pauses.paused),
                                   "pauses": [list(s) for s in stretches]})

    def _live_call_of(self, user: UserInfo) -> str:
        if not user.interface:
            raise Forbidden("your user has no phone")
        prefix = channel_prefix(user.interface) + "-"
        for call_key, live in self._capture.live.items():
            if live.channel.startswith(prefix):
                return call_key
        raise Conflict("you have no call being recorded")

    # -- the audit log --------------------------------------------------------------------------

    @require_role("admin")
    async def audit_log(self, request: web.Request) -> web.Response:
        asked = query(request, AuditQuery)
        entries = await self._store.audit_log(asked.limit, asked.recording_id)
        return answer(AuditLog, {"entries": [{**asdict(e), "action": e.action.value}
                                             for e in entries]}, headers=NO_STORE)

    @page
    @require_role("admin")
    async def audit_page(self, request: web.Request) -> web.Response:
        entries = await self._store.audit_log(AuditQuery.model_fields["limit"].default)
        return html_page(request, "recordings_audit.html", user=request[USER],
                         entries=entries)

    @page
    async def player_page(self, request: web.Request) -> web.Response:
        try:
            recording, _ = await self._visible(request)
        except Forbidden as error:
            raise refusal(request, error) from None
        return html_page(request, "recordings.html", user=request[USER], recording=recording,
                         config={"id": recording.id})

    # -- checks ---------------------------------------------------------------------------------

    async def _recording(self, request: web.Request) -> StoredInfo:
        try:
            recording_id = int(request.match_info["id"])
        except ValueError:
            raise NotFound("no such recording") from None
        recording = await self._store.get(recording_id)
        if recording is None:
            raise NotFound("no such recording")
        return recording

    async def _visible(self, request: web.Request) -> tuple[StoredInfo, Viewer]:
        recording = await self._recording(request)
        viewer = await self._store.viewer(request[USER])
        self._rules.check(viewer, recording.owner, Action.PLAY)
        return recording, viewer

    async def _checked(self, request: web.Request, action: Action, *,
                       detail: str | None = None, log_allowed: bool = True) -> StoredInfo:
        """The recording if the user may ACTION it; the audit log says who asked (unless
        LOG_ALLOWED is false and they may: the caller logs it)."""
        recording = await self._recording(request)
        user = request[USER]
        viewer = await self._store.viewer(user)
        allowed = self._rules.allows(viewer, recording.owner, action)
        if log_allowed or not allowed:
            await self._store.audit(self._entry(request, recording, action, allowed, detail),
                                    user.id)
        self._rules.check(viewer, recording.owner, action)
        return recording

    def _entry(self, request: web.Request, recording: StoredInfo, action: Action,
               allowed: bool, detail: str | None = None) -> AuditEntry:
        return AuditEntry(datetime.now(timezone.utc), request[USER].username, action, allowed,
                          recording.id, recording.call_key,
                          client_address(request, self._trusted_proxies), detail)

    def _file(self, recording: StoredInfo) -> Path:
        path = self._storage.path(recording.storage_key)
        if not path.is_file():
            raise NotFound("the recording's file is missing")
        return path



def _file_response(path: Path, audio_format: str) -> web.FileResponse:
    return web.FileResponse(path, headers={
        **PRIVATE, hdrs.CONTENT_TYPE: AUDIO_TYPES.get(audio_format, "application/octet-stream")})


def _if_range_failed(request: web.Request, path: Path) -> web.Request | None:
    """aiohttp's FileResponse reads If-Range as a date only and serves the range whatever
    entity tag it names: for a tag that is not the file's (a weak one never is, RFC 9110
    13.1.5) the request as one for the whole file, else None."""
    tag = request.headers.get(hdrs.IF_RANGE)
    if tag is None or request.if_range is not None:
        return None
    stat = path.stat()
    if tag == f'"{stat.st_mtime_ns:x}-{stat.st_size:x}"':  # FileResponse's ETag
        return None
    headers = request.headers.copy()
    headers.popall(hdrs.RANGE, None)
    del headers[hdrs.IF_RANGE]
    return request.clone(headers=headers)


def _summary(recording: StoredInfo) -> dict:
    return {"id": recording.id, "call_key": recording.call_key,
            "recorded_at": recording.recorded_at, "duration_ms": recording.duration_ms,
            "agent_name": recording.agent_name}


def _attachment(recording: StoredInfo) -> str:
    name = f"recording-{recording.recorded_at:%Y%m%d-%H%M%S}-{recording.id}.{recording.format}"
    return f'attachment; filename="{name}"'


def add_routes(app: web.Application, playback: PlaybackResource) -> None:
    app.router.add_get("/api/recordings", playback.recent)
    app.router.add_post("/api/recordings/live/{action:pause|resume}", playback.live)
    app.router.add_get("/api/recordings/{id}", playback.metadata)
    app.router.add_delete("/api/recordings/{id}", playback.delete)
    app.router.add_get("/api/recordings/{id}/audio", playback.audio)
    app.router.add_get("/api/recordings/{id}/download", playback.download)
    app.router.add_get("/api/recordings/{id}/waveform", playback.waveform)
    app.router.add_get("/admin/recordings/audit", playback.audit_log)
    app.router.add_get("/recordings/audit", playback.audit_page)
    app.router.add_get("/recordings/{id:[0-9]+}", playback.player_page)
