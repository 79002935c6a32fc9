"""Access to recordings over HTTP on the real product and PostgreSQL: an agent hears their own
call and gets 403 on another agent's, a supervisor hears and downloads their team's and not
another team's, only admins delete; every play, download and delete (refusals too) is in the
audit log, which only admins read."""
from __future__ import annotations

import uuid
from pathlib import Path

import aiohttp
import pytest

from crm_core.teams import set_led_teams

from tests.helpers.accounts import Account, bearer, make_user
from tests.helpers.playback import audit_of, recording_row, stored_call_recording

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


async def _team(db) -> tuple[str, Account, Account]:
    """A team: its name, an agent in it, a supervisor leading it."""
    team = f"team-{uuid.uuid4().hex[:8]}"
    agent = await make_user(db, "agent", team=team)
    supervisor = await make_user(db, "supervisor")
    await set_led_teams(db, supervisor.id, [team])
    return team, agent, supervisor


async def _status(http: aiohttp.ClientSession, method: str, url: str, who: Account) -> int:
    async with http.request(method, url, headers=bearer(who)) as response:
        await response.read()
        return response.status


async def test_agents_hear_their_own_calls_and_supervisors_their_teams(
        cti, db, tmp_path: Path) -> None:
    _, red_agent, red_boss = await _team(db)
    _, blue_agent, _ = await _team(db)
    storage = cti.server.recordings.storage
    red = await stored_call_recording(db, storage, red_agent, tmp_path)
    blue = await stored_call_recording(db, storage, blue_agent, tmp_path)
    api = f"{cti.url}/api/recordings"

    async with aiohttp.ClientSession() as http:
        assert await _status(http, "GET", f"{api}/{red.id}/audio", red_agent) == 200
        assert await _status(http, "GET", f"{api}/{blue.id}/audio", red_agent) == 403
        assert await _status(http, "GET", f"{api}/{blue.id}", red_agent) == 403
        assert await _status(http, "GET", f"{api}/{red.id}/download", red_agent) == 403
        async with http.get(f"{cti.url}/recordings/{blue.id}",
                            headers={**bearer(red_agent), "Accept": "text/html"}) as page:
            assert page.status == 403 and page.content_type == "text/plain"
        assert await _status(http, "GET", f"{api}/{red.id}/audio", red_boss) == 200
        assert await _status(http, "GET", f"{api}/{red.id}/download", red_boss) == 200
        assert await _status(http, "GET", f"{api}/{blue.id}/audio", red_boss) == 403
        assert await _status(http, "GET", f"{api}/{blue.id}/download", red_boss) == 403
        assert await _status(http, "DELETE", f"{api}/{red.id}", red_boss) == 403
        async with http.get(api, headers=bearer(red_agent)) as response:
            listed = (await response.json())["recordings"]
        assert [r["id"] for r in listed] == [red.id]

    assert [(e.actor, e.action, e.allowed) for e in await audit_of(db, red.id)] == [
        (red_agent.username, "play", True), (red_agent.username, "download", False),
        (red_boss.username, "play", True), (red_boss.username, "download", True),
        (red_boss.username, "delete", False)]
    assert [(e.actor, e.action, e.allowed) for e in await audit_of(db, blue.id)] == [
        (red_agent.username, "play", False), (red_boss.username, "play", False),
        (red_boss.username, "download", False)]
    entry = (await audit_of(db, red.id))[0]
    assert (entry.user_id, entry.call_key, entry.address) == (red_agent.id, red.call_key,
                                                               "127.0.0.1")


async def test_an_admin_deletes_a_recording_and_reads_the_audit_log(cti, db, tmp_path: Path) -> None:
    agent = await make_user(db, "agent", team="Jürgen 张伟 😀")
    admin = await make_user(db, "admin")
    storage = cti.server.recordings.storage
    recording = await stored_call_recording(db, storage, agent, tmp_path)
    path = storage.path(recording.storage_key)
    api = f"{cti.url}/api/recordings/{recording.id}"

    async with aiohttp.ClientSession() as http:
        assert await _status(http, "DELETE", api, agent) == 403
        assert await _status(http, "GET", f"{cti.url}/admin/recordings/audit", agent) == 403
        assert await _status(http, "DELETE", api, admin) == 200
        assert await _status(http, "GET", api, admin) == 404
        async with http.get(f"{cti.url}/admin/recordings/audit",
                            params={"recording_id": str(recording.id)},
                            headers=bearer(admin)) as response:
            assert response.status == 200
            entries = (await response.json())["entries"]
        async with http.get(f"{cti.url}/recordings/audit",
                            headers={**bearer(admin), "Accept": "text/html"}) as response:
            page = await response.text()

    assert not path.exists() and await recording_row(db, recording.id) is None
    assert [(e["actor"], e["action"], e["allowed"]) for e in entries] == [
        (admin.username, "delete", True), (agent.username, "delete", False)]  # newest first
    assert recording.call_key in page and admin.username in page
