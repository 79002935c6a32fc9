"""Survey scores in the statistics: today's mean per agent and per queue from the CRM's calls
(real PostgreSQL), carried on the wallboard's agent rows and queue tiles (real Chromium against
the product on the real Asterisk)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.async_api import Browser, expect
from sqlalchemy import update

from asterisk_conf.simulation import agent_member
from crm_core.models import Call
from crm_core.users import create_user, users_by_interface
from ctiserver.acd.wallboard_messages import SurveyScore, with_surveys
from tests.helpers.accounts import Account
from tests.helpers.browser import checked_page, log_in
from tests.helpers.records import handled_call, unique
from tests.helpers.wallboard import PASSWORD, make_floor
from tests.helpers.webapp import build_app_and_server

pytestmark = pytest.mark.asyncio(loop_scope="session")


def test_scores_go_on_the_figures_of_the_agents_and_queues_that_have_one() -> None:
    snapshot = {"at": 1.0, "agents": {"PJSIP/a": {"state": "idle"}, "PJSIP/b": {"state": "idle"}},
                "queues": {"sales": {"waiting": 0}}}
    shown = with_surveys(snapshot, {"PJSIP/a": SurveyScore(3, 11 / 3)}, {"sales": SurveyScore(1, 5)})
    assert shown["agents"] == {"PJSIP/a": {"state": "idle", "survey": {"answers": 3, "mean": 3.67}},
                               "PJSIP/b": {"state": "idle"}}
    assert shown["queues"]["sales"]["survey"] == {"answers": 1, "mean": 5.0}
    assert "survey" not in snapshot["agents"]["PJSIP/a"] and shown["at"] == 1.0


async def scored_call(db, agent: Account, queue: str, interface: str, score: int,
                      entered_at: datetime) -> None:
    key = await handled_call(db, agent, None, queue=queue, agent_interface=interface,
                             entered_at=entered_at)
    async with db.sessionmaker.begin() as session:
        await session.execute(update(Call).where(Call.call_key == key).values(survey_score=score))


async def test_today_s_mean_score_reaches_the_wallboard_per_agent_and_queue(settings, db) -> None:
    _, server = build_app_and_server(settings, db)
    queue, interface = unique("survey"), f"PJSIP/{unique('sv')}"
    user_id, token = await create_user(db, unique("agent"), display_name="Jürgen 张伟 😀",
                                       role="agent", interface=interface)
    agent, now = Account(user_id, "", "", token), datetime.now(UTC)
    for score in (5, 4, 2):
        await scored_call(db, agent, queue, interface, score, now)
    await scored_call(db, agent, queue, interface, 1, now - timedelta(days=2))  # not today
    await server.ivr.refresh_surveys()
    agents, queues = server.acd.surveys
    assert agents[interface] == queues[queue] == SurveyScore(3, 11 / 3)


@pytest.mark.integration
async def test_the_wallboard_shows_the_mean_on_the_agent_row_and_the_queue_tile(
        cti, db, browser: Browser, new_queue, new_extension) -> None:
    queue = await new_queue("survey", product=cti)
    floor = await make_floor(db, new_extension())
    user = (await users_by_interface(db))[floor.interface]
    agent = Account(user.id, floor.agent, PASSWORD, "")
    for score in (5, 4, 2):
        await scored_call(db, agent, queue, floor.interface, score, datetime.now(UTC))
    control = cti.server.agent_control
    async with checked_page(browser, cti.url, viewport={"width": 1600, "height": 1000}) as page:
        await log_in(page, floor.supervisor, PASSWORD)
        await control.log_in(floor.interface, [queue], name=floor.ext,
                             state_interface=agent_member(floor.ext)[1])
        try:
            row = page.locator(f'#agents tr[data-agent="{floor.interface}"]')
            await expect(row).to_have_attribute("data-state", "available", timeout=10_000)
            await cti.server.ivr.refresh_surveys()
            await expect(row.locator(".survey")).to_have_text("3.7")
            await expect(row.locator(".survey")).to_have_attribute("title", "3 survey answers today")
            tile = page.locator(f'.tile[data-queue="{queue}"] [data-figure="survey"]')
            await expect(tile).to_have_text("3.7")
        finally:
            await control.log_out(floor.interface, [queue])
