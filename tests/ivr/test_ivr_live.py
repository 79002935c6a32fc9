"""The IVR as it runs in the product, on the real Asterisk and PostgreSQL: a simulated caller
comes in through the cc-ivr dialplan context (its phone presses keys: SendDTMF), walks a flow
over the CTI server's own FastAGI server, and reaches the queue, a readout or a self-service."""
from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from asterisk_conf.simulation import agent_member, caller_originate
from crm_core.closedhours import voicemail_ticket
from crm_core.models import Callback, DncEntry
from ctiserver.ami import events as ev
from dialer.hopper import Hopper
from dialer.store import dnc_listing
from ivr.store import node_counts, survey_scores
from ivr.tts import prompt_name
from tests.helpers.campaigns import fresh_numbers, import_rows, running_campaign
from tests.helpers.ivrcalls import agent_at_console, walk_to_agent
from tests.helpers.product import EndedCalls, add_members, new_number, remove_members
from tests.helpers.waiting import BusWatch, poll_until

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

MENU = """\
name: {name}
start: menu
nodes:
  menu:
    type: menu
    prompt: {{sound: silence/1}}
    timeout: 5
    choices: {{1: other, 2: account, 3: callback, 4: opt_out}}
  account:
    type: collect
    prompt: {{sound: silence/1}}
    into: account
    max_digits: 8
    next: agent
  agent: {{type: queue, queue: {queue}, priority: 3}}
  other: {{type: queue, queue: {other}}}
  callback: {{type: callback, queue: {queue}, next: bye}}
  opt_out: {{type: opt_out, next: bye}}
  bye: {{type: hangup, prompt: {{sound: beep}}}}
"""
READOUT = """\
name: {name}
language: {language}
start: ticket
nodes:
  ticket:
    type: collect
    prompt: {{sound: silence/1}}
    into: ticket
    max_digits: 9
    next: find
  find:
    {{type: lookup, record: ticket, by: data, key: ticket, into: ticket, found: status,
      not_found: none}}
  status: {{type: play, prompt: {{text: "{readout}"}}, next: bye}}
  none: {{type: play, prompt: {{text: "No such ticket."}}, next: bye}}
  bye: {{type: hangup}}
"""
SURVEY = """\
name: {name}
start: ask
nodes:
  ask: {{type: survey, prompt: {{sound: silence/1}}, timeout: 5, next: bye}}
  bye: {{type: hangup}}
"""
TO_QUEUE = """\
name: {name}
start: agent
nodes:
  agent: {{type: queue, queue: {queue}, survey: {survey}}}
"""


async def test_a_caller_walks_the_menu_into_the_queue_with_its_keys_on_the_pop_and_the_crm_row(
        cti, db, open_socket, new_queue, new_extension, ivr_flow) -> None:
    queue, other = await new_queue("ivrq", product=cti), await new_queue("ivro", product=cti)
    flow = ivr_flow(MENU, queue=queue, other=other)
    ext, _, agent = await agent_at_console(db, open_socket, new_extension)
    began = datetime.now(UTC)
    joined, pop, row = await walk_to_agent(cti, db, agent, ext, queue, caller_originate(
        queue, number=new_number(), name="Jürgen 张伟 😀", patience=60, ring=1, talk=1,
        channel_id=str(uuid.uuid4()), ivr=flow, key="2wwww4711#", key_after=1.5))
    assert (joined.queue, joined.position) == (queue, 1)
    assert pop["queue"] == queue and pop["collected"] == {"menu": "2", "account": "4711"}
    assert row.collected == {"menu": "2", "account": "4711"}
    assert row.outcome == "answered"
    counted = await poll_until(lambda: _counts(db, flow, began), "the node counts", timeout=10)
    assert counted["menu"]["completed"] == counted["account"]["completed"] == 1
    assert "other" not in counted


async def _counts(db, flow: str, began: datetime) -> dict | None:
    found = await node_counts(db, flow, began - timedelta(hours=1), began + timedelta(hours=1))
    return found if "agent" in found else None


@pytest.mark.parametrize(("language", "voice", "readout"), [
    ("en", "en", "Ticket {ticket.id} is {ticket.status}."),
    ("zh", "cmn", "工单 {ticket.id} 的状态：{ticket.status}。")], ids=["english", "mandarin"])
async def test_a_ticket_status_readout_plays_the_ticket_s_own_status(
        cti, db, settings, ivr_flow, caplog, language: str, voice: str, readout: str) -> None:
    number = new_number()
    ticket = await voicemail_ticket(db, queue="support", number=number, recording="x.wav",
                                    call_key=str(uuid.uuid4()), default_region="DE")
    flow = ivr_flow(READOUT, language=language, readout=readout)
    caplog.set_level(logging.DEBUG, logger="ctiserver.agi.server")
    channel_id = str(uuid.uuid4())
    with BusWatch(cti.server.bus) as watch:
        await cti.server.ami.originate(caller_originate(
            "none", number=number, name="Jürgen 张伟", patience=30, talk=1, channel_id=channel_id,
            ivr=flow, key=f"{ticket}#", key_after=1.5))
        await watch.first(ev.ChannelHungUp, "the call to end", timeout=30,
                          uniqueid=f"{channel_id};2")
    cache, played_as = settings.ivr_prompt_paths
    said = readout.replace("{ticket.id}", str(ticket)).replace("{ticket.status}", "open")
    readout = prompt_name(said, voice)
    streamed = [r.getMessage() for r in caplog.records
                if f'STREAM FILE "{played_as}/{readout}"' in r.getMessage()]
    assert len(streamed) == 1 and "endpos=0" not in streamed[0], streamed
    assert (cache / f"{readout}.wav").stat().st_size > 8000  # 8 kHz 16-bit: over half a second


