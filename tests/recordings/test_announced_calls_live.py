"""The recording policy before the queue, on the real Asterisk and PostgreSQL: a caller whose
queue's policy has an announcement hears it on their channel before queueing (the dialplan's
UserEvent CcAnnounced, Playback SUCCESS) and the call is recorded; a progressive campaign's
call that reaches a simulated agent is recorded by the campaign's policy and stored under the
attempt's call key, the key of its row in calls, its job naming the campaign (whose language
and phrases its transcript takes); so is a preview call, dialed agent first
(cc-record on the customer's leg as they answer), whose agent pauses and resumes it from the
console (the customer's leg muted: the stretch silent, the rest loud)."""
from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest
from pydub import AudioSegment

from asterisk_conf.rawami import Message, RawAmi
from asterisk_conf.simulation import caller_originate, customer_variables
from ctiserver.ami import events as ev
from dialer.campaigns import CampaignSettings
from dialer.store import Campaigns
from recordings.policy import Mode, RecordingPolicy

from tests.helpers.campaigns import (attempt_calls, campaign_name, dialing, fresh_numbers,
                                     import_rows, leads_of, load_fresh_dnc, set_zone,
                                     zone_at)
from tests.helpers.console import console_agent, leave_queue
from tests.helpers.leadcalls import agent_campaign, lead_campaign
from tests.helpers.product import add_members, new_number, remove_members
from tests.helpers.recordings import (
    EDGE, LOUD_DBFS, SILENT_DBFS, job_of, loudness, raw_seconds, stored_recording,
)
from tests.helpers.waiting import BusWatch, poll_until

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


async def seen(ami: RawAmi, predicate: Callable[[Message], bool]) -> Message:
    """The first AMI message of the session that matches, read so far or within 20 s."""
    found = next((m for m in ami.messages if predicate(m)), None)
    return found or await asyncio.to_thread(ami.wait_for, predicate, 20)


async def test_the_caller_hears_the_announcement_before_queueing(
        cti, db, ami, new_queue, new_extension) -> None:
    queue = await new_queue("recann", product=cti)
    await cti.server.recordings.policies.put(
        "queue", queue, RecordingPolicy(Mode.ALL, announcement="im-sorry"))
    ext = new_extension()
    await add_members(cti, queue, [ext])
    channel_id = str(uuid.uuid4())
    key = f"{channel_id};2"  # the queue caller's uniqueid
    try:
        await cti.server.ami.originate(caller_originate(
            queue, number=new_number(), name="Jürgen 张伟 😀", patience=60, ring=0.5, talk=3,
            hangup_by="caller", channel_id=channel_id, tone="440"))
        announced = await seen(ami, lambda m: (
            m.get("UserEvent") == "CcAnnounced" and m.get("Key") == key))
        joined = await seen(ami, lambda m: (
            m.get("Event") == "QueueCallerJoin" and m.get("Uniqueid") == key))
    finally:
        await remove_members(cti, queue, [ext])
    assert (announced["Sound"], announced["Playback"]) == ("im-sorry", "SUCCESS")
    assert announced["Channel"] == joined["Channel"], "played on the caller's channel"
    assert ami.messages.index(announced) < ami.messages.index(joined), "before the queue"
    row = await poll_until(lambda: stored_recording(db, key), "the recording to be stored", 40)
    assert row.duration_ms > 1000


