"""Admin API: admins create users and set their extension / interface; nobody else can."""
import uuid

from aiohttp.test_utils import TestClient

from crm_core.auth import login
from crm_core.db import Database
from tests.helpers.accounts import make_user
from tests.helpers.webapp import log_in


def new_user(**extra) -> dict:
    return {"username": f"new-{uuid.uuid4().hex[:10]}", "role": "agent",
            "password": "first day password", **extra}


async def admin_session(client: TestClient, db: Database) -> dict:
    """Headers for JSON calls from an admin's browser session."""
    return {"X-CSRF-Token": await log_in(client, await make_user(db, "admin"))}


async def test_admin_creates_a_user_who_can_log_in(client: TestClient, db: Database) -> None:
    headers = await admin_session(client, db)
    interface = f"PJSIP/{uuid.uuid4().hex[:8]}"
    body = new_user(display_name="Zoë", extension="2001", interface=interface, team="red")
    response = await client.post("/admin/users", json=body, headers=headers)
    assert response.status == 201, await response.text()
    created = await response.json()
    assert (created["display_name"], created["interface"], created["team"]) == ("Zoë", interface, "red")
    assert "password" not in created
    assert (await login(db, body["username"], body["password"])).user.id == created["id"]


async def test_admin_sets_extension_and_interface(client: TestClient, db: Database) -> None:
    headers = await admin_session(client, db)
    agent = await make_user(db)
    interface = f"PJSIP/{uuid.uuid4().hex[:8]}"
    change = {"extension": "3003", "interface": interface}
    response = await client.patch(f"/admin/users/{agent.username}", json=change, headers=headers)
    assert response.status == 200
    assert (await response.json())["interface"] == interface
    taken = await client.post("/admin/users", json=new_user(interface=interface), headers=headers)
    assert taken.status == 409
    missing = await client.patch("/admin/users/nobody-here", json=change, headers=headers)
    assert missing.status == 404


async def test_admin_assigns_teams_to_a_supervisor(client: TestClient, db: Database) -> None:
    headers = await admin_session(client, db)
    lead = await make_user(db, "supervisor")
    response = await client.patch(
        f"/admin/users/{lead.username}", json={"leads": ["red", "blue"]}, headers=headers
    )
    assert (await response.json())["leads"] == ["blue", "red"]


async def test_bad_input_is_a_clear_400(client: TestClient, db: Database) -> None:
    headers = await admin_session(client, db)
    for body, fragment in [
        ({"username": "x"}, "role: Field required"),
        (new_user(role="boss"), "role: Input should be 'agent', 'supervisor', 'admin' or 'marketing'"),
        (new_user(password="short"), "password: the password needs at least 8 characters"),
        (new_user(extension=5), "extension: Input should be a valid string"),
        (new_user(colour="red"), "colour: Extra inputs are not permitted"),
        (new_user(leads="red"), "leads: Input should be a valid list"),
        ([1, 2], "JSON object"),
    ]:
        response = await client.post("/admin/users", json=body, headers=headers)
        assert response.status == 400 and fragment in (await response.json())["error"]
    broken = await client.post("/admin/users", data="{", headers=headers)
    assert broken.status == 400


async def test_a_change_sets_only_the_fields_given(client: TestClient, db: Database) -> None:
    headers = await admin_session(client, db)
    body = new_user(display_name="Ana", extension="2002", team="red")
    created = await (await client.post("/admin/users", json=body, headers=headers)).json()
    path = f"/admin/users/{body['username']}"
    changed = await client.patch(path, json={"extension": "", "team": "  blue "}, headers=headers)
    assert changed.status == 200, await changed.text()
    assert await changed.json() == {**created, "extension": None, "team": "blue"}
    for change, fragment in [
        ({"username": "other"}, "username: Extra inputs are not permitted"),
        ({"display_name": None}, "display_name: Input should be a valid string"),
        ({"active": "no"}, "active: Input should be a valid boolean"),
        ({"role": None}, "role: Input should be"),
    ]:
        refused = await client.patch(path, json=change, headers=headers)
        assert refused.status == 400 and fragment in (await refused.json())["error"], change
    missing = await client.patch("/admin/users/nobody-here", json={}, headers=headers)
    assert (await missing.json())["error"] == "no such user"


async def test_admin_calls_need_the_csrf_token(client: TestClient, db: Database) -> None:
    await admin_session(client, db)
    assert (await client.post("/admin/users", json=new_user())).status == 403
    forged = {"X-CSRF-Token": "forged"}
    assert (await client.post("/admin/users", json=new_user(), headers=forged)).status == 403


async def test_admin_api_token_works_without_csrf(client: TestClient, db: Database) -> None:
    """API clients hold no cookie a foreign page could ride on."""
    admin = await make_user(db, "admin")
    bearer = {"Authorization": f"Bearer {admin.token}"}
    assert (await client.post("/admin/users", json=new_user(), headers=bearer)).status == 201


async def test_agents_and_supervisors_cannot_administer(client: TestClient, db: Database) -> None:
    for role in ("agent", "supervisor"):
        client.session.cookie_jar.clear()
        csrf = await log_in(client, await make_user(db, role))
        headers = {"X-CSRF-Token": csrf}
        refused = await client.post("/admin/users", json=new_user(), headers=headers)
        assert refused.status == 403
        assert (await refused.json())["error"] == "this needs the role admin"
        change = await client.patch("/admin/users/anyone", json={"role": "admin"}, headers=headers)
        assert change.status == 403


async def test_anonymous_cannot_administer(client: TestClient) -> None:
    refused = await client.post("/admin/users", json=new_user())
    assert refused.status == 401 and (await refused.json())["error"] == "log in first"
