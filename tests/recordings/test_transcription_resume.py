"""The journal's transcription step on the real PostgreSQL and vosk: a job stopped once
stored is transcribed on restart (its queue's language and phrases), the transcript, the
hit and the alert once each however often the step runs again; a dialer call takes its
campaign's language and phrases over its queue's; an alert that cannot be told leaves the
call flagged and the job done; a queue in a language without a model only has its raw file
deleted. On a database of its own, so the test
product's own converter takes no part."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from crm_core.db import Database
from crm_core.models import KeywordHit, Transcript
from recordings.alerts_store import KeywordAlerted, Phrases
from recordings.journal import Journal, Policies
from recordings.policy import Mode, RecordingPolicy
from recordings.storage import FolderStorage
from recordings.worker import Converter, Transcription

from tests.helpers.recordings import job_state, store_claimed
from tests.helpers.speech import KO_MODEL, KO_SPOKEN, speak_korean

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


def told(alerted: list[KeywordAlerted]) -> Callable[[KeywordAlerted], Awaitable[None]]:
    """The converter's ``on_alert``, keeping what it is told in ALERTED."""
    async def tell(alert: KeywordAlerted) -> None:
        alerted.append(alert)
    return tell


async def stored_job(db: Database, key: str, queue: str, raw: Path, storage: FolderStorage, *,
                     campaign: str | None = None):
    """KEY's job as a converter left it once the recording was stored."""
    journal = Journal(db)
    started = datetime.now(timezone.utc)
    await journal.open(call_key=key, raw_path=str(raw), channel="Local/x@sim-agent-0001;1",
                       mode="record", started_at=started.timestamp(), retention_days=None,
                       queue=queue, campaign=campaign)
    await journal.ended(key, started.timestamp() + 2, ())
    job = await journal.claim()
    assert job is not None and job.call_key == key
    await store_claimed(journal, storage, job, raw)
    await journal.recover()
    again = await journal.claim()
    assert again is not None and again.state == "stored"
    return again


async def test_a_stored_job_is_transcribed_once_with_its_queues_phrases(
        own_db: Database, tmp_path: Path) -> None:
    raw, storage, key = tmp_path / "raw.wav", FolderStorage(tmp_path / "store"), "ko-1.1"
    speak_korean(KO_SPOKEN, raw)
    policies, phrases = Policies(own_db), Phrases(own_db)
    await policies.put("queue", "ko-support", RecordingPolicy(Mode.ALL))
    await policies.set_language("queue", "ko-support", "ko")
    await phrases.put("queue", "ko-support", ["아이", "환불"])
    alerted: list[KeywordAlerted] = []
    job = await stored_job(own_db, key, "ko-support", raw, storage)
    with ThreadPoolExecutor(1) as pool:
        converter = Converter(Journal(own_db), storage, pool, bitrate="24k", poll_interval=0.1,
                              transcription=Transcription(policies, phrases, {"ko": KO_MODEL},
                                                          "en", told(alerted)))
        await converter.process(job)
        assert await job_state(own_db, key) == "done" and not raw.exists()
        speak_korean(KO_SPOKEN, raw)  # as if killed before the raw file was deleted
        await converter.process(replace(job, state="stored"))

    async with own_db.sessionmaker() as session:
        [transcript] = (await session.scalars(
            select(Transcript).where(Transcript.call_key == key))).all()
        [hit] = (await session.scalars(select(KeywordHit).where(KeywordHit.call_key == key))).all()
    said = next(w for w in transcript.words if w["word"] == "아이")
    assert transcript.language == "ko" and "아이" in transcript.text.split()
    assert (hit.phrase, hit.second) == ("아이", said["start"])
    assert alerted == [KeywordAlerted(key, "ko-support", None, "아이", said["start"])]


async def test_a_dialer_call_takes_its_campaigns_language_and_phrases(
        own_db: Database, tmp_path: Path) -> None:
    raw, storage, key = tmp_path / "raw.wav", FolderStorage(tmp_path / "store"), "ko-1.3"
    speak_korean(KO_SPOKEN, raw)
    policies, phrases = Policies(own_db), Phrases(own_db)
    queue, campaign = "outbound-de", "봄 캠페인 Jürgen 😀"
    await policies.put("queue", queue, RecordingPolicy(Mode.ALL), language="de")
    await phrases.put("queue", queue, ["네"])
    await policies.put("campaign", campaign, RecordingPolicy(Mode.ALL), language="ko")
    await phrases.put("campaign", campaign, ["아이"])
    alerted: list[KeywordAlerted] = []
    job = await stored_job(own_db, key, queue, raw, storage, campaign=campaign)
    assert job.campaign == campaign
    with ThreadPoolExecutor(1) as pool:
        await Converter(Journal(own_db), storage, pool, bitrate="24k", poll_interval=0.1,
                        transcription=Transcription(policies, phrases, {"ko": KO_MODEL}, "de",
                                                    told(alerted))).process(job)

    async with own_db.sessionmaker() as session:
        transcript = await session.scalar(select(Transcript).where(Transcript.call_key == key))
        flagged = (await session.scalars(select(KeywordHit.phrase)
                                         .where(KeywordHit.call_key == key))).all()
    assert transcript is not None and transcript.language == "ko", "the queue's de has no model"
    assert "네" in transcript.text.split() and flagged == ["아이"], "not the queue's phrase"
    assert [a.phrase for a in alerted] == ["아이"]


async def test_an_alert_not_told_leaves_the_call_flagged_and_the_job_done(
        own_db: Database, tmp_path: Path) -> None:
    raw, storage, key = tmp_path / "raw.wav", FolderStorage(tmp_path / "store"), "ko-1.4"
    speak_korean(KO_SPOKEN, raw)
    policies, phrases = Policies(own_db), Phrases(own_db)
    await policies.put("queue", "ko-untold", RecordingPolicy(Mode.ALL), language="ko")
    await phrases.put("queue", "ko-untold", ["아이"])

    async def database_away(alerted: KeywordAlerted) -> None:
        raise ConnectionRefusedError("the NOTIFY's connection")

    job = await stored_job(own_db, key, "ko-untold", raw, storage)
    with ThreadPoolExecutor(1) as pool:
        await Converter(Journal(own_db), storage, pool, bitrate="24k", poll_interval=0.1,
                        transcription=Transcription(policies, phrases, {"ko": KO_MODEL}, "en",
                                                    database_away)).process(job)
    assert await job_state(own_db, key) == "done" and not raw.exists()
    async with own_db.sessionmaker() as session:
        assert (await session.scalars(select(KeywordHit.phrase)
                                      .where(KeywordHit.call_key == key))).all() == ["아이"]


async def test_a_language_without_a_model_is_not_transcribed(
        own_db: Database, tmp_path: Path) -> None:
    raw, storage, key = tmp_path / "raw.wav", FolderStorage(tmp_path / "store"), "de-1.2"
    speak_korean(KO_SPOKEN, raw)
    policies, phrases = Policies(own_db), Phrases(own_db)
    job = await stored_job(own_db, key, "de-support", raw, storage)
    with ThreadPoolExecutor(1) as pool:
        await Converter(Journal(own_db), storage, pool, bitrate="24k", poll_interval=0.1,
                        transcription=Transcription(policies, phrases, {"ko": KO_MODEL}, "de")
                        ).process(job)
    assert await job_state(own_db, key) == "done" and not raw.exists()
    async with own_db.sessionmaker() as session:
        assert await session.scalar(select(Transcript).where(Transcript.call_key == key)) is None
