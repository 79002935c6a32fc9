"""The IVR domain from explicit values: the flows of a folder, the CRM lookups, the queues'
calendars, text-to-speech, speech recognition, self-service and the per-node counts, behind
the FastAGI script ``ivr?flow=NAME``; the admin API and page (ivr.admin_api) change the flows and reload them."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from aiohttp import web

from callcenter.errors import Unavailable
from crm_core.db import Database
from ctiserver.acd.routeagi import load_rules
from ctiserver.agi.server import Handler
from ctiserver.acd.wallboard_messages import SurveyScore
from ctiserver.calls.collected import CollectedRecorder
from ivr import admin_api
from ivr.admin import check_flow_files
from ivr.agirunner import IvrService, RecordingPauses
from ivr.crmlookup import CrmLookup
from ivr.engine import NodeEvent
from ivr.flow import Flow
from ivr.speech import SpeechInput, SpeechRecognizer
from ivr.store import SqlSelfService, add_node_counts, survey_scores, survey_scores_by_queue
from ivr.tts import TextToSpeech

log = logging.getLogger(__name__)

Background = Callable[[Awaitable[None]], None]
SURVEY_REFRESH_SECONDS = 30.0
"""How often the wallboard's survey scores are read again (a score lands after the call)."""


@dataclass(frozen=True, slots=True)
class SurveyBoard:
    """Where today's survey scores go (``ctiserver.acd.wiring.AcdDomain``)."""
    today_since: Callable[[datetime], datetime]
    """When the statistics' day a time is in began."""
    show: Callable[[Mapping[str, SurveyScore], Mapping[str, SurveyScore]], None]
    """By agent interface, by queue."""


@dataclass(frozen=True, slots=True)
class SpeechSetup:
    recordings: tuple[Path, str]
    """Where Asterisk records the answers, here and as Asterisk sees it."""
    models: Mapping[str, Path]
    """A language -> its vosk model folder (``callcenter.vosk_models.model_folders``)."""
    min_confidence: float = 0.5
    workers: int = 2


def read_flows(folder: Path) -> dict[str, Flow]:
    """Blocking: the folder's ``*.yaml`` flows that work; each problem of the others is logged
    with its file, line and reason."""
    flows, problems = check_flow_files(sorted(folder.glob("*.yaml")))
    for problem in problems:
        log.error("ivr: flow left out: %s", problem)
    log.info("ivr: %d flows from %s: %s", len(flows), folder, ", ".join(sorted(flows)) or "none")
    return flows


class IvrDomain:
    def __init__(self, db: Database, *, flows_dir: Path, queue_context: str, default_region: str,
                 collected: CollectedRecorder, prompt_cache: tuple[Path, str],
                 voices: Mapping[str, str], uploads: tuple[Path, str],
                 speech: SpeechSetup, background: Background, surveys: SurveyBoard,
                 recording: RecordingPauses | None = None) -> None:
        """``uploads``: where uploaded prompts go, and the folder as Asterisk reads it;
        ``recording``: the recordings' pauses, for sensitive nodes."""
        self.db, self.flows_dir, self.background, self.surveys = db, flows_dir, background, surveys
        self.upload_dir, prompt_folder = uploads
        self.flows: dict[str, Flow] = {}
        cache, played_as = prompt_cache
        self.recognizer = SpeechRecognizer(speech.models, min_confidence=speech.min_confidence,
                                           workers=speech.workers)
        self.service = IvrService(
            self.flows, lookup=CrmLookup(db, default_region=default_region),
            calendars=lambda now: load_rules(db, now), on_events=self.count,
            queue_context=queue_context, collected=collected,
            voice=TextToSpeech(cache, played_as=played_as, voices=voices),
            self_service=SqlSelfService(db, default_region=default_region),
            hearing=SpeechInput(self.recognizer, speech.recordings), recording=recording,
            prompt_folder=prompt_folder)

    def handlers(self) -> dict[str, Handler]:
        return self.service.handlers()

    def add_routes(self, app: web.Application) -> None:
        admin_api.add_routes(app, admin_api.IvrAdmin(
            self.db, self.flows, folder=self.flows_dir, reload=self.load, uploads=self.upload_dir))

    async def load(self) -> None:
        """(Re)reads the flows folder; calls in a flow keep the flow they started with. A
        folder gone (a mount lost, a typo in the setting) keeps the flows running now."""
        if not self.flows_dir.is_dir():
            raise Unavailable("the IVR flows folder {folder} does not exist: the flows running "
                              "now are kept", folder=str(self.flows_dir))
        flows = await asyncio.get_running_loop().run_in_executor(None, read_flows, self.flows_dir)
        self.flows.clear()
        self.flows.update(flows)

    def close(self) -> None:
        self.recognizer.close()

    async def refresh_surveys(self) -> None:
        """Today's survey scores (the statistics' day) to the wallboard."""
        until = datetime.now(UTC)
        since = self.surveys.today_since(until)
        agents = await survey_scores(self.db, since, until)
        queues = await survey_scores_by_queue(self.db, since, until)
        self.surveys.show({agent: SurveyScore(*score) for agent, score in agents.items()},
                          {queue: SurveyScore(*score) for queue, score in queues.items()})

    async def survey_ticker(self) -> None:
        while True:
            try:
                await self.refresh_surveys()
            except Exception:  # the next round tries again; the figures stay as they were
                log.exception("survey scores not refreshed")
            await asyncio.sleep(SURVEY_REFRESH_SECONDS)

    def count(self, events: list[NodeEvent]) -> None:
        self.background(add_node_counts(self.db, events, datetime.now(UTC)))
