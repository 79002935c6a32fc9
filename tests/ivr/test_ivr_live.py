"""The IVR on the real Asterisk: a caller (a Local channel whose dialplan keeps pressing 9)
walks a menu over our FastAGI server into the queue the key chose, with what it pressed on the
call (the collected-data path) and the flow's per-node events counted."""
from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from ctiserver.agi.server import FastAgiServer, dispatch, serve
from ctiserver.ami import events as ev
from ctiserver.ami.actions import Hangup
from ivr.agirunner import IvrService
from ivr.flowfile import parse_flows
from tests.helpers.ivrflows import Finished, counts
from tests.helpers.records import berlin_number
from tests.helpers.waiting import BusWatch

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

MENU = """\
name: keys
start: hello
nodes:
  hello: {{type: play, prompt: {{sound: beep}}, next: menu}}
  menu:
    type: menu
    prompt: {{sound: silence/1}}
    timeout: 5
    retries: 2
    choices: {{9: chosen, 1: other}}
  chosen: {{type: queue, queue: {chosen}, priority: 3}}
  other: {{type: queue, queue: {other}}}
"""


@pytest_asyncio.fixture(loop_scope="session")
async def ivr_agi(cti, asterisk) -> AsyncIterator[tuple[FastAgiServer, Finished, dict, str]]:
    """Our FastAGI server running the IVR with its own flows (set by the test) and the CTI
    server's collected-data recorder; a dialplan context of the sandbox whose extension FLOW
    runs that flow over it."""
    finished = Finished()
    flows: dict = {}

    async def no_lookup(_: object) -> None:
        return None

    async def no_calendars(_: object) -> dict:
        return {}

    service = IvrService(flows, lookup=no_lookup, calendars=no_calendars, on_events=finished.add,
                         collected=cti.server.collected)
    server = await serve("127.0.0.1", 0, dispatch(service.handlers()))
    context = f"ivr-test-{uuid.uuid4().hex[:8]}"
    asterisk.cli(f"dialplan add extension _[a-z].,1,AGI(agi://127.0.0.1:{server.port}/ivr?flow=${{EXTEN}})"
                 f" into {context}")
    yield server, finished, flows, context
    asterisk.cli(f"dialplan remove context {context}")
    server.close()
    await server.wait_closed()


async def test_a_caller_presses_through_a_menu_into_the_queue(cti, ivr_agi, new_queue) -> None:
    server, finished, flows, context = ivr_agi
    chosen, other = await new_queue("ivrkey"), await new_queue("ivrother")  # nobody staffs them
    flows.update(parse_flows([("keys.yaml", MENU.format(chosen=chosen, other=other))]))
    channel_id = str(uuid.uuid4())
    number = berlin_number()[0]
    with BusWatch(cti.server.bus) as watch:
        await cti.server.ami.originate({
            "Channel": f"Local/{number}@sim-customer", "Context": context, "Exten": "keys",
            "Priority": "1", "ChannelId": channel_id,
            "CallerID": f'"Jürgen 张伟" <{number}>',
            "Variable": ["SIM_OPTOUT=1", "SIM_TALK=120", "SIM_RINGS_FOR=0.2"]})
        joined = await watch.first(ev.QueueCallerJoined, "the caller in the queue", timeout=20,
                                   uniqueid=channel_id)
        collected = await watch.first(ev.DataCollected, "the key on the call", uniqueid=channel_id)
        await cti.server.ami.send(Hangup(joined.channel))
        await finished.until(lambda: finished.events, "the call to leave the flow")
    assert joined.queue == chosen
    assert collected.fields == {"menu": "9"} and collected.linkedid == channel_id
    seen = counts(finished.events)
    assert seen[("menu", "completed")] == seen[("chosen", "completed")] == 1
    assert ("other", "reached") not in seen and ("menu", "hung_up") not in seen
