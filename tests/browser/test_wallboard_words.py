"""The wallboard says the truth in words, in a real browser fed snapshots of the test's own
statistics: the footer explains the service level without formulas or identifiers, an alert
appears only when a figure is over its target as shown, and listen / whisper / barge say why
they are off."""
from __future__ import annotations

import re
import time

import pytest
from playwright.async_api import Page, expect

from ctiserver.acd.agentstate import AgentChange
from ctiserver.acd.stats import DEFAULT_SL_VARIANT, QueueStats, QueueTargets
from ctiserver.acd.wallboard_levels import MIN_CALLS_TO_ALERT
from ctiserver.calls.tracker import CallAnswered, QueueCallerArrived

from tests.helpers.browser import log_in
from tests.helpers.wallboard import FAKE_SOCKET, PASSWORD, Floor, make_floor, push

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

ASA_TARGET = 30
CODE = re.compile(r"\w+_\w+|[{}/=]|\bsl\b|\bASA\b|\bAHT\b")
"""What code looks like on a page: identifiers, template braces, formulas, abbreviations."""
NO_PHONE = "Listen, whisper and barge need your phone: ask an admin to give your user an extension."


def answered_at(wait: float, floor: Floor, state: str = "on_call") -> dict:
    """Queue "help" after enough calls to alert on (MIN_CALLS_TO_ALERT), each answered after
    WAIT seconds; its agent in STATE."""
    now = time.time()
    stats = QueueStats({"help": QueueTargets(sl_threshold=60, asa_target=ASA_TARGET)})
    stats.handle_change(AgentChange(floor.interface, "logged_out", state, now - 40,
                                    name=floor.agent_name, queues=frozenset({"help"})))
    calls = [f"c{n}" for n in range(MIN_CALLS_TO_ALERT)]
    for call in calls:
        stats.handle_notice(QueueCallerArrived(call, now - 35 - wait, "help", "+4930", ""))
    for call in calls:
        stats.handle_notice(CallAnswered(call, now - 35, "help", floor.interface, wait))
    return stats.snapshot(now)


async def open_board(page: Page, db, ext: str, *, phone: bool = True) -> Floor:
    floor = await make_floor(db, ext, supervisor_has_phone=phone)
    await page.add_init_script(FAKE_SOCKET)
    await log_in(page, floor.supervisor, PASSWORD)
    return floor


async def test_the_page_and_its_footer_speak_in_words(page: Page, product, db, new_extension) -> None:
    assert DEFAULT_SL_VARIANT == "abandons_within_excluded"  # the variant the footer explains
    floor = await open_board(page, db, new_extension())
    await push(page, answered_at(12, floor))
    await expect(page.locator('.tile[data-queue="help"] [data-figure="asa"]')).to_have_text("0:12")
    footer = await page.locator("footer").inner_text()
    assert "Service level: the share of callers answered within their queue's target time" in footer
    assert "callers who left unanswered within it — hung up, timed out, found no agent or pressed a key — are left out" in footer
    assert not CODE.findall(footer), footer
    words = await page.locator("body").inner_text()
    assert not CODE.findall(words), CODE.findall(words)


async def test_an_alert_needs_a_figure_over_its_target_as_shown(page: Page, product, db,
                                                                new_extension) -> None:
    floor = await open_board(page, db, new_extension())
    asa = page.locator('.tile[data-queue="help"] [data-figure="asa"]')
    for wait, shown in ((ASA_TARGET, "0:30"), (ASA_TARGET + 0.4, "0:30")):  # at the target
        await push(page, answered_at(wait, floor))
        await expect(asa).to_have_text(shown)
        await expect(asa).not_to_have_class("bad")
        await expect(page.locator("#alerts .alert")).to_have_count(0)
        await expect(page.locator('.tile[data-queue="help"]')).not_to_have_class(re.compile(r"\bmissed\b"))
    await push(page, answered_at(ASA_TARGET + 1, floor))
    await expect(asa).to_have_class("bad")
    await expect(page.locator("#alerts .alert")).to_have_count(1)
    await expect(page.locator('[data-alert="help:asa"]')).to_have_text(
        "⚠ help: average speed of answer today 0:31 — target at most 0:30")


async def test_a_supervisor_without_a_phone_is_told_why_listening_is_off(
        page: Page, product, db, new_extension) -> None:
    floor = await open_board(page, db, new_extension(), phone=False)
    await push(page, answered_at(5, floor, state="on_call"))
    note = page.locator("#spy-note")
    await expect(note).to_be_visible()
    await expect(note).to_have_text(NO_PHONE)
    row = page.locator(f'#agents tr[data-agent="{floor.interface}"]')
    for mode in ("listen", "whisper", "barge"):
        button = row.locator(f'button[data-action="{mode}"]')
        await expect(button).to_be_disabled()
        await expect(button).to_have_attribute("title", NO_PHONE)
    await expect(row.locator('button[data-action="pause"]')).to_be_enabled()


async def test_a_supervisor_with_a_phone_is_told_the_agent_is_not_on_a_call(
        page: Page, product, db, new_extension) -> None:
    floor = await open_board(page, db, new_extension())
    await push(page, answered_at(5, floor, state="available"))
    await expect(page.locator("#spy-note")).to_have_text(
        "Listen, whisper and barge ring your phone; they work while the agent is on a call.")
    listen = page.locator(f'#agents tr[data-agent="{floor.interface}"] button[data-action="listen"]')
    await expect(listen).to_be_disabled()
    await expect(listen).to_have_attribute(
        "title", f"{floor.agent_name} is not on a call: listen, whisper and barge work during a call.")
    await push(page, answered_at(5, floor, state="on_call"))
    await expect(listen).to_be_enabled()
    await expect(listen).to_have_attribute("title", "Listen to the call on your phone")
