"""Dialer calls for one agent's console on the real stack: a campaign of a few leads (each in a
zone where it is early afternoon now), its script and dispositions, dialed with the CTI
server's preview desk into the sandbox's simulated customers."""
from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text

from crm_core.db import Database
from crm_core.dispositions import DispositionInfo, Owner, replace_dispositions
from crm_core.scripts import put_script
from dialer.campaigns import CampaignSettings
from dialer.store import Campaigns

from tests.helpers.campaigns import (
    campaign_name, dialing, import_rows, load_fresh_dnc, set_zone, zone_at,
)

SCRIPT = "Hello {{ lead.first_name }} {{ lead.last_name }}: {{ lead.custom.plan }}, {{ agent }} here."
DISPOSITIONS = [DispositionInfo("sale", "Sale 成交", False), DispositionInfo("dnc", "Do not call 勿扰", False)]


async def lead_campaign(db: Database, tmp_path: Path, queue: str, rows: Sequence[Sequence[str]],
                        plans: Mapping[str, str], **settings: Any) -> str:
    """A campaign of QUEUE with a lead per row (number, first, last name), the lead's custom
    field ``plan`` as PLANS says, the script SCRIPT and the dispositions DISPOSITIONS; its name."""
    name = campaign_name("agent")
    await Campaigns(db).create(name, CampaignSettings(rule_set="UK", queue=queue, **settings))
    await load_fresh_dnc(db, tmp_path, "UK")
    await import_rows(db, name, tmp_path / f"{name}.csv", [[*row, ""] for row in rows])
    await set_zone(db, name, [row[0] for row in rows], zone_at(13, datetime.now(UTC)))
    async with db.sessionmaker.begin() as session:
        for number, plan in plans.items():
            await session.execute(text(
                "UPDATE leads SET custom = CAST(:custom AS jsonb) FROM campaigns c"
                " WHERE c.id = leads.campaign_id AND c.name = :name AND leads.phone = :number"),
                {"custom": json.dumps({"plan": plan}), "name": name, "number": number})
    await put_script(db, Owner("campaign", name), SCRIPT)
    await replace_dispositions(db, Owner("campaign", name), DISPOSITIONS)
    return name


@asynccontextmanager
async def agent_campaign(cti, db: Database, settings, campaign: str, queue: str,
                         customers: Mapping[str, Mapping[str, str]]) -> AsyncIterator[None]:
    """CAMPAIGN running, dialed by a dialer with the product's preview desk (CUSTOMERS: each
    number's simulated customer, ``asterisk_conf.simulation.customer_variables``); the test
    puts its agents in QUEUE. Stopped after, every recorded outcome checked."""
    async with dialing(cti, db, settings, queue, [], customers.__getitem__,
                       desk=cti.server.desk) as dialer:
        await Campaigns(db).change_state(campaign, "start")
        yield
        await Campaigns(db).change_state(campaign, "stop")
        await dialer.sync()
