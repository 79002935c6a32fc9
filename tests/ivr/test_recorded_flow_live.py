"""A recorded IVR flow on the real Asterisk and PostgreSQL: the flow's policy records the call
from the flow's start on the caller's channel; the caller keys a card number in a sensitive
node, which the IVR keeps out of the recording (a stretch marked "ivr", silent); the call then
reaches an agent, whose console pauses the same recording (the caller's channel muted), and
it is stored once, loud everywhere else."""
from __future__ import annotations

import time
import uuid
from pathlib import Path

import aiohttp
import pytest
from pydub import AudioSegment

from asterisk_conf.simulation import caller_originate
from ctiserver.ami import events as ev
from recordings.policy import Mode, RecordingPolicy

from tests.helpers.console import console_agent
from tests.helpers.product import add_members, new_number, remove_members
from tests.helpers.recordings import (
    EDGE, LOUD_DBFS, SILENT_DBFS, loudness, raw_seconds, recordings_of, stored_recording,
)
from tests.helpers.waiting import BusWatch, poll_until

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

CARD_FLOW = """\
name: {name}
start: hello
nodes:
  hello: {{type: play, prompt: {{sound: silence/2}}, next: card}}
  card:
    type: collect
    prompt: {{sound: silence/1}}
    into: card
    max_digits: 16
    sensitive: true
    next: agent
  agent: {{type: queue, queue: {queue}}}
"""
CARD = "4111111111111111"


async def test_a_recorded_flow_keeps_the_card_number_out_of_the_recording(
        cti, db, ivr_flow, new_queue, new_extension) -> None:
    server, capture = cti.server, cti.server.recordings.capture
    queue = await new_queue("ivrrec", product=cti)
    flow = ivr_flow(CARD_FLOW, queue=queue)
    await server.recordings.policies.put("flow", flow, RecordingPolicy(Mode.ALL))
    agent = await console_agent(db, new_extension(), queue)
    channel_id = str(uuid.uuid4())
    key = f"{channel_id};2"  # the ;2 leg walks the flow and queues
    await add_members(cti, queue, [agent.ext])
    try:
        with BusWatch(server.bus) as watch:
            await server.ami.originate(caller_originate(
                queue, number=new_number(), name="Jürgen 张伟 😀", patience=60, ring=0.5,
                talk=7, hangup_by="caller", channel_id=channel_id, ivr=flow, tone="440",
                key=f"{CARD}#", key_after=3.5))
            started = await watch.first(ev.RecordingStarted, "MixMonitor to start", 15,
                                        where=lambda e: e.call_key == key)
            raw = server.settings.recordings_spool_host / Path(started.file).name
            connected = await watch.first(ev.AgentConnected, "the agent to answer", 40,
                                          where=lambda e: e.queue == queue)
            await poll_until(lambda: capture.live[key].agent is not None, "the agent's controls", 5)
            # the answer's place in the audio: the file itself lags, MixMonitor writes in bursts
            answered = (connected.timestamp or time.time()) - capture.live[key].pauses.started_at
            async with aiohttp.ClientSession(
                    headers={"Authorization": f"Bearer {agent.token}"}) as http:
                await poll_until(lambda: raw_seconds(raw) >= answered + 1.5, "1.5 s talked", 10)
                async with http.post(f"{cti.url}/api/recordings/live/pause") as response:
                    assert response.status == 200, await response.text()
                await poll_until(lambda: raw_seconds(raw) >= answered + 3.5, "3.5 s talked", 10)
                async with http.post(f"{cti.url}/api/recordings/live/resume") as response:
                    assert response.status == 200, await response.text()
            await watch.first(ev.AgentCompleted, "the call to end", 20,
                              where=lambda e: e.queue == queue)
            on_the_call = watch.of(ev.RecordingStarted, call_key=key)
    finally:
        await remove_members(cti, queue, [agent.ext])

    assert [e.channel for e in on_the_call] == [started.channel] and not started.since_bridge, \
        "one MixMonitor, on the caller's channel, from the flow's start"
    row = await poll_until(lambda: stored_recording(db, key), "the recording to be stored", 40)
    assert len(await recordings_of(db, key)) == 1
    [(ivr_start, ivr_end, ivr), (agent_start, agent_end, by_agent)] = row.pauses
    assert (ivr, by_agent) == ("ivr", "agent"), row.pauses
    assert ivr_start >= 1.5 and ivr_end - ivr_start >= 3, "from the node's start past the keys"
    decoded = AudioSegment.from_file(server.settings.effective_recordings_dir / row.storage_key)
    assert loudness(decoded, EDGE, ivr_start - EDGE) > LOUD_DBFS, "the flow's start"
    assert loudness(decoded, ivr_start + EDGE, ivr_end - EDGE) < SILENT_DBFS, "the card"
    assert loudness(decoded, ivr_end + EDGE, agent_start - EDGE) > LOUD_DBFS
    assert loudness(decoded, agent_start + EDGE, agent_end - EDGE) < SILENT_DBFS
    assert loudness(decoded, agent_end + EDGE, agent_end + 1.5) > LOUD_DBFS
