"""A recorded call in Korean on the real Asterisk, PostgreSQL and vosk: the caller's phone
plays espeak-ng's Korean; the stored recording gets a transcript with the spoken words and
their times, transcript search finds the call, the queue's keyword flags it and an admin's
wallboard hears of it live (the CTI server's converter's NOTIFY, heard by its LISTEN)."""
from __future__ import annotations

import aiohttp
import pytest

from tests.helpers.accounts import bearer, make_user
from tests.helpers.korean_calls import korean_call, korean_queue
from tests.helpers.recordings import stored_recording
from tests.helpers.speech import KO_RECOGNISED
from tests.helpers.waiting import poll_until
from tests.helpers.wallboard import KeywordAlerts

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

KEYWORD = "아이"


async def test_a_korean_call_is_transcribed_searchable_and_alerts_its_supervisors(
        cti, db, new_queue, new_extension) -> None:
    queue = await korean_queue(cti, new_queue, [KEYWORD])
    admin, agent = await make_user(db, "admin"), await make_user(db, "agent")
    async with aiohttp.ClientSession(headers=bearer(admin)) as http:
        wallboard = await http.ws_connect(f"{cti.url}/ws/wallboard", max_msg_size=0)
        async with KeywordAlerts(wallboard) as alerts:
            key = await korean_call(cti, queue, new_extension())
            row = await poll_until(lambda: stored_recording(db, key), "the transcribed recording",
                                   90)

            transcript = await _json(http, f"{cti.url}/api/recordings/{row.id}/transcript")
            words = [w["word"] for w in transcript["words"]]
            assert transcript["language"] == "ko" and set(KO_RECOGNISED) <= set(words), words
            assert all(0 <= w["start"] <= w["end"] <= row.duration_ms / 1000
                       for w in transcript["words"])
            said = next(w for w in transcript["words"] if w["word"] == KEYWORD)
            assert transcript["alerts"] == [{"phrase": KEYWORD, "second": said["start"]}]

            found = await _json(http, f"{cti.url}/admin/recordings/search", q=KEYWORD, limit=100)
            [hit] = [f for f in found["recordings"] if f["call_key"] == key]
            assert hit["recording_id"] == row.id and KEYWORD in hit["snippet"]
            assert hit["second"] == said["start"]

            [alert] = await poll_until(lambda: alerts.of(key), "the wallboard's keyword alert", 10)
            assert (alert["queue"], alert["phrase"], alert["second"]) == (queue, KEYWORD,
                                                                          said["start"])

    async with aiohttp.ClientSession(headers=bearer(agent)) as http:
        async with http.get(f"{cti.url}/api/recordings/{row.id}/transcript") as response:
            assert response.status == 403, "another agent's call"
        async with http.get(f"{cti.url}/admin/recordings/search", params={"q": KEYWORD}) as r:
            assert r.status == 403, "search is for supervisors and admins"


async def _json(http: aiohttp.ClientSession, url: str, **params: object) -> dict:
    async with http.get(url, params={k: str(v) for k, v in params.items()}) as response:
        assert response.status == 200, await response.text()
        return await response.json()
