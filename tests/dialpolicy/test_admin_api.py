"""The dial policy's admin API and the audit log on the real web app and PostgreSQL (no
Asterisk: a refused dial never reaches it): admins set the default's and a team's rules, bad
patterns are a 400 naming the field, agents and supervisors cannot touch the policy, a refused
dial is a 403 in words and a row of GET /admin/dials, which admins page through and filter and
supervisors read for their teams."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from urllib.parse import quote

from aiohttp.test_utils import TestClient

from crm_core.db import Database
from crm_core.teams import set_led_teams
from tests.helpers.accounts import bearer, make_user
from tests.helpers.dialpolicy import FRENCH, PREMIUM, new_team, team_agent
from tests.helpers.webapp import log_in


def policy_path(team: str | None = None) -> str:
    return "/admin/dial-policy" + (f"/{quote(team)}" if team else "")


async def admin_headers(client: TestClient, db: Database) -> dict:
    """An admin's browser session (its CSRF token): the cookie goes with every later request
    of CLIENT."""
    return {"X-CSRF-Token": await log_in(client, await make_user(db, "admin"))}


async def admin_token(db: Database) -> dict:
    """An admin's API token header, for tests where agents use CLIENT too."""
    return bearer(await make_user(db, "admin"))


async def test_admin_sets_a_team_policy_on_top_of_the_default(client: TestClient, db: Database) -> None:
    headers = await admin_headers(client, db)
    team = new_team()
    default = await (await client.get(policy_path(), headers=headers)).json()
    assert default["team"] is None and "PREMIUM_RATE" in default["blocked_types"], default
    assert (await client.get(policy_path(team), headers=headers)).status == 404

    response = await client.put(policy_path(team), headers=headers,
                                json={"allow": [" National ", "+49 30", "fr"], "blocked_types": ["mobile"]})
    assert response.status == 200, await response.text()
    saved = await response.json()
    assert (saved["team"], saved["allow"], saved["block"], saved["blocked_types"], saved["stored"]) == (
        team, ["national", "+4930", "FR"], [], ["MOBILE"], True)
    assert await (await client.get(policy_path(team), headers=headers)).json() == saved
    listed = (await (await client.get("/admin/dial-policies", headers=headers)).json())["policies"]
    assert listed[0]["team"] is None and saved in listed

    deleted = await client.delete(policy_path(team), headers=headers)
    assert (await deleted.json()) == {"deleted": team}
    assert (await client.delete(policy_path(team), headers=headers)).status == 404


async def test_the_stored_default_replaces_the_built_in_one_until_deleted(
        client: TestClient, db: Database) -> None:
    headers = await admin_headers(client, db)
    built_in = await (await client.get(policy_path(), headers=headers)).json()
    assert built_in["stored"] is False, "a test left a stored default behind"
    try:
        body = {"block": ["+882", "+44"], "blocked_types": ["PREMIUM_RATE"]}
        saved = await (await client.put(policy_path(), json=body, headers=headers)).json()
        assert (saved["team"], saved["block"], saved["stored"]) == (None, ["+882", "+44"], True)
    finally:
        assert (await client.delete(policy_path(), headers=headers)).status == 200
    assert await (await client.get(policy_path(), headers=headers)).json() == built_in


async def test_bad_patterns_are_a_400_naming_the_field(client: TestClient, db: Database) -> None:
    headers = await admin_headers(client, db)
    team = new_team()
    for body, message in [
        ({"allow": ["national", "Deutschland"]},
         "allow.1: 'Deutschland' is not a pattern: use 'national', a prefix such as '+44' "
         "or a region code such as 'FR'"),
        ({"block": ["+44x"]}, "block.0: '+44x' is not a pattern"),
        ({"blocked_types": ["EXPENSIVE"]},
         "blocked_types.0: 'EXPENSIVE' is not a number type: one of FIXED_LINE, MOBILE"),
        ({"allow": "national"}, "allow: Input should be a valid list"),
        ({"allowed": []}, "allowed: Extra inputs are not permitted"),
    ]:
        response = await client.put(policy_path(team), json=body, headers=headers)
        assert response.status == 400, await response.text()
        assert (await response.json())["error"].startswith(message)
    assert (await client.get(policy_path(team), headers=headers)).status == 404


