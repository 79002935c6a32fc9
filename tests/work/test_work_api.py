"""The agent's work API: customer search and card, new customers, wrap-up with callback and
ticket, callbacks, and who may see what."""
from __future__ import annotations


from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from agent_console.work_api import MAX_BODY, WorkResource
from crm_core.db import Database
from crm_core.models import CallWrapup, Callback, Ticket
from crm_core.users import update_user
from tests.helpers.accounts import Account, bearer, make_user
from tests.helpers.records import berlin_number, call_record, handled_call, unique


def work_resource(app: web.Application) -> WorkResource:
    """The app's work API (its routes' handlers are the resource's bound methods)."""
    return next(route.handler.__self__ for route in app.router.routes()
                if isinstance(getattr(route.handler, "__self__", None), WorkResource))


async def new_customer(client: TestClient, account: Account, **fields) -> int:
    body = {"name": unique("Kunde"), "numbers": [berlin_number()[1]], **fields}
    response = await client.post("/api/customers", json=body, headers=bearer(account))
    assert response.status == 201, await response.text()
    return (await response.json())["id"]


async def wrapup(client: TestClient, account: Account, call_key: str, body) -> tuple[int, dict]:
    response = await client.post(f"/api/calls/{call_key}/wrapup", json=body,
                                 headers=bearer(account))
    return response.status, await response.json()


async def test_search_by_name_number_and_email(client: TestClient, db: Database) -> None:
    agent = await make_user(db)
    e164, national = berlin_number()
    mail = f"{unique('j')}@Example.org"
    customer_id = await new_customer(client, agent, name=f"Jürgen 张伟 {unique('x')}",
                                     numbers=[national], email=mail)
    for query in ("JÜRGEN 张伟", "张伟", e164, national.replace(" ", "-"), mail.upper()):
        response = await client.get("/api/customers/search", params={"q": query},
                                    headers=bearer(agent))
        found = (await response.json())["customers"]
        assert customer_id in [c["id"] for c in found], query
    for bad in ({"q": ""}, {"q": "   "}, {"q": "x" * 101}, {}):
        refused = await client.get("/api/customers/search", params=bad, headers=bearer(agent))
        assert refused.status == 400 and "q: " in (await refused.json())["error"], bad


async def test_card_shows_the_timeline_with_dispositions(client: TestClient, db: Database) -> None:
    agent = await make_user(db)
    customer_id = await new_customer(client, agent, company="ACME", timezone="Europe/Berlin")
    older = await handled_call(db, agent, customer_id)
    call_key = await handled_call(db, agent, customer_id, entered_at=call_record().ended_at)
    status, _ = await wrapup(client, agent, call_key, {"disposition": "resolved", "note": "ok"})
    assert status == 200
    card = await (await client.get(f"/api/customers/{customer_id}", headers=bearer(agent))).json()
    assert card["company"] == "ACME" and card["timezone"] == "Europe/Berlin"
    assert [t["call_key"] for t in card["timeline"]] == [call_key, older]
    newest = card["timeline"][0]
    assert (newest["disposition"], newest["note"]) == ("resolved", "ok")
    assert newest["agent"] == agent.username.title() and newest["talk_seconds"] == 87.5


async def test_wrapup_stores_disposition_callback_and_ticket(client: TestClient, db: Database) -> None:
    agent = await make_user(db)
    customer_id = await new_customer(client, agent, timezone="Europe/Berlin")
    call_key = await handled_call(db, agent, customer_id)
    body = {"disposition": "follow-up", "note": "wants a quote",
            "callback": {"due_local": "2026-07-01T10:00", "for": "me"},
            "ticket": {"category": "billing", "priority": "high", "description": "wrong bill"}}
    status, result = await wrapup(client, agent, call_key, body)
    assert status == 200, result
    body["note"] = "changed my mind"
    status, again = await wrapup(client, agent, call_key, body)
    assert again == result
    async with db.sessionmaker() as session:
        stored = await session.scalar(select(CallWrapup).where(CallWrapup.call_key == call_key))
        callback = await session.get(Callback, result["callback_id"])
        ticket = await session.get(Ticket, result["ticket_id"])
    assert (stored.disposition, stored.note) == ("follow-up", "changed my mind")
    assert callback.due_at.isoformat() == "2026-07-01T08:00:00+00:00"  # CEST is UTC+2
    assert (callback.assigned_user_id, callback.customer_id) == (agent.id, customer_id)
    assert (ticket.priority, ticket.customer_id, ticket.call_key) == ("high", customer_id, call_key)


