"""Admin API for scripts and disposition lists, and the console's script from the CRM, on the
whole web app (tests/auth's test server) and real PostgreSQL."""
from __future__ import annotations

from aiohttp.test_utils import TestClient

from crm_core.db import Database
from crm_core.dispositions import Owner, list_dispositions
from crm_core.scripts import delete_script, get_script, put_script
from tests.helpers.accounts import make_user
from tests.helpers.records import berlin_number, unique
from tests.helpers.webapp import log_in

NAME = "Jürgen 张伟"


async def admin_headers(client: TestClient, db: Database) -> dict[str, str]:
    """An admin's browser session: the cookie plus the CSRF token JSON calls must send."""
    return {"X-CSRF-Token": await log_in(client, await make_user(db, "admin"))}


def as_token_client(client: TestClient, account) -> dict[str, str]:
    """Headers for ``account``'s API token; the admin's session cookie goes (it would win)."""
    client.session.cookie_jar.clear()
    return {"Authorization": f"Bearer {account.token}"}


async def test_admin_puts_gets_lists_and_deletes_a_script(client: TestClient, db: Database) -> None:
    headers, queue = await admin_headers(client, db), unique("q")
    path = f"/admin/scripts/queue/{queue}"
    assert (await client.get(path, headers=headers)).status == 404
    body = {"title": "Begrüßung", "body": "Guten Tag {{ customer.name }}, hier ist {{ agent }}."}
    response = await client.put(path, json=body, headers=headers)
    assert response.status == 200, await response.text()
    saved = await response.json()
    assert (saved["kind"], saved["name"], saved["title"], saved["body"]) == (
        "queue", queue, "Begrüßung", body["body"])
    assert (await (await client.get(path, headers=headers)).json())["body"] == body["body"]
    listed = (await (await client.get("/admin/scripts", headers=headers)).json())["scripts"]
    assert [s["title"] for s in listed if s["name"] == queue] == ["Begrüßung"]
    campaign = await client.put(f"/admin/scripts/campaign/{queue}", json={"body": "Hallo"},
                                headers=headers)
    assert campaign.status == 200 and (await campaign.json())["kind"] == "campaign"
    deleted = await client.delete(path, headers=headers)
    assert deleted.status == 200 and await get_script(db, Owner("queue", queue)) is None
    assert (await client.delete(path, headers=headers)).status == 404
    assert (await get_script(db, Owner("campaign", queue))).body == "Hallo"  # kinds apart
    await client.delete(f"/admin/scripts/campaign/{queue}", headers=headers)


async def test_bad_scripts_are_400s_and_store_nothing(client: TestClient, db: Database) -> None:
    headers, queue = await admin_headers(client, db), unique("q")
    path = f"/admin/scripts/queue/{queue}"
    for body, fragment in [
        ({"body": "Hallo {{ customer.name "}, "not a valid template (line 1)"),
        ({"body": "{% for x in y %}"}, "not a valid template"),
        ({"title": "only a title"}, "body: Field required"),
        ({"body": "   "}, "'body' is required"),
        ({"body": "ok", "colour": "red"}, "colour: Extra inputs are not permitted"),
        ({"body": "ok", "title": 7}, "title: Input should be a valid string"),
    ]:
        response = await client.put(path, json=body, headers=headers)
        assert response.status == 400 and fragment in (await response.json())["error"], body
    not_json = await client.put(path, data=b"{body", headers=headers)
    assert not_json.status == 400 and "JSON" in (await not_json.json())["error"]
    bad_name = await client.put("/admin/scripts/queue/a%20b", json={"body": "x"}, headers=headers)
    assert bad_name.status == 400
    assert (await client.put(f"/admin/scripts/dialer/{queue}", json={"body": "x"},
                             headers=headers)).status == 404
    assert await get_script(db, Owner("queue", queue)) is None


async def test_only_admins_may_use_the_admin_api(client: TestClient, db: Database) -> None:
    queue = unique("q")
    for role in ("agent", "supervisor"):
        account = await make_user(db, role)
        for method, path in [
            ("GET", "/admin/scripts"), ("GET", f"/admin/scripts/queue/{queue}"),
            ("PUT", f"/admin/scripts/queue/{queue}"), ("DELETE", f"/admin/scripts/queue/{queue}"),
            ("GET", "/admin/dispositions"), ("PUT", "/admin/dispositions"),
            ("GET", f"/admin/dispositions/queue/{queue}"),
            ("PUT", f"/admin/dispositions/queue/{queue}"),
        ]:
            response = await client.request(method, path, json={"body": "x", "dispositions": []},
                                            headers=as_token_client(client, account))
            assert response.status == 403, (role, method, path)
    assert await get_script(db, Owner("queue", queue)) is None


