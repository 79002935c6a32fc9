"""Playback over HTTP on the real product: range requests return the file's exact bytes (206,
Content-Range, If-Range) with the security headers and no caching; the metadata; the download
as an attachment; the waveform computed once and stored; pausing a recording needs a call
being recorded."""
from __future__ import annotations

import uuid
from pathlib import Path

import aiohttp
import pytest

from asterisk_conf.simulation import caller_originate
from crm_core.teams import set_led_teams
from ctiserver.ami import events as ev
from recordings.policy import Mode, RecordingPolicy
from recordings.waveform import INTERVAL_MS

from tests.helpers.accounts import bearer, make_user
from tests.helpers.console import console_agent
from tests.helpers.playback import audit_of, stored_call_recording, stored_waveform
from tests.helpers.product import add_members, new_number, remove_members
from tests.helpers.recordings import raw_seconds, stored_recording
from tests.helpers.waiting import BusWatch, poll_until

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

PAUSES = ((1.0, 2.5, "agent"), (3.0, 3.5, "ivr"))


@pytest.fixture
async def recorded(cti, db, tmp_path: Path):
    """A supervisor's team's agent's recorded call: (recording, its file's bytes, supervisor)."""
    agent = await make_user(db, "agent", team="Jürgen 张伟 😀")
    supervisor = await make_user(db, "supervisor")
    await set_led_teams(db, supervisor.id, ["Jürgen 张伟 😀"])
    storage = cti.server.recordings.storage
    recording = await stored_call_recording(db, storage, agent, tmp_path, seconds=6,
                                            pauses=PAUSES)
    return recording, storage.path(recording.storage_key).read_bytes(), supervisor


async def test_range_requests_return_the_right_bytes(cti, db, recorded) -> None:
    recording, data, supervisor = recorded
    size = len(data)
    url = f"{cti.url}/api/recordings/{recording.id}/audio"
    async with aiohttp.ClientSession(headers=bearer(supervisor)) as http:
        async with http.get(url) as whole:
            assert whole.status == 200 and await whole.read() == data
            assert whole.headers["Accept-Ranges"] == "bytes"
            assert whole.headers["Content-Type"] == "audio/ogg"
            assert whole.headers["Cache-Control"] == "private, no-store"
            assert "default-src 'self'" in whole.headers["Content-Security-Policy"]
            etag = whole.headers["ETag"]
        for asked, start, end in [("bytes=0-99", 0, 99), (f"bytes=1000-{size - 1}", 1000, size - 1),
                                  ("bytes=-500", size - 500, size - 1), ("bytes=77-", 77, size - 1)]:
            async with http.get(url, headers={"Range": asked}) as part:
                assert part.status == 206, asked
                assert part.headers["Content-Range"] == f"bytes {start}-{end}/{size}"
                assert await part.read() == data[start:end + 1], asked
        async with http.get(url, headers={"Range": "bytes=10-19", "If-Range": etag}) as same:
            assert same.status == 206 and await same.read() == data[10:20]
        async with http.get(url, headers={"Range": "bytes=10-19", "If-Range": '"changed"'}) as other:
            assert other.status == 200 and await other.read() == data
        async with http.get(url, headers={"Range": f"bytes={size + 10}-"}) as beyond:
            assert beyond.status == 416

    plays = [e for e in await audit_of(db, recording.id) if e.action == "play"]
    assert [e.detail for e in plays][:3] == [None, "bytes=0-99", f"bytes=1000-{size - 1}"]
    assert len(plays) == 8


async def test_metadata_download_and_waveform(cti, db, recorded) -> None:
    recording, data, supervisor = recorded
    api = f"{cti.url}/api/recordings/{recording.id}"
    async with aiohttp.ClientSession(headers=bearer(supervisor)) as http:
        async with http.get(api) as response:
            meta = await response.json()
        async with http.get(f"{api}/download") as response:
            assert response.status == 200 and await response.read() == data
            disposition = response.headers["Content-Disposition"]
        async with http.get(f"{api}/waveform") as response:
            first = await response.json()
        stored = await stored_waveform(db, recording.id)
        async with http.get(f"{api}/waveform") as response:
            again = await response.json()

    assert meta["duration_ms"] == recording.duration_ms == pytest.approx(6000, abs=100)
    assert (meta["size_bytes"], meta["sha256"]) == (len(data), recording.sha256)
    assert meta["pauses"] == [list(p) for p in PAUSES]
    assert meta["agent_name"] is not None
    assert (meta["may_download"], meta["may_delete"]) == (True, False)
    assert disposition.startswith("attachment; filename=") and disposition.endswith('.ogg"')
    assert first["interval_ms"] == INTERVAL_MS
    assert len(first["peaks"]) == pytest.approx(recording.duration_ms / INTERVAL_MS, abs=2)
    assert min(first["peaks"][2:-2]) > 0  # a tone throughout
    assert stored is not None and list(stored) == first["peaks"] == again["peaks"]


async def test_pausing_needs_a_call_being_recorded(cti, db) -> None:
    agent = await make_user(db, "agent")
    async with aiohttp.ClientSession(headers=bearer(agent)) as http:
        async with http.post(f"{cti.url}/api/recordings/live/pause") as response:
            assert response.status == 403  # no phone
            assert (await response.json())["error"] == "your user has no phone"


async def test_the_agent_pauses_and_resumes_their_calls_recording(cti, db, new_queue,
                                                                 new_extension) -> None:
    queue = await new_queue("recpause", product=cti)
    await cti.server.recordings.policies.put("queue", queue, RecordingPolicy(Mode.ALL))
    agent = await console_agent(db, new_extension(), queue)
    live = f"{cti.url}/api/recordings/live"
    channel_id = str(uuid.uuid4())
    key = f"{channel_id};2"
    await add_members(cti, queue, [agent.ext])
    try:
        async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {agent.token}"}) as http:
            async with http.post(f"{live}/pause") as response:
                assert response.status == 409  # no call yet
            with BusWatch(cti.server.bus) as watch:
                await cti.server.ami.originate(caller_originate(
                    queue, number=new_number(), name="Jürgen 张伟", patience=60, ring=0.5,
                    talk=7, hangup_by="caller", channel_id=channel_id, tone="440"))
                started = await watch.first(ev.RecordingStarted, "MixMonitor to start", 15,
                                            where=lambda e: e.call_key == key)
                raw = cti.server.settings.recordings_spool_host / Path(started.file).name
                await poll_until(lambda: key in cti.server.recordings.capture.live,
                                 "the recording under way", 10)
                await poll_until(lambda: raw_seconds(raw) >= 1.5, "1.5 s recorded", 10)
                async with http.post(f"{live}/pause") as response:
                    paused = await response.json()
                await poll_until(lambda: raw_seconds(raw) >= 3.5, "3.5 s recorded", 10)
                async with http.post(f"{live}/resume") as response:
                    resumed = await response.json()
                await watch.first(ev.AgentCompleted, "the call to end", 20,
                                  where=lambda e: e.queue == queue)
    finally:
        await remove_members(cti, queue, [agent.ext])

    assert (paused["call_key"], paused["paused"], paused["pauses"]) == (key, True, [])
    [(start, end, by)] = resumed["pauses"]
    assert resumed["paused"] is False and end - start >= 1.5
    row = await poll_until(lambda: stored_recording(db, key), "the recording to be stored", 30)
    assert by == "agent" and row.pauses == [[start, end, by]]
