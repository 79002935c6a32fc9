"""A running campaign dials, on the real Asterisk sandbox and PostgreSQL: a progressive campaign
(one line per free agent) of 20 leads, simulated customers of every kind, two simulated agents
in its queue; started through the store, the dialer finds it by polling, paces, claims, places,
and records each attempt's outcome on its lead and as one outbound call of the CRM. Numbers on
a do-not-call list and leads where it is night are never dialed."""
from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from asterisk_conf.simulation import agent_member, customer_variables
from dialer.campaigns import CampaignSettings
from dialer.store import Campaigns

from tests.helpers.campaigns import (
    attempt_calls, campaign_name, dialing, fresh_numbers, import_rows, leads_of, load_fresh_dnc,
    set_zone, zone_at,
)
from tests.helpers.waiting import poll_until

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

BEHAVIOURS = {"human": 6, "machine": 4, "busy": 3, "noanswer": 3}
RESULTS = {"human": "human", "machine": "machine", "busy": "busy", "noanswer": "no_answer"}
FINAL = {"done", "failed", "retry", "dnc"}


async def test_a_running_campaign_dials_its_leads_and_records_each_attempt(
        cti, db, settings, new_queue, new_extension, tmp_path: Path):
    queue = await new_queue("dialc")
    agents = [new_extension(), new_extension()]
    now = datetime.now(UTC)
    numbers = fresh_numbers(sum(BEHAVIOURS.values()) + 4)
    behaviour = {}
    for kind, count in BEHAVIOURS.items():
        for _ in range(count):
            behaviour[numbers[len(behaviour)]] = kind
    dnc, night = numbers[-4:-2], numbers[-2:]
    name = campaign_name("live")
    await Campaigns(db).create(name, CampaignSettings(
        rule_set="UK", queue=queue, mode="progressive", ratio=1.0, amd=True))
    await load_fresh_dnc(db, tmp_path, "UK", dnc)
    await import_rows(db, name, tmp_path / "leads.csv",
                      [[n, "Jürgen 张伟 😀", f"Lead {i}", ""] for i, n in enumerate(numbers)])
    await set_zone(db, name, list(behaviour), zone_at(13, now))
    await set_zone(db, name, night, zone_at(3, now))

    dialed: list[str] = []

    def customer(number: str) -> dict[str, str]:
        dialed.append(number)
        return customer_variables(behaviour[number], talk=2, rings_for=0.5)

    async with dialing(cti, db, settings, queue, agents, customer):
        await Campaigns(db).change_state(name, "start")

        async def settled() -> bool:
            leads = await leads_of(db, name)
            return all(leads[n]["status"] in FINAL for n in behaviour)
        await poll_until(settled, "every dialable lead final or waiting for its retry", 85, every=0.5)
        await Campaigns(db).change_state(name, "stop")

    leads = await leads_of(db, name)
    assert not set(dialed) & set(dnc + night), "a do-not-call or out-of-hours number was dialed"
    assert sorted(dialed) == sorted(behaviour), "each dialable lead dialed once"
    assert {leads[n]["status"] for n in dnc} == {"dnc"}
    assert all(leads[n]["status"] == "new" and leads[n]["next_attempt_at"] > now for n in night)

    attempts = await attempt_calls(db, name)
    assert sorted(a["number"] for a in attempts) == sorted(behaviour)
    for a in attempts:
        kind = behaviour[a["number"]]
        assert a["rows"] == 1 and a["direction"] == "outbound" and a["same_campaign"], a
        assert a["call_lead"] == a["lead_id"] and a["dial_outcome"] == a["outcome"], a
        assert a["outcome"] == RESULTS[kind], (kind, a)
        if kind in ("human", "machine"):
            assert a["amd_result"] == a["attempt_amd"] == kind.upper(), a
    interfaces = {agent_member(ext)[0] for ext in agents}
    humans = [a for a in attempts if behaviour[a["number"]] == "human"]
    assert all(a["agent_interface"] in interfaces for a in humans), humans
    assert {leads[a["number"]]["status"] for a in humans} == {"done"}
    others = [a for a in attempts if behaviour[a["number"]] != "human"]
    assert {leads[a["number"]]["status"] for a in others} == {"retry"}
