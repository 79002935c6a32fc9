"""The agent's softphone in a real browser: it registers to Asterisk over the websocket
transport, a simulated caller enters a queue whose member is the softphone's WebRTC endpoint,
the agent answers in the page and Asterisk bridges the caller with the softphone (DTLS-SRTP)."""
from __future__ import annotations

import asyncio
import uuid

import pytest
from playwright.async_api import expect

from asterisk_conf.rawami import RawAmi
from asterisk_conf.render import webrtc_endpoint
from asterisk_conf.simulation import caller_originate
from crm_core.users import ensure_user

from tests.helpers.browser import log_in

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

PASSWORD = "softphone test password"


@pytest.fixture
def softphone_ext(asterisk, new_extension) -> str:
    """The test's own agent extension, given a WebRTC softphone endpoint in the sandbox."""
    ext = new_extension()
    asterisk.softphones.append(ext)
    assert "pjsip.conf" in asterisk.write_config()
    return ext


async def call(function, *args):
    """A blocking AMI call off the event loop (the product's web runs on it)."""
    return await asyncio.to_thread(function, *args)


def seen(ami: RawAmi, predicate, timeout: float) -> dict:
    """The first message (already read or arriving within TIMEOUT) matching PREDICATE."""
    for message in ami.messages:
        if predicate(message):
            return message
    return ami.wait_for(predicate, timeout)


async def test_the_softphone_registers_answers_a_queue_call_and_is_bridged(
        media_browser, cti, db, asterisk, softphone_ext, ami: RawAmi, new_queue) -> None:
    queue, ext = await new_queue("softphone", product=cti), softphone_ext
    endpoint = webrtc_endpoint(ext)
    interface = f"PJSIP/{endpoint}"
    await ensure_user(db, f"softphone{ext}", display_name="Ana Softphone", role="agent",
                      extension=ext, interface=interface, password=PASSWORD)
    context = await media_browser.new_context(base_url=cti.url)
    page = await context.new_page()
    state = page.locator("#softphone-state")
    try:
        await log_in(page, f"softphone{ext}", PASSWORD, next_path="/softphone")
        assert page.url.endswith("/softphone")
        await expect(state).to_have_attribute("data-state", "registered", timeout=15_000)
        assert f" {endpoint}/sip:" in await call(
            asterisk.cli, f"pjsip show contacts like {endpoint}")

        ami.messages.clear()
        await call(ami.action, {"Action": "QueueAdd", "Queue": queue, "Interface": interface,
                                "StateInterface": interface, "MemberName": ext})
        added = await call(seen, ami, lambda m: m.get("Event") == "QueueMemberAdded"
                           and m.get("Interface") == interface, 5)
        assert added["Status"] == "1", f"the registered softphone is not NOT_INUSE: {added}"
        await call(ami.send, caller_originate(
            queue, number="+4930999000", name="Softphone Caller", patience=60, talk=60,
            channel_id=str(uuid.uuid4())))
        await expect(state).to_have_attribute("data-state", "ringing", timeout=15_000)
        await page.click("#softphone-answer")
        await expect(state).to_have_attribute("data-state", "incall", timeout=15_000)

        def bridged(m: dict) -> bool:
            return m.get("Event") == "BridgeEnter" and m.get("Channel", "").startswith(interface + "-")

        agent_leg = await call(seen, ami, bridged, 15)
        bridge = agent_leg["BridgeUniqueid"]
        caller_leg = await call(seen, ami, lambda m: (
            m.get("Event") == "BridgeEnter" and m.get("BridgeUniqueid") == bridge
            and m.get("Channel", "").startswith(f"Local/{queue}@sim-inbound-")), 5)
        assert caller_leg["Channel"].endswith(";2")
        secure = await call(ami.action, {"Action": "Getvar", "Channel": agent_leg["Channel"],
                                         "Variable": "CHANNEL(rtp,secure,audio)"})
        assert secure.get("Value") == "1", f"media not SRTP: {secure}"

        assert await page.evaluate("window.softphone.hold()")  # once the re-INVITE is answered
        await call(seen, ami, lambda m: m.get("Event") == "Hold" and m.get("Channel") == agent_leg["Channel"], 10)
        assert await page.evaluate("window.softphone.unhold()")
        await call(seen, ami, lambda m: m.get("Event") == "Unhold" and m.get("Channel") == agent_leg["Channel"], 10)

        await page.click("#softphone-hangup")
        await expect(state).to_have_text("ended", timeout=10_000)
        await call(seen, ami, lambda m: (
            m.get("Event") == "Hangup" and m.get("Channel") == agent_leg["Channel"]), 10)
    finally:
        await call(ami.action, {"Action": "QueueRemove", "Queue": queue, "Interface": interface})
        await context.close()
