"""The dialer's HTTP API on the real web app and PostgreSQL: campaigns managed by admins and
supervisors (not agents), bad settings a 400 naming the field, start refused without a fresh
national do-not-call list; a lead list uploaded as multipart (streamed), its import's
progress polled to the end and its error report downloaded; an agent's opt-out through
POST /api/dnc; a campaign's compliance report on seeded attempts."""
from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import aiohttp
from aiohttp.test_utils import TestClient
from sqlalchemy import text

from callcenter.settings import Settings
from crm_core.db import Database
from crm_core.queues import create_queue
from tests.helpers.accounts import bearer, make_user
from tests.helpers.campaigns import (
    campaign_name, fresh_numbers, import_rows, leads_of, load_fresh_dnc, new_campaign,
    seed_attempts,
)
from tests.helpers.leadlists import write_csv, write_xlsx
from tests.helpers.waiting import poll_until
from tests.helpers.webapp import log_in

NAME = "Jürgen 张伟 😀"


def upload_form(path: Path, mapping: str, **fields: str) -> aiohttp.FormData:
    form = aiohttp.FormData()
    form.add_field("mapping", mapping)
    for key, value in fields.items():
        form.add_field(key, value)
    form.add_field("file", path.open("rb"), filename=path.name)
    return form


async def finished(client: TestClient, list_id: int, headers: dict) -> dict:
    async def done() -> dict | None:
        status = await (await client.get(f"/admin/imports/{list_id}", headers=headers)).json()
        return status if status["status"] != "importing" else None
    return await poll_until(done, "the import to finish", timeout=30)


async def test_campaigns_are_managed_by_admins_and_supervisors(
        client: TestClient, db: Database, tmp_path: Path) -> None:
    admin = bearer(await make_user(db, "admin"))
    supervisor = bearer(await make_user(db, "supervisor"))
    agent = bearer(await make_user(db, "agent"))
    name, queue = campaign_name(), campaign_name("q")
    await create_queue(db, queue)
    body = {"name": name, "rule_set": "US", "queue": queue, "mode": "predictive", "ratio": 2.5,
            "safe_harbor_message": "Example Inc. 212 555 0100", "amd": True,
            "calling_hours": {"ranges": [["09:00", "20:00"]], "weekdays": [0, 1, 2, 3, 4]},
            "retry_rules": {"rules": {"busy": {"delay_minutes": 15, "max_attempts": 3}}}}
    created = await client.post("/admin/campaigns", json=body, headers=supervisor)
    assert created.status == 201, await created.text()
    saved = await created.json()
    assert (saved["state"], saved["ratio"], saved["calling_hours"]["ranges"]) == (
        "draft", 2.5, [["09:00", "20:00"]])
    assert saved["retry_rules"]["rules"]["busy"] == {"delay_minutes": 15, "max_attempts": 3}
    listed = await (await client.get("/admin/campaigns", headers=admin)).json()
    assert saved in listed["campaigns"]

    for method, path in [("GET", "/admin/campaigns"), ("POST", "/admin/campaigns"),
                         ("POST", f"/admin/campaigns/{name}/start"),
                         ("GET", f"/admin/campaigns/{name}/lists")]:
        refused = await client.request(method, path, json=body, headers=agent)
        assert refused.status == 403, (method, path)

    bad = await client.put(f"/admin/campaigns/{name}", headers=admin, json={
        **{k: v for k, v in body.items() if k != "name"},
        "calling_hours": {"ranges": [["07:00", "20:00"]]}})
    assert bad.status == 400
    assert "calling hours 07:00-20:00 are outside what the US rules allow: 08:00-21:00" in (
        await bad.json())["error"]
    changed = await client.put(f"/admin/campaigns/{name}", headers=admin,
                               json={"rule_set": "US", "queue": queue, "mode": "progressive"})
    assert (await changed.json())["mode"] == "progressive"

    await load_fresh_dnc(db, tmp_path, "US", released=(await db_today(db)).replace(year=2000))
    stale = await client.post(f"/admin/campaigns/{name}/start", headers=admin)
    assert stale.status == 409
    assert "the national do-not-call list for US was released 2000-" in (await stale.json())["error"]
    await load_fresh_dnc(db, tmp_path, "US")
    started = await client.post(f"/admin/campaigns/{name}/start", headers=supervisor)
    assert (await started.json())["state"] == "running"
    assert (await client.delete(f"/admin/campaigns/{name}", headers=admin)).status == 409
    assert (await client.post(f"/admin/campaigns/{name}/stop", headers=admin)).status == 200
    assert await (await client.delete(f"/admin/campaigns/{name}", headers=admin)).json() == {
        "deleted": name}
    assert (await client.get(f"/admin/campaigns/{name}", headers=admin)).status == 404


async def db_today(db: Database):
    async with db.engine.connect() as conn:
        return (await conn.exec_driver_sql("SELECT current_date")).scalar()