async def test_admin_replaces_a_queues_dispositions(client: TestClient, db: Database) -> None:
    headers, queue = await admin_headers(client, db), unique("q")
    path = f"/admin/dispositions/queue/{queue}"
    listing = {"dispositions": [
        {"code": "termin", "label": "Termin vereinbart ✓", "requires_callback": True},
        {"code": "resolved", "label": "Gelöst"},
    ]}
    response = await client.put(path, json=listing, headers=headers)
    assert response.status == 200, await response.text()
    answer = await response.json()
    assert [(d["code"], d["label"], d["requires_callback"], d["active"])
            for d in answer["dispositions"]] == [
        ("termin", "Termin vereinbart ✓", True, True), ("resolved", "Gelöst", False, True)]
    offered = [d["code"] for d in answer["offered"]]
    assert offered[:2] == ["termin", "resolved"] and offered.count("resolved") == 1
    assert (await (await client.get(path, headers=headers)).json()) == answer
    # what the agents get for a call of that queue
    agent = await make_user(db)
    agents = await client.get("/api/dispositions", params={"queue": queue},
                              headers=as_token_client(client, agent))
    assert (await agents.json())["dispositions"] == answer["offered"]
    headers = await admin_headers(client, db)
    global_list = await (await client.get("/admin/dispositions", headers=headers)).json()
    global_codes = [d["code"] for d in global_list["dispositions"]]
    assert global_list["kind"] is None
    assert "resolved" in global_codes and "termin" not in global_codes


async def test_bad_disposition_lists_are_400s_and_change_nothing(client: TestClient,
                                                               db: Database) -> None:
    headers, queue = await admin_headers(client, db), unique("q")
    path = f"/admin/dispositions/queue/{queue}"
    good = {"dispositions": [{"code": "a", "label": "A"}]}
    assert (await client.put(path, json=good, headers=headers)).status == 200
    global_before = await list_dispositions(db, Owner())
    for target, body, fragment in [
        (path, {"dispositions": [{"code": "b", "label": "B"}, {"code": "b", "label": "C"}]},
         "unique"),
        (path, {"dispositions": [{"code": "b"}]}, "dispositions.0.label: Field required"),
        (path, {"dispositions": [{"code": "b", "label": "B", "requires_callback": 1}]},
         "dispositions.0.requires_callback: Input should be a valid boolean"),
        (path, {"dispositions": [{"code": "no spaces", "label": "B"}]}, "dispositions.0.code"),
        (path, {"list": []}, "dispositions: Field required"),
        (path, {"dispositions": "a,b"}, "dispositions: Input should be a valid list"),
        ("/admin/dispositions", {"dispositions": []}, "at least one"),
    ]:
        response = await client.put(target, json=body, headers=headers)
        assert response.status == 400 and fragment in (await response.json())["error"], body
    assert [d["code"] for d in await list_dispositions(db, Owner("queue", queue))] == ["a"]
    assert await list_dispositions(db, Owner()) == global_before


async def test_admin_replaces_the_global_list(client: TestClient, db: Database) -> None:
    headers = await admin_headers(client, db)
    before = await list_dispositions(db, Owner())
    keep = [{k: d[k] for k in ("code", "label", "requires_callback")}
            for d in before if d["active"]]
    try:
        changed = keep[:1] + [{"code": "global-test", "label": "Globaler Test 全局"}]
        response = await client.put("/admin/dispositions", json={"dispositions": changed},
                                    headers=headers)
        assert response.status == 200, await response.text()
        assert [d["code"] for d in (await response.json())["offered"]] == [
            keep[0]["code"], "global-test"]
    finally:
        response = await client.put("/admin/dispositions", json={"dispositions": keep},
                                    headers=headers)
        assert response.status == 200
    assert [d for d in await list_dispositions(db, Owner()) if d["active"]] == [
        d for d in before if d["active"]]


async def test_console_renders_the_crm_script_with_the_customer(client: TestClient,
                                                                db: Database) -> None:
    script, agent = Owner("queue", unique("q")), await make_user(db)
    queue, headers = script.name, as_token_client(client, agent)
    created = await client.post("/api/customers", headers=headers, json={
        "name": NAME, "numbers": [berlin_number()[1]], "company": "Müller & Zhang 物流"})
    customer_id = (await created.json())["id"]
    template = "Guten Tag {{ customer.name }} ({{ customer.company }}), hier ist {{ agent }}."
    await put_script(db, script, template, title="Hallo")
    params = {"queue": queue, "customer_id": str(customer_id)}
    response = await client.get("/api/script", params=params, headers=headers)
    assert response.status == 200, await response.text()
    assert await response.json() == {
        "script": f"Guten Tag {NAME} (Müller & Zhang 物流), hier ist {agent.username.title()}.",
        "title": "Hallo", "queue": queue}
    # another agent's customer is outside this agent's scope: as if it did not exist
    stranger = await make_user(db)
    hidden = await client.get("/api/script", params=params,
                              headers=as_token_client(client, stranger))
    assert hidden.status == 404
    none = await client.get("/api/script", params={"campaign": queue}, headers=headers)
    assert await none.json() == {"script": None}
    both = await client.get("/api/script", params={"queue": queue, "campaign": queue},
                            headers=headers)
    assert both.status == 400
    # a script that compiles but fails when rendered: a 500 that says why
    await put_script(db, script, "{{ customer.x.y }}")
    broken = await client.get("/api/script", params={"queue": queue}, headers=headers)
    assert broken.status == 500
    assert f"the script for queue {queue} is broken" in (await broken.json())["error"]
    await delete_script(db, script)