async def test_a_progressive_campaign_call_is_recorded_by_its_campaigns_policy(
        cti, db, settings, new_queue, new_extension, tmp_path: Path) -> None:
    queue = await new_queue("recdial")
    name = campaign_name("rec")
    await Campaigns(db).create(name, CampaignSettings(
        rule_set="UK", queue=queue, mode="progressive", ratio=1.0, amd=False))
    # the campaign's policy wins over its queue's (which records nothing)
    await cti.server.recordings.policies.put("queue", queue, RecordingPolicy(Mode.NONE))
    await cti.server.recordings.policies.put("campaign", name, RecordingPolicy(
        Mode.ALL, announcement="im-sorry", retention_days=7))
    number, listed = fresh_numbers(2)
    await load_fresh_dnc(db, tmp_path, "UK", [listed])
    await import_rows(db, name, tmp_path / "leads.csv", [[number, "Jürgen 张伟 😀", "Lead", ""]])
    await set_zone(db, name, [number], zone_at(13, datetime.now(UTC)))

    def customer(dialed: str) -> dict[str, str]:
        return customer_variables("human", talk=3, rings_for=0.5)

    async with dialing(cti, db, settings, queue, [new_extension()], customer):
        await Campaigns(db).change_state(name, "start")

        async def done() -> bool:
            return (await leads_of(db, name))[number]["status"] == "done"
        await poll_until(done, "the lead's call to be done", 40, every=0.5)
        await Campaigns(db).change_state(name, "stop")

    [attempt] = await attempt_calls(db, name)
    assert attempt["rows"] == 1 and attempt["agent_interface"], attempt
    row = await poll_until(lambda: stored_recording(db, attempt["call_key"]),
                           "the campaign call's recording to be stored", 40)
    assert row.duration_ms > 2000 and row.keep_until is not None
    job = await job_of(db, attempt["call_key"])
    assert job is not None and (job.queue, job.campaign) == (queue, name), "its phrases apply"


async def test_a_preview_call_dialed_agent_first_is_recorded_and_paused_from_the_console(
        cti, db, settings, new_queue, new_extension, open_socket, tmp_path: Path) -> None:
    agent = await console_agent(db, new_extension(), await new_queue("recprevp", product=cti))
    [number] = fresh_numbers(1)
    campaign = await lead_campaign(db, tmp_path, agent.queue, [[number, "Jürgen", "张伟 😀"]],
                                   {number: "Gold 金"}, mode="preview", amd=False)
    await cti.server.recordings.policies.put("campaign", campaign, RecordingPolicy(Mode.ALL))
    socket = await open_socket(agent.token)
    await cti.server.agent_control.log_in(agent.interface, [agent.queue], name="Zoë 李")
    customer = customer_variables("human", talk=9, rings_for=0.5) | {"__SIM_TONE": "440"}
    try:
        async with agent_campaign(cti, db, settings, campaign, agent.queue, {number: customer}), \
                aiohttp.ClientSession(headers={"Authorization": f"Bearer {agent.token}"}) as http:
            await socket.wait_for("preview", timeout=20)
            with BusWatch(cti.server.bus) as watch:
                async with http.post(f"{cti.url}/api/preview/dial", json={}) as response:
                    assert response.status == 200, await response.text()
                started = await watch.first(ev.RecordingStarted, "MixMonitor to start", 20)
            key = started.call_key
            raw = settings.recordings_spool_host / Path(started.file).name
            await socket.wait_for("recording", key, timeout=20)
            await poll_until(lambda: raw_seconds(raw) >= 2, "2 s recorded", 15)
            async with http.post(f"{cti.url}/api/recordings/live/pause") as response:
                assert response.status == 200, await response.text()
            await poll_until(lambda: raw_seconds(raw) >= 4.5, "4.5 s recorded", 15)
            async with http.post(f"{cti.url}/api/recordings/live/resume") as response:
                assert response.status == 200, await response.text()
            await socket.wait_for("hangup", key, timeout=30)
    finally:
        await leave_queue(cti, agent)
    assert started.channel != started.agent_channel and started.agent_interface == agent.interface
    assert [m["state"] for m in socket.of_type("recording") if m["call_id"] == key] == [
        "recording", "paused", "recording", "not_recorded"]
    row = await poll_until(lambda: stored_recording(db, key),
                           "the preview call's recording to be stored", 40)
    [(start, end, by)] = row.pauses
    assert by == "agent" and end - start >= 2
    decoded = AudioSegment.from_file(settings.effective_recordings_dir / row.storage_key)
    assert loudness(decoded, 0.5, start - EDGE) > LOUD_DBFS
    assert loudness(decoded, start + EDGE, end - EDGE) < SILENT_DBFS
    assert loudness(decoded, end + EDGE, end + 1.5) > LOUD_DBFS
