"""GET /api/calls/{call_key}: what the after-call form needs, from the server, for any tab:
from the CRM's row, from the pop while the row is not written yet, from the after-call gate's
store when neither says the agent handled the call (a lost row after a crash); who may see it."""
from __future__ import annotations

import uuid

from aiohttp.test_utils import TestClient
from sqlalchemy import delete

from agent_console.work_api import WorkResource
from crm_core.customers import create_customer
from crm_core.db import Database
from crm_core.models import PendingWrapup
from crm_core.teams import set_led_teams
from crm_core.users import create_user

from tests.helpers.accounts import Account, bearer, make_user
from tests.helpers.records import berlin_number, handled_call, unique
from tests.helpers.webapp import route_owner

NAME = "Jürgen 张伟 Nachbearbeitung"


async def details(client: TestClient, account: Account, call_key: str) -> tuple[int, dict]:
    response = await client.get(f"/api/calls/{call_key}", headers=bearer(account))
    assert response.status != 200 or response.headers["Cache-Control"] == "no-store"
    return response.status, await response.json()


async def customer(db: Database) -> int:
    return await create_customer(db, f"{NAME} {unique('k')}", [berlin_number()[1]],
                                 timezone="Asia/Shanghai", default_region="DE")


async def test_a_handled_call_gives_the_form_everything(client: TestClient, db: Database) -> None:
    agent, customer_id = await make_user(db), await customer(db)
    call_key = await handled_call(db, agent, customer_id, queue="support")
    status, body = await details(client, agent, call_key)
    assert status == 200, body
    assert body["recorded"] and not body["pending"] and body["wrapup"] is None
    assert (body["queue"], body["caller_number"], body["outcome"]) == (
        "support", "+4940 5550000", "answered")
    assert body["customer"]["id"] == customer_id and body["customer"]["name"].startswith(NAME)
    assert body["customer"]["timezone"] == "Asia/Shanghai"
    assert body["ended_at"].startswith("2026-03-01T09:01:40")
    assert {"resolved", "follow-up"} <= {d["code"] for d in body["dispositions"]}
    stored = await client.post(f"/api/calls/{call_key}/wrapup", headers=bearer(agent),
                               json={"disposition": "resolved", "note": "erledigt ✓"})
    assert stored.status == 200
    _, body = await details(client, agent, call_key)
    assert body["wrapup"] == {"disposition": "resolved", "note": "erledigt ✓"}


async def test_before_the_row_is_written_the_pop_answers(client: TestClient, db: Database) -> None:
    """The CRM writer batches: the row follows the hangup by a few hundred ms; a new tab
    opening meanwhile still gets the queue, the caller and the customer the pop had."""
    agent, customer_id = await make_user(db), await customer(db)
    call_key = unique("unwritten")
    route_owner(client.app, WorkResource).scopes.working.allow_call(
        agent.id, call_key, customer_id=customer_id, queue="sales",
        caller_number="+4930 1234567", caller_name="Zoë")
    status, body = await details(client, agent, call_key)
    assert status == 200 and not body["recorded"], body
    assert (body["queue"], body["caller_number"], body["caller_name"]) == (
        "sales", "+4930 1234567", "Zoë")
    assert body["customer"]["id"] == customer_id and body["outcome"] is None
    # the row arrives: the form's next look gets it whole
    await handled_call(db, agent, customer_id, call_key=call_key, queue="sales")
    _, body = await details(client, agent, call_key)
    assert body["recorded"] and body["outcome"] == "answered"


async def test_a_call_the_gate_holds_can_be_wrapped_up_without_row_or_pop(
        client: TestClient, db: Database) -> None:
    """After a crash the CRM row may be lost for good and the pop forgotten; the after-call
    gate's store still says the agent finished the call, and that is enough to wrap it up
    (else the agent would stay paused for ever)."""
    tag = uuid.uuid4().hex[:8]
    interface = f"Local/cd{tag}@sim-agent/n"
    user_id, token = await create_user(db, f"details-{tag}", display_name="Åsa", role="agent",
                                       interface=interface)
    agent, stranger = Account(user_id, f"details-{tag}", "", token), await make_user(db)
    call_key = unique("lost")
    async with db.sessionmaker.begin() as session:
        session.add(PendingWrapup(interface=interface, call_key=call_key))
    try:
        status, body = await details(client, agent, call_key)
        assert status == 200 and not body["recorded"] and body["customer"] is None, body
        assert body["queue"] is None and body["dispositions"]  # the global list
        assert (await details(client, stranger, call_key))[0] == 404
        stored = await client.post(f"/api/calls/{call_key}/wrapup", headers=bearer(agent),
                                   json={"disposition": "resolved"})
        assert stored.status == 200, await stored.text()
        refused = await client.post(f"/api/calls/{call_key}/wrapup", headers=bearer(stranger),
                                    json={"disposition": "resolved"})
        assert refused.status == 404
    finally:
        async with db.sessionmaker.begin() as session:
            await session.execute(delete(PendingWrapup).where(PendingWrapup.call_key == call_key))


async def test_who_may_see_a_call(client: TestClient, db: Database) -> None:
    team = unique("team")
    agent, other = await make_user(db, team=team), await make_user(db)
    lead, outsider_lead = await make_user(db, "supervisor"), await make_user(db, "supervisor")
    await set_led_teams(db, lead.id, [team])
    admin = await make_user(db, "admin")
    call_key = await handled_call(db, agent, await customer(db))
    for account, status in ((agent, 200), (lead, 200), (admin, 200), (other, 404),
                            (outsider_lead, 404)):
        assert (await details(client, account, call_key))[0] == status, account.username
    for missing in (unique("nothing"), "x" * 201):
        assert (await details(client, agent, missing))[0] == 404
    nobody = await handled_call(db, None, None)  # no agent on it (abandoned): an admin's scope only
    assert [(await details(client, who, nobody))[0] for who in (agent, lead, admin)] == [
        404, 404, 200]
    anonymous = await client.get(f"/api/calls/{call_key}")
    assert anonymous.status == 401
