"""The dial policy on the real stack (Asterisk sandbox, PostgreSQL, the CTI server): an agent's
click-to-dial to an allowed number is placed and audited with the call it made; a premium-rate
number and one outside the team's rules are refused in words, never reach Asterisk, and are
audited as refused; a transfer of a live call to a number is checked and audited the same way."""
from __future__ import annotations

from urllib.parse import quote

import aiohttp
import pytest
import pytest_asyncio

from asterisk_conf.simulation import caller_originate
from ctiserver.ami.client import AmiError

from tests.helpers.accounts import bearer, make_user
from tests.helpers.console import bridged, channels, leave_queue, new_number, until_bridged
from tests.helpers.dialpolicy import FRENCH, PREMIUM, attempts_of, new_team, team_agent
from tests.helpers.waiting import BusWatch

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest_asyncio.fixture(loop_scope="session")
async def national_team(cti, db) -> str:
    """A fresh (non-ASCII) team that may dial national numbers only, set through the admin API."""
    team = new_team()
    admin = bearer(await make_user(db, "admin"))
    async with aiohttp.ClientSession(cti.url, headers=admin) as http:
        async with http.put(f"/admin/dial-policy/{quote(team)}", json={"allow": ["national"]}) as response:
            assert response.status == 200, await response.text()
    return team


async def dial(http: aiohttp.ClientSession, action: str, body: dict) -> tuple[int, dict]:
    async with http.post(f"/api/call/{action}", json=body) as response:
        return response.status, await response.json()


async def called_legs(cti, number: str) -> list[str]:
    """The sandbox's simulated called party's channels for NUMBER."""
    return [c["Channel"] for c in await channels(cti) if c["Channel"].startswith(f"Local/{number}@sim-called-")]


async def hang_up(cti, linkedid: str) -> None:
    for item in await channels(cti):
        if item.get("Linkedid") == linkedid:
            try:
                await cti.server.ami.send({"Action": "Hangup", "Channel": item["Channel"]})
            except AmiError:
                pass  # gone meanwhile


async def test_click_to_dial_is_placed_when_allowed_and_refused_in_words(
        cti, db, national_team, new_extension) -> None:
    agent = await team_agent(db, new_extension(), national_team)
    number = new_number()
    with BusWatch(cti.server.bus) as watch:
        async with aiohttp.ClientSession(cti.url, headers={"Authorization": f"Bearer {agent.token}"}) as http:
            for refused, reason in [(PREMIUM, "premium-rate numbers cannot be dialled"),
                                    (FRENCH, "your team may only dial numbers in Germany")]:
                assert await dial(http, "dial", {"number": refused}) == (403, {"error": reason})
                assert await called_legs(cti, refused) == []
                assert await bridged(cti, agent) is None
            status, body = await dial(http, "dial", {"number": number})
            assert status == 200, body
            leg = await until_bridged(watch, cti, agent, "the agent's phone bridged with the number")
            try:
                assert await called_legs(cti, number)
                assert leg["Linkedid"] == body["channel_id"]
            finally:
                await hang_up(cti, leg["Linkedid"])
    rows = await attempts_of(db, agent.username)
    assert [(r["kind"], r["number"], r["number_e164"], r["decision"], r["reason"], r["call_id"])
            for r in rows] == [
        ("dial", number, number, "allowed", "allowed", body["channel_id"]),
        ("dial", FRENCH, FRENCH, "refused", "your team may only dial numbers in Germany", None),
        ("dial", PREMIUM, "+499001234567", "refused", "premium-rate numbers cannot be dialled", None)]
    assert {(r["user_id"], r["team"]) for r in rows} == {(agent.user_id, national_team)}


async def test_a_transfer_to_a_number_is_checked_and_audited(
        cti, db, national_team, new_extension, new_queue) -> None:
    queue = await new_queue("dialpolicy", product=cti)
    agent = await team_agent(db, new_extension(), national_team, queue)
    number = new_number()
    with BusWatch(cti.server.bus) as watch:
        async with aiohttp.ClientSession(cti.url, headers={"Authorization": f"Bearer {agent.token}"}) as http:
            async with http.post("/api/agent/login", json={"queues": [queue]}) as response:
                assert response.status == 200, await response.text()
            linkedid = await cti.server.ami.originate(caller_originate(
                queue, number=new_number(), name="Jürgen 张伟 Weiterleitung", patience=60, ring=0.5,
                talk=600, hangup_by="caller"))
            try:
                await until_bridged(watch, cti, agent)
                assert await dial(http, "transfer", {"kind": "number", "target": PREMIUM}) == (
                    403, {"error": "premium-rate numbers cannot be dialled"})
                assert await bridged(cti, agent), "the refused transfer left the call alone"
                status, body = await dial(http, "transfer", {"kind": "number", "target": number})
                assert status == 200 and body["exten"] == number, body
                await watch.until(lambda: called_legs(cti, number), "the caller transferred to the number",
                                  15, every=1)
            finally:
                await leave_queue(cti, agent)
                await hang_up(cti, linkedid)
    rows = await attempts_of(db, agent.username)
    assert [(r["kind"], r["number"], r["decision"], r["call_id"]) for r in rows] == [
        ("transfer", number, "allowed", linkedid), ("transfer", PREMIUM, "refused", None)]
