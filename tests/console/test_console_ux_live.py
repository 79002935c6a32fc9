"""The console as agents use it, on the real stack (Asterisk sandbox, PostgreSQL, Chromium): the
agent's state in words with timers that tell the truth (after-call work counts from the call's
end, in the header and in the form alike), the keyboard shortcuts, the queue toggles, a layout
that fits 1366x768 and 1920x1080, and a supervisor without a phone told what that means."""
from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Page, expect
from sqlalchemy import select

from crm_core.customers import create_customer
from crm_core.models import CallWrapup
from crm_core.users import ensure_user

from tests.helpers.browser import log_in
from tests.helpers.console import (PASSWORD, answered_call, clock_seconds, console_agent,
                                   console_in_queue, leave_queue, new_number, queue_toggle)
from tests.helpers.records import unique
from tests.helpers.waiting import BusWatch, poll_until

pytestmark = pytest.mark.asyncio(loop_scope="session")

NAME = "Søren 陈静 Kunde"
CUSTOMER_ZONE, AGENT_ZONE = ZoneInfo("America/New_York"), ZoneInfo("Europe/Berlin")
TALK_AT_LEAST = 3
"""Seconds the agent talks before hanging up: a timer counting from the pop runs this far ahead."""

AFTER_CALL_CLOCKS = """async (key) => {
  const details = await (await fetch('/api/calls/' + encodeURIComponent(key))).json();
  return {recorded: details.recorded, ended: Date.parse(details.ended_at), now: Date.now(),
          header: document.getElementById('time-in-state').textContent,
          form: document.getElementById('wrapup-timer').textContent};
}"""
"""The header's and the form's after-call clocks, read together, and the call's end in the CRM."""

LAYOUT = """() => {
  const inside = (node) => { const r = node.getBoundingClientRect();
    return r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth; };
  const shown = (node) => node.getClientRects().length > 0;
  const lines = (node) => {  // text boxes starting below the line before them start a new line
    const walker = document.createTreeWalker(node, NodeFilter.SHOW_TEXT), boxes = [];
    while (walker.nextNode()) { const range = document.createRange(); range.selectNodeContents(walker.currentNode);
      boxes.push(...[...range.getClientRects()].filter((r) => r.width > 0)); }
    let count = 0, bottom = -Infinity;
    for (const box of boxes.sort((a, b) => a.top - b.top)) {
      if (box.top >= bottom - 1) count++;
      bottom = Math.max(bottom, box.bottom);
    }
    return count; };
  const controls = [...document.querySelectorAll('#call-controls button, #call-controls input, #call-controls select')].filter(shown);
  const texts = [...document.querySelectorAll('button, label, legend, dt')].filter(shown);
  return {
    horizontalScroll: document.documentElement.scrollWidth > innerWidth,
    controls: controls.length,
    outside: controls.filter((n) => !inside(n)).map((n) => n.id),
    wrapped: texts.filter((n) => lines(n) > 1).map((n) => n.id || n.textContent.trim()),
  };
}"""
"""What the layout checks measure: horizontal scrolling, the call controls outside the viewport,
buttons and labels broken over two lines."""

CONTRAST = """(id) => {
  const rgb = (c) => c.match(/\\d+(\\.\\d+)?/g).slice(0, 3).map(Number);
  const lum = (c) => { const [r, g, b] = rgb(c).map((v) => { v /= 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const style = getComputedStyle(document.getElementById(id));
  const [a, b] = [lum(style.color), lum(style.backgroundColor)].sort((x, y) => y - x);
  return (a + 0.05) / (b + 0.05);
}"""
"""WCAG contrast ratio of an element's text against its background."""


async def agent_on_a_call(cti, db, page: Page, new_queue, new_extension, prefix: str):
    """A fresh agent in a fresh queue, at the console, on a call of a known customer."""
    agent = await console_agent(db, new_extension(), await new_queue(prefix, product=cti))
    number = new_number()
    await create_customer(db, NAME, [number], timezone=CUSTOMER_ZONE.key,
                          default_region="DE")
    await console_in_queue(page, agent)
    await answered_call(cti, page, agent, NAME, number)
    return agent


async def until_talked(page: Page, seconds: int) -> None:
    """The call card's timer runs: wait until it shows SECONDS."""
    await page.wait_for_function(
        "s => { const [m, x] = document.getElementById('call-timer').textContent.split(':');"
        " return Number(m) * 60 + Number(x) >= s; }", arg=seconds, timeout=15000)