async def test_callback_times_respect_daylight_saving(client: TestClient, db: Database) -> None:
    agent = await make_user(db)
    customer_id = await new_customer(client, agent, timezone="America/New_York")
    call_key = await handled_call(db, agent, customer_id)
    skipped = {"disposition": "resolved",
               "callback": {"due_local": "2026-03-08T02:30", "for": "anyone"}}
    status, error = await wrapup(client, agent, call_key, skipped)
    assert status == 400 and "does not exist" in error["error"]
    winter = {"disposition": "resolved",
              "callback": {"due_local": "2026-01-15T09:00", "for": "anyone"}}
    status, result = await wrapup(client, agent, call_key, winter)
    async with db.sessionmaker() as session:
        callback = await session.get(Callback, result["callback_id"])
    assert callback.due_at.isoformat() == "2026-01-15T14:00:00+00:00"
    assert callback.assigned_user_id is None


async def test_bad_wrapups_are_clear_400s(client: TestClient, db: Database) -> None:
    agent = await make_user(db)
    call_key = await handled_call(db, agent, await new_customer(client, agent))
    anonymous_caller = await handled_call(db, agent, None)
    ticket = {"disposition": "resolved", "ticket": {"category": "x", "description": "y"}}
    status, error = await wrapup(client, agent, anonymous_caller, ticket)
    assert status == 400 and "customer_id" in error["error"]
    for body, fragment in [
        ({"note": "x"}, "disposition"),
        ({"disposition": "nonsense"}, "unknown disposition"),
        ({"disposition": "follow-up"}, "needs a callback"),
        ({"disposition": "resolved", "callback": {"due_local": "tomorrow"}}, "due_local"),
        ({"disposition": "resolved", "ticket": {"category": "x", "priority": "now"}}, "priority"),
        ({"disposition": "resolved", "callback": {"due_local": "2026-01-01T09:00",
                                                  "timezone": "Mars/Base"}}, "time zone"),
        ({"disposition": "resolved", "callback": {"due_local": "2026-01-01T09:00",
                                                  "for": "them"}}, "callback.for"),
        ({"disposition": "resolved", "customer_id": "7"}, "customer_id"),
        ({"disposition": "resolved", "mood": "good"}, "mood: Extra inputs are not permitted"),
        ([1], "JSON object"),
    ]:
        status, error = await wrapup(client, agent, call_key, body)
        assert status == 400 and fragment in error["error"], (body, error)
    url = f"/api/calls/{call_key}/wrapup"
    for data in ("{", "x" * (MAX_BODY + 10), b"\xff\xfe"):
        response = await client.post(url, data=data, headers=bearer(agent))
        assert response.status == 400
    status, _ = await wrapup(client, agent, call_key, {"disposition": "resolved"})
    assert status == 200


async def test_new_customer_form_validates(client: TestClient, db: Database) -> None:
    agent = await make_user(db)
    for body, fragment in [
        ({"numbers": []}, "name: Field required"),
        ({"name": "   "}, "name: String should have at least 1 character"),
        ({"name": "A", "numbers": ["12"]}, "numbers: not a valid phone number: '12'"),
        ({"name": "A", "numbers": "1"}, "numbers: Input should be a valid list"),
        ({"name": "A", "numbers": ["1"] * 11}, "numbers: List should have at most 10 items"),
        ({"name": "A", "timezone": "Nowhere"}, "timezone: unknown time zone 'Nowhere'"),
        ({"name": 5}, "name: Input should be a valid string"),
        ({"name": "A", "email": "x" * 201}, "email: String should have at most 200 characters"),
    ]:
        response = await client.post("/api/customers", json=body, headers=bearer(agent))
        assert response.status == 400, body
        assert fragment in (await response.json())["error"], body