async def test_an_upload_imports_in_the_background_with_progress_and_a_report(
        client: TestClient, db: Database, tmp_path: Path) -> None:
    headers = {"X-CSRF-Token": await log_in(client, await make_user(db, "supervisor"))}
    campaign = await new_campaign(db)
    good, other = fresh_numbers(2)
    rows = [["Telefon", "Vorname", "Nachname"], [good, NAME, "Müller"], ["0", "Bad", ""],
            [other, "Zweite", ""], ["=HYPERLINK(1)", "Evil", ""]]
    path = write_csv(tmp_path / "Kunden März.csv", rows, delimiter=";")
    mapping = '{"phone": "Telefon", "first_name": "Vorname", "last_name": "Nachname"}'
    response = await client.post(f"/admin/campaigns/{campaign}/lists", headers=headers,
                                 data=upload_form(path, mapping, region="gb"))
    assert response.status == 202, await response.text()
    started = await response.json()
    assert (started["status"], started["source_file"], started["campaign"]) == (
        "importing", "Kunden März.csv", campaign)

    status = await finished(client, started["list_id"], headers)
    assert (status["status"], status["rows_read"], status["loaded"], status["bad"],
            status["customers_linked"], status["fraction"], status["error_report"]) == (
        "done", 4, 2, 2, 0, 1.0, True)
    report = await client.get(f"/admin/imports/{started['list_id']}/errors.csv", headers=headers)
    assert report.status == 200 and report.content_type == "text/csv"
    assert "filename*=UTF-8''Kunden%20M%C3%A4rz-errors.csv" in report.headers["Content-Disposition"]
    lines = list(csv.reader(io.StringIO((await report.read()).decode("utf-8-sig"))))
    assert [line[:3] for line in lines] == [["row", "column", "value"], ["3", "Telefon", "0"],
                                            ["5", "Telefon", "'=HYPERLINK(1)"]]
    assert (await leads_of(db, campaign))[good]["first_name"] == NAME
    lists = await (await client.get(f"/admin/campaigns/{campaign}/lists", headers=headers)).json()
    assert [entry["list_id"] for entry in lists["lists"]] == [started["list_id"]]


async def test_uploads_that_cannot_be_imported_are_400s(
        client: TestClient, db: Database, settings: Settings, tmp_path: Path) -> None:
    headers = bearer(await make_user(db, "admin"))
    uploads = settings.dialer_dir / "uploads"
    before = set(uploads.glob("*"))
    campaign = await new_campaign(db)
    xlsx = write_xlsx(tmp_path / "leads.xlsx", [["Phone"], ["+442079460000"]])
    for form, message in [
        (upload_form(xlsx, '{"phone": "Telefon"}'), "no column 'Telefon' in the file"),
        (upload_form(xlsx, '{"phone": "Phone", "colour": "x"}'),
         "mapping.colour: Extra inputs are not permitted"),
        (upload_form(xlsx, "phone=Phone"), "mapping: Invalid JSON"),
        (upload_form(write_csv(tmp_path / "leads.pdf", [["x"]]), '{"phone": "Phone"}'),
         "file: a lead list is a CSV or XLSX file, not .pdf"),
    ]:
        response = await client.post(f"/admin/campaigns/{campaign}/lists", headers=headers,
                                     data=form)
        assert response.status == 400, await response.text()
        assert message in (await response.json())["error"]
    missing = await client.post("/admin/campaigns/nope/lists", headers=headers,
                                data=upload_form(xlsx, '{"phone": "Phone"}'))
    assert missing.status == 404
    assert set(uploads.glob("*")) <= before  # nothing left behind
    assert (await client.get("/admin/imports/999999", headers=headers)).status == 404


async def test_an_agent_records_an_opt_out(client: TestClient, db: Database, tmp_path: Path) -> None:
    agent = bearer(await make_user(db, "agent"))
    campaign = await new_campaign(db)
    number, = fresh_numbers(1)
    await import_rows(db, campaign, tmp_path / "one.csv", [[number, "", "", ""]])
    written = f"{number[:3]} {number[3:5]} {number[5:]}"
    listed = await client.post("/api/dnc", headers=agent, json={"number": written})
    assert await listed.json() == {"number": number, "listed": True, "sources": ["internal"]}
    assert (await leads_of(db, campaign))[number]["status"] == "dnc"
    bad = await client.post("/api/dnc", headers=agent, json={"number": "12"})
    assert bad.status == 400 and "not a valid phone number" in (await bad.json())["error"]


async def test_a_campaigns_compliance_report(client: TestClient, db: Database,
                                             tmp_path: Path) -> None:
    name = await new_campaign(db, rule_set="UK")
    numbers = fresh_numbers(3)
    await import_rows(db, name, tmp_path / "leads.csv", [[n, NAME, "", ""] for n in numbers])
    noon = datetime.combine(datetime.now(UTC).date() - timedelta(days=1), time(12), UTC)
    night = noon - timedelta(hours=13)  # 23:00 UTC: past 21:00 in London, in winter or summer
    seeded = [(numbers[0], noon, "abandoned"), (numbers[0], night, "no_answer"),
              (numbers[1], noon, "human"), (numbers[2], noon, "human")]
    async with db.sessionmaker.begin() as session:
        await session.execute(text(
            "INSERT INTO dnc_entries (number, source, added_at)"
            " VALUES (:number, 'internal', :at)"),
            {"number": numbers[2], "at": noon - timedelta(days=3)})
    await seed_attempts(db, name, seeded)
    path = f"/admin/campaigns/{name}/compliance"
    supervisor = bearer(await make_user(db, "supervisor"))
    answered = await client.get(path, headers=supervisor)
    assert answered.status == 200, await answered.text()
    found = await answered.json()
    assert (found["month"]["abandoned"], found["month"]["connected"]) == (1, 2)
    assert round(found["month"]["us_rate"] * 100, 2) == 33.33
    assert (found["out_of_window"], found["dnc_calls"], found["safe_harbor_plays"]) == (1, 1, 1)
    assert (found["attempts"], found["leads"], found["attempts_per_lead_max"]) == (4, 3, 2)

    agent = bearer(await make_user(db, "agent"))
    assert (await client.get(path, headers=agent)).status == 403
    unknown = await client.get("/admin/campaigns/none-such/compliance", headers=supervisor)
    assert unknown.status == 404