async def test_a_callback_asked_for_in_the_ivr_is_the_first_lead_the_dialer_takes(
        cti, db, new_queue, ivr_flow, tmp_path) -> None:
    queue = await new_queue("ivrcb", product=cti)
    flow = ivr_flow(MENU, queue=queue, other=queue)
    number, *others = fresh_numbers(3)
    campaign = await running_campaign(db, tmp_path)
    await import_rows(db, campaign, tmp_path / "leads.csv",
                      [[n, "Lead", "", ""] for n in [*others, number]])
    await cti.server.ami.originate(caller_originate(
        queue, number=number, name="Jürgen 张伟", patience=30, talk=1, ivr=flow, key="3",
        key_after=1.5))
    booked = await poll_until(lambda: _callback_of(db, number), "the callback", timeout=30)
    assert booked.status == "open" and booked.note == "Asked for a callback in the IVR"
    noon_in_london = booked.due_at.replace(hour=12, minute=0) + timedelta(days=1)
    claimed = await Hopper(db).claim(campaign, 3, noon_in_london)
    first = claimed[0]
    assert (first.phone, first.reason, first.callback_id) == (number, "callback", booked.id)


async def test_opting_out_in_the_ivr_puts_the_number_on_the_do_not_call_list(
        cti, db, new_queue, ivr_flow) -> None:
    queue = await new_queue("ivrdnc", product=cti)
    flow = ivr_flow(MENU, queue=queue, other=queue)
    number = new_number()
    await cti.server.ami.originate(caller_originate(
        queue, number=number, name="Jürgen 张伟", patience=30, talk=1, ivr=flow, key="4",
        key_after=1.5))
    listing = await poll_until(lambda: _listed(db, number), "the opt-out", timeout=30)
    assert listing.sources == ("internal",)  # issue 10: the site's own list holds IVR opt-outs
    async with db.sessionmaker() as session:
        entry = await session.scalar(select(DncEntry).where(DncEntry.number == listing.number))
    assert entry.reason == "opted out in the IVR" and entry.added_by is None


async def _callback_of(db, number: str) -> Callback | None:
    async with db.sessionmaker() as session:
        return await session.scalar(select(Callback).where(Callback.number == number))


async def _listed(db, number: str):
    listing = await dnc_listing(db, number, default_region="DE")
    return listing if listing.sources else None


async def test_a_survey_after_the_call_is_stored_on_the_call_and_credited_to_the_agent(
        cti, db, open_socket, new_queue, new_extension, ivr_flow) -> None:
    queue = await new_queue("ivrsv", product=cti)
    survey = ivr_flow(SURVEY)
    flow = ivr_flow(TO_QUEUE, queue=queue, survey=survey)
    ext, user_id, agent = await agent_at_console(db, open_socket, new_extension)
    await add_members(cti, queue, [ext])
    channel_id = str(uuid.uuid4())
    key = f"{channel_id};2"
    began = datetime.now(UTC)
    with EndedCalls(cti.server) as ended:
        try:
            await cti.server.ami.originate(caller_originate(
                queue, number=new_number(), name="Jürgen 张伟", patience=60, ring=1, talk=1,
                hangup_by="agent", channel_id=channel_id, ivr=flow, survey_key="4"))
            await agent.wait_for("pop", key)
            await ended.rows(db, {key})
        finally:
            await remove_members(cti, queue, [ext])
    scores = await poll_until(lambda: _scored(db, agent_member(ext)[0], began), "the survey score",
                              timeout=30)
    assert scores == (1, 4.0)


async def _scored(db, interface: str, began: datetime) -> tuple[int, float] | None:
    scores = await survey_scores(db, began - timedelta(minutes=1), began + timedelta(hours=1))
    return scores.get(interface)


MISSING_PROMPTS = """\
name: {name}
start: welcome
nodes:
  welcome: {{type: play, prompt: {{sound: no-such-greeting}}, next: menu}}
  menu:
    type: menu
    prompt: {{file: no-such-upload}}
    timeout: 5
    choices: {{1: agent}}
  agent: {{type: queue, queue: {queue}}}
"""


async def test_prompts_that_are_missing_do_not_drop_the_call(
        cti, db, open_socket, new_queue, new_extension, ivr_flow) -> None:
    queue = await new_queue("ivrmp", product=cti)
    flow = ivr_flow(MISSING_PROMPTS, queue=queue)
    ext, _, agent = await agent_at_console(db, open_socket, new_extension)
    joined, pop, row = await walk_to_agent(cti, db, agent, ext, queue, caller_originate(
        queue, number=new_number(), name="Jürgen 张伟 😀", patience=60, ring=1, talk=1,
        channel_id=str(uuid.uuid4()), ivr=flow, key="1", key_after=1.5))
    assert joined.queue == queue and pop["collected"] == row.collected == {"menu": "1"}
