"""``python -m recordings work`` as a process of its own, on the real PostgreSQL and vosk, beside
a CTI server that converts nothing itself (``recordings_worker`` false): the keyword the worker
hears in a Korean recording reaches the CTI server's wallboard live (PostgreSQL NOTIFY from the
worker, LISTEN in the server), with the second it was said. On a database of its own, so the
test product's own converter takes no part; that CTI server has no AMI link (no call is made:
the job is handed over as the capture hands it). The CTI server listens again once its
connection is lost."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
import pytest_asyncio
from sqlalchemy import select, text

from callcenter.runtime import Running, start_services
from callcenter.settings import Settings
from crm_core.db import Database
from crm_core.models import KeywordHit
from recordings.alerts_channel import APPLICATION_NAME, send_alert
from recordings.alerts_store import KeywordAlerted
from recordings.journal import Journal, Policies
from recordings.policy import Mode, RecordingPolicy

from tests.helpers.accounts import bearer, make_user
from tests.helpers.recordings import end_session, ended_job, start_converter
from tests.helpers.speech import KO_MODEL, KO_SPOKEN, speak_korean
from tests.helpers.waiting import poll_until
from tests.helpers.wallboard import KeywordAlerts

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

PORT_OFFSET = 70
"""This CTI server's ports, apart from the test product's (and the browser tests' +50)."""
KEYWORD = "아이"
QUEUE = "ko-apart Jürgen 张伟 😀"


@pytest_asyncio.fixture(loop_scope="session")
async def apart(settings: Settings, own_db: Database) -> AsyncIterator[Running]:
    """A CTI server on that database that leaves the converting to another process."""
    own = settings.model_copy(update={
        "http_port": settings.http_port + PORT_OFFSET,
        "fastagi_port": settings.fastagi_port + PORT_OFFSET,
        "ami_port": settings.ami_port + PORT_OFFSET,  # nothing listens: no AMI link
        "recordings_worker": False,
    })
    running = await start_services(own, own_db, ami_secret="unused")
    yield running
    await running.stop()


async def test_a_hit_of_the_standalone_worker_reaches_the_wallboard_live(
        settings: Settings, own_database_url: str, own_db: Database, apart: Running,
        tmp_path: Path) -> None:
    assert apart.server.recordings.converter is None, "the CTI server converts nothing"
    await Policies(own_db).put("queue", QUEUE, RecordingPolicy(Mode.ALL), language="ko")
    await apart.server.recordings.phrases.put("queue", QUEUE, [KEYWORD])
    admin = await make_user(own_db, "admin")
    raw, key = tmp_path / "raw.wav", "apart-1733140000.51"
    speak_korean(KO_SPOKEN, raw)
    await asyncio.wait_for(apart.server.recordings.alerts.listening.wait(), 10)

    async with aiohttp.ClientSession(headers=bearer(admin)) as http:
        wallboard = await http.ws_connect(f"{apart.url}/ws/wallboard", max_msg_size=0)
        async with KeywordAlerts(wallboard) as alerts:
            worker = start_converter(own_database_url, settings.data_dir, tmp_path / "store",
                                     tmp_path / "worker.log", vosk_models={"ko": KO_MODEL})
            try:
                await ended_job(Journal(own_db), key, raw, queue=QUEUE)
                [alert] = await poll_until(lambda: alerts.of(key),
                                           "the wallboard's keyword alert", 90)
            finally:
                end_session(worker)

    async with own_db.sessionmaker() as session:
        [hit] = (await session.scalars(select(KeywordHit).where(KeywordHit.call_key == key))).all()
    assert (alert["v"], alert["queue"], alert["agent"]) == (1, QUEUE, None)
    assert (alert["phrase"], alert["second"]) == (KEYWORD, hit.second)



async def test_the_cti_server_hears_alerts_again_once_its_connection_was_lost(
        own_db: Database, apart: Running) -> None:
    listener = apart.server.recordings.alerts
    await asyncio.wait_for(listener.listening.wait(), 10)
    admin = await make_user(own_db, "admin")
    alerted = KeywordAlerted("lost-1733140000.52", QUEUE, None, "환불", 1.5)
    async with aiohttp.ClientSession(headers=bearer(admin)) as http:
        wallboard = await http.ws_connect(f"{apart.url}/ws/wallboard", max_msg_size=0)
        async with KeywordAlerts(wallboard) as alerts:
            async with own_db.autocommit.connect() as connection:
                ended = await connection.scalar(text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                    " WHERE application_name = :name AND datname = current_database()"),
                    {"name": APPLICATION_NAME})
            assert ended == 1, "the listener's connection"

            async def heard() -> list[dict]:  # what is sent before it listens again is lost
                await send_alert(own_db, alerted)
                return await alerts.of(alerted.call_key)
            [alert, *_] = await poll_until(heard, "an alert heard after the reconnect", 15,
                                           every=0.5)
    assert (alert["phrase"], alert["second"]) == ("환불", 1.5)