async def test_states_in_words_and_one_after_call_clock(cti, db, console_page: Page, new_queue,
                                                        new_extension) -> None:
    page = console_page
    # on the way in the header read "Not in any queue", then "Available" (console_in_queue)
    agent = await agent_on_a_call(cti, db, page, new_queue, new_extension, "words")
    try:
        await expect(page.locator("#agent-state")).to_have_text("On a call", timeout=6000)
        await page.click("#hold")
        await expect(page.locator("#agent-state")).to_have_text("On hold", timeout=6000)
        await expect(page.locator("#call-state")).to_have_text("On hold")
        await page.click("#unhold")
        await expect(page.locator("#agent-state")).to_have_text("On a call", timeout=6000)
        await until_talked(page, TALK_AT_LEAST)
        await page.click("#hangup")

        form = page.locator("#wrapup")
        await expect(form).to_be_visible(timeout=10000)
        await expect(page.locator("#agent-state")).to_have_text("After-call work", timeout=6000)
        key = await form.get_attribute("data-call-id")

        async def clocks() -> dict | None:
            read = await page.evaluate(AFTER_CALL_CLOCKS, key)
            return read if read["recorded"] and read["header"] else None

        read = await poll_until(clocks, "the call's row in the CRM", 10, every=0.3)
        assert read["header"] == read["form"], read
        since_end = (read["now"] - read["ended"]) / 1000
        assert abs(clock_seconds(read["header"]) - since_end) <= 1.5, read
        await page.select_option("#disposition", "resolved")
        await page.click("#wrapup-submit")
        await expect(page.locator("#agent-state")).to_have_text("Available", timeout=8000)
    finally:
        await leave_queue(cti, agent)


async def test_keyboard_hangs_up_holds_and_submits_the_wrapup(cti, db, console_page: Page,
                                                              new_queue, new_extension) -> None:
    page = console_page
    agent = await agent_on_a_call(cti, db, page, new_queue, new_extension, "keys")
    try:
        await expect(page.locator("#hangup")).to_have_attribute("title", "Hang up (Alt+H)")
        await page.keyboard.press("Alt+O")
        await expect(page.locator("#agent-state")).to_have_text("On hold", timeout=6000)
        await page.keyboard.press("Alt+O")
        await expect(page.locator("#agent-state")).to_have_text("On a call", timeout=6000)
        await page.keyboard.press("Alt+T")
        await expect(page.locator("#transfer-target")).to_be_focused()
        await page.keyboard.type("2000")  # typing in an input is no shortcut...
        await expect(page.locator("#call")).to_be_visible()
        await page.keyboard.press("Alt+H")  # ...Alt+H hangs up, even from the input
        form = page.locator("#wrapup")
        await expect(form).to_be_visible(timeout=10000)
        await expect(page.locator("#call")).to_be_hidden()
        key = await form.get_attribute("data-call-id")

        await expect(page.locator("#disposition option[value=resolved]")).to_have_count(1, timeout=5000)
        await page.select_option("#disposition", "resolved")
        await page.click("#note")
        await page.keyboard.type("Tastatur ✓ 键盘")
        await page.keyboard.press("Control+Enter")
        await expect(form).to_be_hidden(timeout=10000)
        await expect(page.locator("#agent-state")).to_have_text("Available", timeout=8000)
        async with db.sessionmaker() as session:
            stored = await session.scalar(select(CallWrapup).where(CallWrapup.call_key == key))
        assert (stored.disposition, stored.note) == ("resolved", "Tastatur ✓ 键盘")
    finally:
        await leave_queue(cti, agent)


async def test_queue_toggles_log_the_agent_in_and_out(cti, db, console_page: Page, new_queue,
                                                      new_extension) -> None:
    page = console_page
    first, second = await new_queue("toggle", product=cti), await new_queue("toggle", product=cti)
    agent = await console_agent(db, new_extension(), first)
    joined = lambda: cti.server.feed.agents.queues_of(agent.interface)  # noqa: E731
    with BusWatch(cti.server.bus) as watch:
        try:
            await log_in(page, agent.username, PASSWORD, next_path="/console")
            await expect(page.locator("#agent-state")).to_have_text("Not in any queue", timeout=10000)
            for queue in (first, second):
                await expect(queue_toggle(page, queue)).to_have_attribute("aria-pressed", "false")
                await queue_toggle(page, queue).click()
                await watch.until(lambda q=queue: q in joined(), f"the agent in {queue}", 10)
                await expect(queue_toggle(page, queue)).to_have_attribute("aria-pressed", "true")
            await expect(page.locator("#agent-state")).to_have_text("Available", timeout=6000)
            await expect(page.locator("#my-queues")).to_contain_text(first)

            await queue_toggle(page, first).click()  # pressed: logs out of that queue only
            await watch.until(lambda: joined() == {second}, f"the agent in {second} only", 10)
            await expect(queue_toggle(page, first)).to_have_attribute("aria-pressed", "false")
            await expect(queue_toggle(page, second)).to_have_attribute("aria-pressed", "true")
            await expect(page.locator("#my-queues")).not_to_contain_text(first, timeout=6000)
        finally:
            for queue in (first, second):
                if queue in joined():
                    await cti.server.agent_control.log_out(agent.interface, [queue])


