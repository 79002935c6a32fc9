"""Wiring of recordings: the capture hears every typed AMI event of the bus; the converter
(unless another process runs it: ``python -m recordings work``) runs in the CTI server's
loop, its audio work (conversion, transcription) in a process pool; keyword hits, found by
whichever process converts, come over PostgreSQL (``alerts_channel``) to ``on_alert`` (the
CTI server's wallboards). Playback's routes go on the web app
(``add_routes``), transcripts' too (``add_transcript_routes``), and the retention job runs
beside the converter."""
from __future__ import annotations

import asyncio
import multiprocessing
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from aiohttp import web

from crm_core.db import Database
from ctiserver.acd.wallboard_messages import KeywordAlert
from ctiserver.agi.server import Handler
from ctiserver.ami import events as ev
from ctiserver.ami.client import AmiClient
from ctiserver.bus import EventBus
from ctiserver.control.channels import channel_prefix
from recordings import alerts_api, playback, policies_api, search_api
from recordings.access import AccessRules
from recordings.alerts_channel import AlertListener, send_alert
from recordings.alerts_store import KeywordAlerted, Phrases
from recordings.capture import RecordingCapture
from recordings.journal import Journal, Policies
from recordings.playback import PlaybackResource
from recordings.playback_store import PlaybackStore
from recordings.retention import Retention
from recordings.storage import FolderStorage
from recordings.transcribe import prepare_worker
from recordings.worker import Converter, Transcription


@dataclass(frozen=True, slots=True)
class TranscriptionSettings:
    models: Mapping[str, Path] = field(default_factory=dict)
    default_language: str = ""


def keyword_alert(alerted: KeywordAlerted) -> KeywordAlert:
    return KeywordAlert(alerted.call_key, alerted.queue, alerted.agent, alerted.phrase,
                        alerted.second)


def converter(db: Database, store_dir: Path, *, processes: int, bitrate: str,
              poll_interval: float, transcription: TranscriptionSettings = TranscriptionSettings()
              ) -> tuple[Converter, ProcessPoolExecutor]:
    """A converter and its pool (spawned processes: nothing of the event loop's is forked;
    each with the models loaded), with one job more under way than the pool has processes:
    while a job waits on the database between its audio steps, the spare one keeps the
    process busy."""
    pool = ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("spawn"),
                               initializer=prepare_worker,
                               initargs=(tuple(str(m) for m in transcription.models.values()),))
    transcribing = Transcription(Policies(db), Phrases(db), transcription.models,
                                 transcription.default_language, partial(send_alert, db))
    return Converter(Journal(db), FolderStorage(store_dir), pool, bitrate=bitrate,
                     poll_interval=poll_interval, transcription=transcribing,
                     concurrency=processes + 1), pool


class RecordingsDomain:
    def __init__(self, bus: EventBus, ami: AmiClient, db: Database, *, spool: Path,
                 store_dir: Path, bitrate: str, processes: int, poll_interval: float,
                 convert: bool, background: Callable[[Awaitable[None]], None],
                 agents_hear_own: bool = True, retention_interval: float = 3600,
                 on_state: Callable[[str, str, str], None] = lambda interface, key, state: None,
                 on_alert: Callable[[KeywordAlerted], None] = lambda alerted: None,
                 transcription: TranscriptionSettings = TranscriptionSettings()) -> None:
        """``on_alert``: a keyword hit, found by whichever process converts."""
        self.policies = Policies(db)
        self.phrases = Phrases(db)
        self._db = db
        self.capture = RecordingCapture(ami, Journal(db), self.policies, spool=spool,
                                        background=background, on_state=on_state)
        self.converter, self._pool = converter(
            db, store_dir, processes=processes, bitrate=bitrate, poll_interval=poll_interval,
            transcription=transcription) if convert else (None, None)
        self._task: asyncio.Task | None = None
        self.alerts = AlertListener(
            db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False),
            on_alert)
        self._alerts_task: asyncio.Task | None = None
        bus.subscribe(ev.AmiEvent, self.capture.handle)
        # playback and retention
        self.storage = FolderStorage(store_dir)
        self.playback_store = PlaybackStore(db)
        self.access = AccessRules(agents_hear_own=agents_hear_own)
        self.retention = Retention(self.playback_store, self.storage, interval=retention_interval)
        self._retention_task: asyncio.Task | None = None

    def recording_of(self, interface: str) -> tuple[str, str] | None:
        """The call key and state (``recording``, ``paused``) of the recording under way on
        a channel of the agent at INTERFACE: what a console (re)connecting mid-call shows."""
        prefix = channel_prefix(interface) + "-"
        for live in self.capture.live.values():
            if live.channel.startswith(prefix):
                return live.call_key, "paused" if live.pauses.paused else "recording"
        return None

    def handlers(self) -> dict[str, Handler]:
        """For ``fastagi.dispatch``: the dialplan asks for a call's recording policy."""
        return {"recording_policy": self.capture.decide}

    def add_routes(self, app: web.Application, *, trusted_proxies: frozenset[str]) -> None:
        playback.add_routes(app, PlaybackResource(
            self.playback_store, self.storage, self.access, self.capture, pool=self._pool,
            trusted_proxies=trusted_proxies))

    def add_transcript_routes(self, app: web.Application) -> None:
        """Transcript search, a recording's transcript, keyword alert phrases, recording
        policies."""
        search_api.add_routes(app, search_api.TranscriptsResource(
            self._db, self.phrases, self.playback_store, self.access))
        alerts_api.add_routes(app, alerts_api.KeywordAlertsResource(self.phrases))
        policies_api.add_routes(app, policies_api.RecordingPoliciesResource(self.policies))

    def start(self) -> None:
        if self.converter is not None:
            self._task = asyncio.create_task(self.converter.run(), name="recordings")
        self._retention_task = asyncio.create_task(self.retention.run(), name="retention")
        self._alerts_task = asyncio.create_task(self.alerts.run(), name="keyword-alerts")

    async def stop(self) -> None:
        tasks = [t for t in (self._task, self._retention_task, self._alerts_task)
                 if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