async def test_agents_only_see_their_own_work(client: TestClient, db: Database) -> None:
    alice, bob = await make_user(db), await make_user(db)
    customer_id = await new_customer(client, alice, name=unique("Private"))
    call_key = await handled_call(db, alice, customer_id)
    body = {"disposition": "resolved",
            "callback": {"due_local": "2026-06-01T09:00", "for": "me"}}
    status, result = await wrapup(client, alice, call_key, body)
    assert status == 200
    card = await client.get(f"/api/customers/{customer_id}", headers=bearer(bob))
    missing = await client.get("/api/customers/999999999", headers=bearer(bob))
    assert card.status == missing.status == 404
    search = await client.get("/api/customers/search", params={"q": "Private"},
                              headers=bearer(bob))
    assert customer_id not in [c["id"] for c in (await search.json())["customers"]]
    listed = await (await client.get("/api/callbacks", headers=bearer(bob))).json()
    assert result["callback_id"] not in [c["id"] for c in listed["callbacks"]]
    done = await client.post(f"/api/callbacks/{result['callback_id']}/done", headers=bearer(bob))
    assert done.status == 404
    status, _ = await wrapup(client, bob, call_key, {"disposition": "resolved"})
    assert status == 404
    own = await (await client.get("/api/callbacks", headers=bearer(alice))).json()
    assert result["callback_id"] in [c["id"] for c in own["callbacks"]]
    done = await client.post(f"/api/callbacks/{result['callback_id']}/done", headers=bearer(alice))
    assert done.status == 200


async def test_a_popped_call_can_be_wrapped_up_before_its_row_exists(
    client: TestClient, db: Database
) -> None:
    alice, bob = await make_user(db), await make_user(db)
    customer_id = await new_customer(client, alice)
    call_key = unique("fresh-call")
    status, _ = await wrapup(client, bob, call_key, {"disposition": "resolved"})
    assert status == 404
    working = work_resource(client.app).scopes.working
    working.allow_call(bob.id, call_key, customer_id=customer_id, queue="support")
    card = await client.get(f"/api/customers/{customer_id}", headers=bearer(bob))
    assert card.status == 200
    body = {"disposition": "resolved", "ticket": {"category": "x", "description": "y"}}
    status, result = await wrapup(client, bob, call_key, body)
    assert status == 200 and result["customer_id"] == customer_id


async def test_supervisor_sees_the_teams_callbacks(client: TestClient, db: Database) -> None:
    team = unique("team")
    member, outsider = await make_user(db, team=team), await make_user(db)
    lead = await make_user(db, "supervisor")
    from crm_core.teams import set_led_teams

    await set_led_teams(db, lead.id, [team])
    ids = []
    for agent in (member, outsider):
        customer_id = await new_customer(client, agent)
        call_key = await handled_call(db, agent, customer_id)
        body = {"disposition": "resolved",
                "callback": {"due_local": "2026-06-01T09:00", "for": "me"}}
        ids.append((await wrapup(client, agent, call_key, body))[1]["callback_id"])
    listed = await (await client.get("/api/callbacks", headers=bearer(lead))).json()
    seen = {c["id"] for c in listed["callbacks"]}
    assert ids[0] in seen and ids[1] not in seen
    admin = await make_user(db, "admin")
    everything = await (await client.get("/api/callbacks", headers=bearer(admin))).json()
    assert set(ids) <= {c["id"] for c in everything["callbacks"]}


async def test_dispositions_for_a_queue(client: TestClient, db: Database) -> None:
    agent = await make_user(db)
    response = await client.get("/api/dispositions", params={"queue": "support"},
                                headers=bearer(agent))
    codes = [d["code"] for d in (await response.json())["dispositions"]]
    assert {"resolved", "follow-up", "sale", "no-sale", "wrong-number", "escalated"} <= set(codes)


async def test_a_stored_wrapup_is_reported_to_the_gate(client: TestClient, db: Database) -> None:
    agent = await make_user(db)
    interface = f"PJSIP/{unique('w')}"
    await update_user(db, agent.username, {"interface": interface})
    heard: list[tuple[str, str]] = []

    async def listener(on: str, call_key: str) -> None:
        heard.append((on, call_key))

    call_key = await handled_call(db, agent, None)
    listeners = work_resource(client.app).wrapup_listeners
    listeners.append(listener)
    try:
        status, _ = await wrapup(client, agent, call_key, {"disposition": "resolved"})
    finally:
        listeners.remove(listener)
    assert status == 200 and heard == [(interface, call_key)]
