"""The live campaign view and the marketing role on the real web app and PostgreSQL:
/ws/campaigns pushes every campaign's counts (from the database) to the campaigns' managers
(admins, supervisors, marketing; not agents), with the live figures of a campaign dialing in
this process; marketing users reach the campaigns, their lead lists and reports, not the
consoles, the wallboard or the administration; the compliance report as CSV; a national
do-not-call upload."""
from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer

from callcenter.settings import Settings
from crm_core.db import Database
from dialer import compliance
from dialer.compliance import WindowTally
from dialer.live import RunnerFigures
from tests.helpers.accounts import bearer, make_user
from tests.helpers.campaigns import (
    campaign_name, fresh_numbers, import_rows, leads_of, new_campaign, seed_attempts,
)
from tests.helpers.leadlists import write_csv
from tests.helpers.webapp import build_app_and_server, post_login

NAME = "Jürgen 张伟 😀"


async def campaign_with_attempts(db: Database, tmp_path: Path) -> tuple[str, list[str]]:
    """A UK campaign of four leads, three dialed an hour ago: a person, a machine, an abandon."""
    name = await new_campaign(db, rule_set="UK")
    numbers = fresh_numbers(4)
    await import_rows(db, name, tmp_path / "leads.csv", [[n, NAME, "", ""] for n in numbers])
    an_hour_ago = datetime.now(UTC) - timedelta(hours=1)
    await seed_attempts(db, name, [(numbers[0], an_hour_ago, "human"),
                                   (numbers[1], an_hour_ago, "machine"),
                                   (numbers[2], an_hour_ago, "abandoned")])
    return name, numbers


async def next_view(ws: aiohttp.ClientWebSocketResponse, name: str) -> dict:
    message = await ws.receive_json(timeout=5)
    assert message["v"] == 1 and message["type"] == "campaigns"
    return next(c for c in message["campaigns"] if c["name"] == name)


async def test_the_live_view_pushes_the_counts_to_the_campaigns_managers_only(
        settings: Settings, db: Database, tmp_path: Path) -> None:
    name, _ = await campaign_with_attempts(db, tmp_path)
    app, server = build_app_and_server(settings, db)
    tally = WindowTally(compliance.UK.abandon, abandoned=1, connected=3)
    server.campaign_board.attach(lambda now: {name: RunnerFigures(
        talking=2, waiting=1, wrapping=0, in_flight=3, mode="predictive", decision=2,
        allowance=0.01, windows=(tally,))})
    async with TestClient(TestServer(app)) as client:
        for role in ("admin", "supervisor", "marketing"):
            token = (await make_user(db, role)).token
            async with client.ws_connect(f"/ws/campaigns?token={token}") as ws:
                figures = await next_view(ws, name)
                assert figures["state"] == "draft" and figures["dialing_here"]
                counts = {k: figures[k] for k in ("dialed", "answered", "human", "machine",
                                                  "abandoned", "leads_left")}
                assert counts == {"dialed": 3, "answered": 3, "human": 2, "machine": 1,
                                  "abandoned": 1, "leads_left": 4}, role
                assert figures["agents"] == {"talking": 2, "waiting": 1, "wrapping": 0}
                assert figures["in_flight"] == 3 and figures["pacing"]["decision"] == 2
                (window,) = figures["windows"]
                assert window["seconds"] == 86400 and window["rate"] == pytest.approx(0.25)
                assert window["target"] == 0.03 and window["over"]
                assert (await next_view(ws, name))["dialed"] == 3  # pushed again a second later
        for role in ("agent",):
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await client.ws_connect(f"/ws/campaigns?token={(await make_user(db, role)).token}")
            assert refused.value.status == 403


async def test_a_campaign_not_dialing_here_shows_its_counts_only(
        client: TestClient, db: Database, tmp_path: Path) -> None:
    name, _ = await campaign_with_attempts(db, tmp_path)
    token = (await make_user(db, "marketing")).token
    async with client.ws_connect(f"/ws/campaigns?token={token}") as ws:
        figures = await next_view(ws, name)
    assert figures["dialed"] == 3 and not figures["dialing_here"]
    assert (figures["agents"], figures["in_flight"], figures["pacing"]) == (None, None, None)


