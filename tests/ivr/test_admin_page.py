"""The IVR page in real Chromium against the product on the real Asterisk: simulated callers
walk a flow through the cc-ivr context, then an admin opens /admin/ivr and the flow's diagram
shows each node with the counts stored for it; a node no path reaches, and one no call reached,
are marked. A prompt uploaded through the API is what Asterisk plays."""
from __future__ import annotations

import asyncio
import logging
import subprocess
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp import ClientSession, FormData
from playwright.async_api import Browser, expect

from asterisk_conf.simulation import caller_originate
from ctiserver.ami import events as ev
from ivr.store import node_counts
from tests.helpers.accounts import PASSWORD, bearer, make_user
from tests.helpers.browser import checked_page, log_in
from tests.helpers.product import new_number
from tests.helpers.waiting import BusWatch, poll_until

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

FLOW = """\
name: {name}
start: menu
nodes:
  menu:
    type: menu
    prompt: {{sound: silence/1}}
    timeout: 3
    retries: 0
    choices: {{1: thanks, 2: bye}}
    on_failure: bye
  thanks: {{type: play, prompt: {{sound: beep}}, next: bye}}
  bye: {{type: hangup}}
  unused: {{type: hangup, prompt: {{text: "Jürgen 张伟 😀"}}}}
"""
KEYS = ["1", "1", "2"]
"""What the callers press: two take the thanks node, one hangs up at once."""
KINDS = ("reached", "completed", "timed_out", "invalid", "hung_up")


async def walk(cti, flow: str, key: str | None) -> None:
    channel_id = str(uuid.uuid4())
    with BusWatch(cti.server.bus) as watch:
        await cti.server.ami.originate(caller_originate(
            "none", number=new_number(), name="Jürgen 张伟 😀", patience=30, talk=1,
            channel_id=channel_id, ivr=flow, key=key, key_after=1.5))
        await watch.first(ev.ChannelHungUp, "the caller to hang up", timeout=30,
                          uniqueid=f"{channel_id};2")


async def stored(db, flow: str, began: datetime) -> dict | None:
    counted = await node_counts(db, flow, began - timedelta(hours=1), began + timedelta(hours=2))
    return counted if counted.get("bye", {}).get("reached") == len(KEYS) else None


async def test_the_diagram_shows_each_node_with_its_stored_counts(
        cti, db, browser: Browser, ivr_flow) -> None:
    flow = ivr_flow(FLOW)
    began = datetime.now(UTC)
    await asyncio.gather(*(walk(cti, flow, key) for key in KEYS))
    counted = await poll_until(lambda: stored(db, flow, began), "the node counts", timeout=15)
    assert counted["menu"]["reached"] == 3 and counted["thanks"]["reached"] == 2
    admin = await make_user(db, "admin")
    async with checked_page(browser, cti.url, viewport={"width": 1500, "height": 1000}) as page:
        await log_in(page, admin.username, PASSWORD, next_path="/admin/ivr")
        await page.select_option("#flow", flow)
        await expect(page.locator("#diagram")).to_have_attribute("data-flow", flow, timeout=10_000)
        for node in ("menu", "thanks", "bye", "unused"):
            box = page.locator(f'#diagram .node[data-node="{node}"]')
            for kind in KINDS:
                await expect(box.locator(f'[data-count="{kind}"]')).to_have_attribute(
                    "data-value", str(counted.get(node, {}).get(kind, 0)))
        await expect(page.locator('.node[data-node="menu"] [data-count="reached"]')).to_have_text(
            "reached 3")
        unused = page.locator('.node[data-node="unused"]')
        await expect(unused).to_have_class("node unreachable never-reached")
        await expect(unused).to_contain_text("no path from the start")
        await expect(page.locator('.edge[data-source="menu"][data-target="thanks"]')).to_have_text("1")
        await page.click('[data-period="week"]')
        await expect(page.locator("#diagram")).to_have_attribute("data-drawn", "week")
        await expect(page.locator('.node[data-node="thanks"] [data-count="reached"]')).to_have_attribute(
            "data-value", "2")
        await page.screenshot(path="/tmp/ivr-admin.png", full_page=True)


async def test_a_supervisor_sees_the_diagram_without_the_admin_s_controls(
        cti, db, browser: Browser) -> None:
    supervisor = await make_user(db, "supervisor")
    async with checked_page(browser, cti.url) as page:
        await log_in(page, supervisor.username, PASSWORD, next_path="/admin/ivr")
        await page.select_option("#flow", "hotline")
        await expect(page.locator("#diagram")).to_have_attribute("data-flow", "hotline")
        await expect(page.locator('.node[data-node="agent"]')).to_contain_text("support")
        await expect(page.locator("#reload")).to_be_hidden()
        await expect(page.locator("#upload")).to_be_hidden()


async def test_agents_are_refused_the_page(cti, db, browser: Browser) -> None:
    agent = await make_user(db, "agent")
    async with checked_page(browser, cti.url) as page:
        await log_in(page, agent.username, PASSWORD, next_path="/console")
        response = await page.goto("/admin/ivr")
        assert response is not None and response.status == 403
        assert (await page.request.get("/admin/ivr/ivr.js")).status == 403


PLAYS_UPLOAD = """\
name: {name}
start: hello
nodes:
  hello: {{type: play, prompt: {{file: {prompt}}}, next: bye}}
  bye: {{type: hangup}}
"""


async def test_an_uploaded_prompt_is_played_by_asterisk(cti, db, settings, ivr_flow, tmp_path,
                                                       caplog) -> None:
    source, prompt = tmp_path / "tone.wav", f"tone-{uuid.uuid4().hex[:8]}"
    subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-f", "lavfi", "-i",
                    "sine=frequency=440:duration=1:sample_rate=44100", "-ac", "2", str(source)],
                   check=True)
    form = FormData()
    form.add_field("name", prompt)
    form.add_field("file", source.read_bytes(), filename="tone.wav", content_type="audio/wav")
    async with ClientSession(cti.url, headers=bearer(await make_user(db, "admin"))) as client:
        async with client.post("/admin/ivr/prompts", data=form) as response:
            assert response.status == 201, await response.text()
    flow = ivr_flow(PLAYS_UPLOAD, prompt=prompt)
    caplog.set_level(logging.DEBUG, logger="ctiserver.agi.server")
    await walk(cti, flow, None)
    _, played_as = settings.ivr_upload_paths
    streamed = [r.getMessage() for r in caplog.records
                if f'STREAM FILE "{played_as}/{prompt}"' in r.getMessage()]
    assert len(streamed) == 1 and "endpos=0" not in streamed[0], streamed
