"""Speech menus on the real Asterisk: the simulated caller's phone plays a phrase spoken by
espeak-ng's Korean voice into the call; the CTI server records it (RECORD FILE, ended by
silence), vosk's Korean model hears it against the menu's phrases, and the call goes to the
queue the phrase names, with what was said on the agent's screen pop. A caller who says
nothing falls back to the menu's keys; a key pressed while the answer is recorded ends the
recording and is the answer at once."""
from __future__ import annotations

import uuid

import pytest

from asterisk_conf.simulation import caller_originate
from tests.helpers.ivrcalls import agent_at_console, walk_to_agent
from tests.helpers.product import new_number

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

SPEECH_MENU = """\
name: {name}
language: ko
start: menu
nodes:
  menu:
    type: speech_menu
    prompt: {{sound: beep}}
    phrases: {{상담원: agent, 예약: booking}}
    choices: {{1: agent, 2: booking}}
    max_seconds: 4
    silence_seconds: 1
    timeout: 8
    retries: 0
  agent: {{type: queue, queue: {agent}}}
  booking: {{type: queue, queue: {booking}}}
"""


@pytest.mark.parametrize(("said", "key", "key_after", "chosen"), [
    ("예약", None, 0, "예약"), ("상담원", None, 0, "상담원"), (None, "2", 6, "2"),
    (None, "1", 0.9, "1")],
    ids=["says-booking", "says-agent", "silent-presses-2", "presses-1-while-recorded"])
async def test_a_caller_is_routed_by_the_phrase_it_says_or_else_by_its_key(
        cti, db, open_socket, new_queue, new_extension, ivr_flow, said: str | None,
        key: str | None, key_after: float, chosen: str) -> None:
    agent_queue, booking = await new_queue("spka", product=cti), await new_queue("spkb", product=cti)
    flow = ivr_flow(SPEECH_MENU, agent=agent_queue, booking=booking)
    expected = agent_queue if chosen in ("상담원", "1") else booking
    ext, _, agent = await agent_at_console(db, open_socket, new_extension)
    spoken = await cti.server.ivr.service.voice(said, "ko") if said else None
    joined, pop, row = await walk_to_agent(cti, db, agent, ext, expected, caller_originate(
        "none", number=new_number(), name="Jürgen 张伟 😀", patience=60, ring=1, talk=1,
        channel_id=str(uuid.uuid4()), ivr=flow, play=spoken, play_after=1.5, key=key,
        key_after=key_after))
    assert joined.queue == expected
    assert pop["collected"] == row.collected == {"menu": chosen}
