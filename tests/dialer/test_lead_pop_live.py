"""A dialer's call pops its lead, on the real Asterisk sandbox and PostgreSQL: a progressive
campaign dials a simulated customer who answers; the queue rings the console agent, whose
socket gets the pop with the lead's fields, its customer's card and the campaign's script
rendered with them; the agent's disposition (given through the work API after the call, as the
console does) goes onto the lead, and "dnc" lists the number on the do-not-call list."""
from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest

from asterisk_conf.simulation import customer_variables
from dialer.store import dnc_listing

from tests.helpers.campaigns import fresh_numbers, leads_of
from tests.helpers.console import console_agent, leave_queue
from tests.helpers.leadcalls import agent_campaign, lead_campaign
from tests.helpers.waiting import poll_until

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


async def test_a_dialer_call_pops_its_lead_and_the_disposition_updates_the_lead(
        cti, db, settings, new_queue, new_extension, open_socket, tmp_path: Path):
    ext = new_extension()
    agent = await console_agent(db, ext, await new_queue("leadpop", product=cti),
                                display_name="Zoë 李")
    socket = await open_socket(agent.token)
    [number] = fresh_numbers(1)
    campaign = await lead_campaign(db, tmp_path, agent.queue, [[number, "Jürgen", "张伟 😀"]],
                                   {number: "Gold 金"}, mode="progressive", ratio=1.0, amd=False)
    customers = {number: customer_variables("human", talk=2, rings_for=0.5)}
    # as the console's queue toggle does: the member is named after the agent (the script's {{ agent }})
    await cti.server.agent_control.log_in(agent.interface, [agent.queue], name="Zoë 李")
    try:
        async with agent_campaign(cti, db, settings, campaign, agent.queue, customers):
            _, _, pop = await socket.wait_for("pop", timeout=30)
            await socket.wait_for("hangup", pop["call_id"], timeout=30)

            async def reached() -> bool:
                return (await leads_of(db, campaign))[number]["status"] == "done"
            await poll_until(reached, "the lead done: a person reached", 20)
    finally:
        await leave_queue(cti, agent)

    lead = pop["lead"]
    assert lead["campaign"] == campaign and lead["lead_id"] == (await leads_of(db, campaign))[number]["id"]
    assert lead["fields"]["first_name"] == "Jürgen" and lead["fields"]["last_name"] == "张伟 😀"
    assert lead["fields"]["phone"] == number and lead["fields"]["custom"] == {"plan": "Gold 金"}
    assert lead["fields"]["local_time"] and lead["fields"]["timezone"].startswith("Etc/GMT")
    assert lead["script"] == "Hello Jürgen 张伟 😀: Gold 金, Zoë 李 here."
    assert pop["caller_number"] == number and pop["caller_name"] == "Jürgen 张伟 😀"
    assert pop["known"] and "Jürgen" in pop["customer"]["name"]

    call_id = pop["call_id"]
    async with aiohttp.ClientSession(cti.url, headers={"Authorization": f"Bearer {agent.token}"}) as http:
        async with http.get(f"/api/calls/{call_id}") as response:
            details = await response.json()
        assert response.status == 200, details
        assert [d["code"] for d in details["dispositions"]][:2] == ["sale", "dnc"]
        async with http.post(f"/api/calls/{call_id}/wrapup", json={"disposition": "dnc"}) as response:
            assert response.status == 200, await response.text()

    stored = (await leads_of(db, campaign))[number]
    assert stored["disposition"] == "dnc" and stored["status"] == "dnc", stored
    listing = await dnc_listing(db, number, default_region="GB")
    assert "internal" in listing.sources, listing
