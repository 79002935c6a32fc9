"""Admin API: admins create users and set their extension / interface; nobody else can."""
import uuid

from aiohttp.test_utils import TestClient

from crm_core.auth import login
from crm_core.db import Database
from tests.auth.conftest import log_in, make_user


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
        ({"username": "x"}, "required"),
        (new_user(role="boss"), "role"),
        (new_user(password="short"), "password"),
        (new_user(extension=5), "extension"),
        (new_user(colour="red"), "unknown"),
        (new_user(leads="red"), "leads"),
        ([1, 2], "JSON object"),
    ]:
        response = await client.post("/admin/users", json=body, headers=headers)
        assert response.status == 400 and fragment in (await response.json())["error"]
    broken = await client.post("/admin/users", data="{", headers=headers)
    assert broken.status == 400


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
        assert (await client.post("/admin/users", json=new_user(), headers=headers)).status == 403
        change = await client.patch("/admin/users/anyone", json={"role": "admin"}, headers=headers)
        assert change.status == 403


async def test_anonymous_cannot_administer(client: TestClient) -> None:
    assert (await client.post("/admin/users", json=new_user())).status == 401