async def test_marketing_reaches_the_campaigns_not_the_consoles_wallboard_or_admin(
        client: TestClient, db: Database) -> None:
    marketing = await make_user(db, "marketing")
    headers = bearer(marketing)
    for path in ("/campaigns", "/campaigns/campaigns.js", "/live/socket.js", "/i18n/i18n.js",
                 "/admin/campaigns"):
        assert (await client.get(path, headers=headers)).status == 200, path
    created = await client.post("/admin/campaigns", headers=headers,
                                json={"name": campaign_name("m"), "rule_set": "US"})
    assert created.status == 201, await created.text()
    for method, path in (("GET", "/console"), ("GET", "/wallboard"), ("POST", "/admin/users"),
                         ("GET", "/admin/queues"), ("GET", "/admin/scripts"),
                         ("GET", "/api/agent/state"), ("GET", "/api/customers/search"),
                         ("POST", "/wallboard/actions"), ("GET", "/admin/dial-policies"),
                         ("GET", "/softphone")):
        response = await client.request(method, path, headers=headers)
        assert response.status == 403, (method, path, response.status)
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await client.ws_connect(f"/ws/wallboard?token={marketing.token}")
    assert refused.value.status == 403
    logged_in = await post_login(client, marketing.username, marketing.password)
    assert logged_in.status == 303 and logged_in.headers["Location"] == "/campaigns"


async def test_the_compliance_report_downloads_as_csv(client: TestClient, db: Database,
                                                      tmp_path: Path) -> None:
    name, _ = await campaign_with_attempts(db, tmp_path)
    path = f"/admin/campaigns/{name}/compliance.csv"
    response = await client.get(path, headers=bearer(await make_user(db, "marketing")))
    assert response.status == 200 and response.content_type == "text/csv"
    assert "-compliance.csv" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(await response.text())))
    assert rows[0] == ["figure", "value"]
    figures = dict(rows[1:])
    assert (figures["attempts"], figures["leads"], figures["safe_harbor_plays"]) == ("3", "3", "1")
    assert (figures["latest_day.abandoned"], figures["latest_day.connected"]) == ("1", "1")
    assert float(figures["month.us_rate"]) == pytest.approx(0.5)
    agent = await client.get(path, headers=bearer(await make_user(db, "agent")))
    assert agent.status == 403


async def test_marketing_uploads_a_national_do_not_call_list(client: TestClient, db: Database,
                                                             tmp_path: Path) -> None:
    name, numbers = await campaign_with_attempts(db, tmp_path)
    listed = write_csv(tmp_path / f"{NAME} tps.csv", [["number"], [numbers[3]], ["nonsense"]])

    def form(path: Path, **fields: str) -> aiohttp.FormData:
        data = aiohttp.FormData()
        for key, value in {"country": "GB", "released_on": datetime.now(UTC).date().isoformat(),
                           **fields}.items():
            data.add_field(key, value)
        data.add_field("file", path.open("rb"), filename=path.name)
        return data

    headers = bearer(await make_user(db, "marketing"))
    loaded = await client.post("/admin/dnc/national", data=form(listed), headers=headers)
    assert loaded.status == 201, await loaded.text()
    found = await loaded.json()
    assert (found["country"], found["count"], found["bad"]) == ("GB", 1, 1)
    assert found["leads_marked"] >= 1
    assert (await leads_of(db, name))[numbers[3]]["status"] == "dnc"

    pdf = write_csv(tmp_path / "register.pdf", [["1"]])
    refused = await client.post("/admin/dnc/national", data=form(pdf), headers=headers)
    assert refused.status == 400
    assert (await refused.json())["error"] == "file: a do-not-call list is a CSV file, not .pdf"
    agent = bearer(await make_user(db, "agent"))
    assert (await client.post("/admin/dnc/national", data=form(listed), headers=agent)).status == 403