async def expect_fits(page: Page, width: int, height: int) -> None:
    """At WIDTH x HEIGHT: no horizontal scrolling, every call control in view, no label or
    button broken over two lines."""
    await page.set_viewport_size({"width": width, "height": height})
    layout = await page.evaluate(LAYOUT)
    assert not layout["horizontalScroll"], (width, layout)
    assert layout["controls"] >= 8 and not layout["outside"], (width, layout)
    assert not layout["wrapped"], (width, layout)


async def test_layout_fits_1366x768_and_1920x1080(cti, db, laptop_console_page: Page, new_queue,
                                                  new_extension) -> None:
    page = laptop_console_page
    agent = await agent_on_a_call(cti, db, page, new_queue, new_extension, "layout")
    try:
        await expect_fits(page, 1366, 768)
        await expect_fits(page, 1920, 1080)
        for button in ("hangup", "hold", "blind-transfer"):
            assert await page.evaluate(CONTRAST, button) >= 4.5, button
        # a visible focus ring on keyboard focus
        await page.focus("#transfer-target")
        await page.keyboard.press("Shift+Tab")
        await expect(page.locator("#transfer-kind")).to_be_focused()
        assert await page.evaluate(
            "getComputedStyle(document.activeElement).outlineStyle") != "none"
        await page.set_viewport_size({"width": 1366, "height": 768})
        await page.click("#hangup")
        await expect(page.locator("#wrapup")).to_be_visible(timeout=10000)
        await page.check("#ticket-on")
        await expect_callback_in_words(page)
        layout = await page.evaluate(LAYOUT)
        assert not layout["horizontalScroll"] and not layout["wrapped"], layout
    finally:
        await leave_queue(cti, agent)


async def expect_callback_in_words(page: Page) -> None:
    """The callback chooser takes the customer's wall clock (New York) and says when that is
    for the agent (Berlin) in words."""
    await page.check("#callback-on")
    await expect(page.locator("#callback-zone")).to_have_text(
        "Date and time in the customer's time zone (America/New_York)", timeout=5000)
    tomorrow = datetime.now(CUSTOMER_ZONE).date() + timedelta(days=1)
    await page.fill("#callback-date", tomorrow.isoformat())
    await page.fill("#callback-time", "10:00")
    berlin = datetime.combine(tomorrow, time(10, 0), CUSTOMER_ZONE).astimezone(AGENT_ZONE)
    day = ("today", "tomorrow")[(berlin.date() - datetime.now(AGENT_ZONE).date()).days]
    shown = (await page.locator("#callback-when").text_content()).replace("\u202f", " ")
    assert shown == f"Callback: {day} {berlin:%I:%M %p} (customer's time 10:00 AM)", shown


async def test_a_supervisor_without_a_phone_is_told_what_to_do(cti, db,
                                                               console_page: Page) -> None:
    page = console_page
    username = unique("phoneless-lead")
    await ensure_user(db, username, display_name="Ingrid 王 Leitung", role="supervisor",
                      password=PASSWORD)
    await log_in(page, username, PASSWORD, next_path="/console")
    await expect(page.locator("#no-phone")).to_contain_text(
        "Your user has no phone yet: ask an admin to give you an extension.")
    await expect(page.locator("#agent-state")).to_have_text("No phone")
    await expect(page.locator("#link")).to_have_text("connected", timeout=10000)
    for control in ("#controls-bar", "#call", "#dial-form", "#queue-toggles", "#pause"):
        await expect(page.locator(control)).to_be_hidden()
    await expect(page.locator("#search")).to_be_visible()  # what works without a phone
    await expect(page.locator("#no-phone a[href='/wallboard']")).to_be_visible()
    text = await page.locator("body").inner_text()
    assert "unknown" not in text and "(interface)" not in text, text