async def test_agents_and_supervisors_cannot_touch_the_policy(client: TestClient, db: Database) -> None:
    for role in ("agent", "supervisor"):
        auth = bearer(await make_user(db, role))
        for method, path in [("GET", policy_path()), ("PUT", policy_path()),
                             ("GET", policy_path("red")), ("PUT", policy_path("red")),
                             ("DELETE", policy_path("red")), ("GET", "/admin/dial-policies")]:
            response = await client.request(method, path, json={}, headers=auth)
            assert response.status == 403, (role, method, path)
            assert (await response.json())["error"] == "this needs the role admin"
    agent = await make_user(db, "agent")
    assert (await client.get("/admin/dials", headers=bearer(agent))).status == 403


async def test_refused_dials_are_403s_in_words_and_audited(client: TestClient, db: Database,
                                                           new_extension) -> None:
    headers = await admin_token(db)
    team = new_team()
    assert (await client.put(policy_path(team), json={"allow": ["national"]}, headers=headers)).status == 200
    agent = await team_agent(db, new_extension(), team)
    auth = {"Authorization": f"Bearer {agent.token}"}
    since = datetime.now(timezone.utc) - timedelta(seconds=1)
    for number, reason in [(PREMIUM, "premium-rate numbers cannot be dialled"),
                           (FRENCH, "your team may only dial numbers in Germany"),
                           ("+88213123456", "numbers starting +882 cannot be dialled")]:
        response = await client.post("/api/call/dial", json={"number": number}, headers=auth)
        assert response.status == 403 and (await response.json()) == {"error": reason}

    asked = {"user": agent.username, "since": since.isoformat(), "limit": "2"}
    first = await (await client.get("/admin/dials", params=asked, headers=headers)).json()
    assert [(d["number"], d["number_e164"], d["decision"], d["kind"], d["team"], d["call_id"])
            for d in first["dials"]] == [
        ("+88213123456", None, "refused", "dial", team, None),
        (FRENCH, FRENCH, "refused", "dial", team, None)]
    assert first["dials"][0]["user_id"] == agent.user_id and first["next"]
    rest = await (await client.get("/admin/dials", params={**asked, "before": str(first["next"])},
                                   headers=headers)).json()
    assert [(d["number"], d["number_e164"], d["reason"]) for d in rest["dials"]] == [
        (PREMIUM, "+499001234567", "premium-rate numbers cannot be dialled")]
    assert rest["next"] is None
    allowed = await (await client.get("/admin/dials", params={**asked, "decision": "allowed"},
                                      headers=headers)).json()
    assert allowed == {"dials": [], "next": None}
    later = {**asked, "since": (datetime.now(timezone.utc) + timedelta(hours=1)).isoformat()}
    assert (await (await client.get("/admin/dials", params=later, headers=headers)).json())["dials"] == []
    bad = await client.get("/admin/dials", params={"decision": "maybe"}, headers=headers)
    assert bad.status == 400 and "decision" in (await bad.json())["error"]


async def test_supervisors_read_their_teams_dials(client: TestClient, db: Database,
                                                  new_extension) -> None:
    team, other = new_team(), new_team()
    mine, theirs = await team_agent(db, new_extension(), team), await team_agent(db, new_extension(), other)
    for agent in (mine, theirs):
        await client.post("/api/call/dial", json={"number": PREMIUM},
                          headers={"Authorization": f"Bearer {agent.token}"})
    lead = await make_user(db, "supervisor")
    await set_led_teams(db, lead.id, [team])
    seen = await (await client.get("/admin/dials", headers=bearer(lead))).json()
    users = {d["username"] for d in seen["dials"]}
    assert mine.username in users and theirs.username not in users
    assert {d["team"] for d in seen["dials"]} == {team}
