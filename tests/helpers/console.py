"""A console agent on the real stack: the CRM user on a simulated agent extension, the console
page joining a queue, the agent's live channel in Asterisk, the agent's state in the CTI server."""
from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from playwright.async_api import Locator, Page, expect

from agent_console.console import AgentResource
from asterisk_conf.simulation import agent_member, caller_originate
from crm_core.db import Database
from crm_core.users import ensure_user
from ctiserver.acd.agentstate import AgentChange

from tests.helpers.browser import log_in
from tests.helpers.webapp import route_owner
from tests.helpers.waiting import BusWatch

PASSWORD = "console test password"
AMI_STATE_RECHECK = 1.0
"""What Asterisk answers to CoreShowChannels is re-asked on each event, and at least this often
(its channel list may trail the event announcing the change)."""


@dataclass(frozen=True)
class ConsoleAgent:
    user_id: int
    username: str
    token: str
    ext: str
    queue: str

    @property
    def interface(self) -> str:
        return agent_member(self.ext)[0]

    @property
    def channel_prefix(self) -> str:
        """The start of the agent's channels' names (``Local/EXT@sim-agent-``)."""
        return self.interface.rsplit("/", 1)[0] + "-"


async def console_agent(db: Database, ext: str, queue: str, *,
                        display_name: str = "Zoë Agent 李") -> ConsoleAgent:
    """A fresh console agent on simulated extension EXT who works QUEUE."""
    username = f"console-agent-{ext}-{uuid.uuid4().hex[:6]}"
    user_id, token = await ensure_user(db, username, display_name=display_name, role="agent",
                                       extension=ext, interface=agent_member(ext)[0],
                                       password=PASSWORD)
    return ConsoleAgent(user_id, username, token, ext, queue)


def new_number() -> str:
    return f"+4930{random.randrange(10**7, 10**8)}"


def queue_toggle(page: Page, queue: str) -> Locator:
    """The console's toggle for QUEUE (pressed: the agent is logged in to it)."""
    return page.locator(f'#queue-toggles button[data-queue="{queue}"]')


async def console_in_queue(page: Page, agent: ConsoleAgent) -> None:
    """Log in at the console and join the agent's queue with its toggle, as the agent would
    (in any language: states are checked by their codes)."""
    await log_in(page, agent.username, PASSWORD, next_path="/console")
    await expect(page.locator("#link")).to_have_class("live", timeout=10000)
    await expect(page.locator("#agent-state")).to_have_attribute("data-state", "logged out",
                                                                 timeout=10000)
    toggle = queue_toggle(page, agent.queue)
    await toggle.click(timeout=10000)
    await expect(toggle).to_have_attribute("aria-pressed", "true", timeout=5000)
    await expect(page.locator("#my-queues")).to_contain_text(agent.queue, timeout=5000)
    await expect(page.locator("#agent-state")).to_have_attribute("data-state", "available",
                                                                 timeout=5000)


async def leave_queue(cti, agent: ConsoleAgent) -> None:
    if agent.queue in cti.server.feed.agents.queues_of(agent.interface):
        await cti.server.agent_control.log_out(agent.interface, [agent.queue])


async def channels(cti) -> list[dict]:
    items = await cti.server.ami.event_list({"Action": "CoreShowChannels"})
    return [c for c in items if c.get("Event") == "CoreShowChannel"]


async def bridged(cti, agent: ConsoleAgent) -> dict | None:
    """The agent's channel in a bridge, if any (CoreShowChannels)."""
    return next((c for c in await channels(cti)
                 if c.get("Channel", "").startswith(agent.channel_prefix) and c.get("BridgeId")), None)


async def until_bridged(watch: BusWatch, cti, agent: ConsoleAgent, what: str = "the call to be bridged",
                        timeout: float = 15) -> dict:
    return await watch.until(lambda: bridged(cti, agent), what, timeout, every=AMI_STATE_RECHECK)


def state_of(cti, agent: ConsoleAgent) -> str | None:
    view = cti.server.feed.agents.agents().get(agent.interface)
    return view.state if view else None


async def until_state(watch: BusWatch, cti, agent: ConsoleAgent, *wanted: str,
                      timeout: float = 10) -> str:
    """Once the CTI server's agent state is one of WANTED (states follow the bus's events)."""
    return await watch.until(lambda: state_of(cti, agent) in wanted and state_of(cti, agent),
                             f"the agent to be {' or '.join(wanted)}", timeout)



def agent_resource(app) -> AgentResource:
    """The console's AgentResource serving APP's /api/agent routes (its after-call gate is the
    one the console asks)."""
    return route_owner(app, AgentResource)


async def answered_call(cti, page: Page, agent: ConsoleAgent, name: str, number: str) -> None:
    """A simulated caller NAME (NUMBER) reaches the agent through its queue; the agent's
    simulated phone answers and the console shows the call."""
    await cti.server.ami.originate(caller_originate(
        agent.queue, number=number, name=name, patience=60, ring=1, talk=600, hangup_by="caller"))
    await expect(page.locator("#call-state")).to_have_text("On a call", timeout=15000)


def clock_seconds(shown: str) -> int:
    """The seconds a console clock ("1:05", "1:02:03") shows."""
    seconds = 0
    for part in shown.split(":"):
        seconds = seconds * 60 + int(part)
    return seconds


class DispositioningAgents:
    """Console agents who store a disposition the moment the after-call gate holds them for a
    call (what the console's wrap-up form tells the gate), so a long run of calls keeps them
    in the queue. While open, on the CTI server's bus."""

    def __init__(self, server, interfaces: Iterable[str]) -> None:
        self._server = server
        self._interfaces = set(interfaces)
        self._tasks: list[asyncio.Future] = []
        self._unsubscribe = server.bus.subscribe(AgentChange, self._changed)

    def _changed(self, change: AgentChange) -> None:
        if change.interface in self._interfaces:
            for call_key in self._server.wrapups.pending(change.interface):
                self._tasks.append(asyncio.ensure_future(
                    self._server.wrapups.on_wrapup_submitted(change.interface, call_key)))

    async def close(self) -> None:
        self._unsubscribe()
        await asyncio.gather(*self._tasks)


async def expect_recording_state(page: Page, text: str, *, pause: bool, resume: bool,
                                 timeout: float = 15000) -> None:
    """The console's recordings card says TEXT of the call's recording, with the pause and
    resume buttons shown as asked."""
    await expect(page.locator("#rec-live-state")).to_have_text(text, timeout=timeout)
    for button, shown in (("#rec-pause", pause), ("#rec-resume", resume)):
        if shown:
            await expect(page.locator(button)).to_be_visible()
        else:
            await expect(page.locator(button)).to_be_hidden()
