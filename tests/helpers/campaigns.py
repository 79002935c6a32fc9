"""Dialer campaigns for a test: a fresh campaign of its own, the national do-not-call list its
start needs, leads imported from rows, the lead rows as stored."""
from __future__ import annotations

import asyncio
import secrets
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text

from asterisk_conf.simulation import CUSTOMER_DIAL_STRING
from callcenter.runtime import Running
from callcenter.settings import Settings

from crm_core.db import Database
from crm_core.phones import normalize_number
from crm_core.queues import create_queue
from dialer.campaigns import DNC_COUNTRY, CampaignSettings
from dialer.leadrows import ColumnMapping
from dialer.store import Campaigns, ImportStatus, LeadImport, load_national_dnc
from dialer.wiring import DialerDomain, DialVariables
from tests.helpers.leadlists import write_csv
from tests.helpers.product import add_members, remove_members

HEADER = ["Phone", "First", "Last", "Mail"]
MAPPING = ColumnMapping(phone="Phone", first_name="First", last_name="Last", email="Mail")


def campaign_name(prefix: str = "c") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


async def new_campaign(db: Database, *, rule_set: str = "UK", **settings: Any) -> str:
    """A draft campaign worked by a queue of its own; its name."""
    name = campaign_name()
    queue = f"q-{name}"
    await create_queue(db, queue)
    await Campaigns(db).create(name, CampaignSettings.model_validate(
        {"rule_set": rule_set, "queue": queue, **settings}))
    return name


async def load_fresh_dnc(db: Database, tmp_path: Path, rule_set: str,
                         numbers: Sequence[str] = (), *, released: date | None = None) -> None:
    """The rule set's national do-not-call list, released today unless told otherwise."""
    path = write_csv(tmp_path / f"dnc-{uuid.uuid4().hex[:6]}.csv", [[n] for n in numbers])
    await load_national_dnc(db, path, country=DNC_COUNTRY[rule_set],
                            released_on=released or datetime.now(UTC).date())


async def running_campaign(db: Database, tmp_path: Path, *, rule_set: str = "UK",
                           **settings: Any) -> str:
    name = await new_campaign(db, rule_set=rule_set, **settings)
    await load_fresh_dnc(db, tmp_path, rule_set)
    await Campaigns(db).change_state(name, "start")
    return name


async def import_rows(db: Database, campaign: str, path: Path, rows: Sequence[Sequence[str]], *,
                      mapping: ColumnMapping = MAPPING, header: Sequence[str] = HEADER,
                      region: str = "GB", **run: Any) -> ImportStatus:
    """Import ROWS (under HEADER) as a CSV file at PATH into CAMPAIGN."""
    write_csv(path, [header, *rows])
    job = await LeadImport.open(db, campaign, path, mapping, default_region=region,
                                report_dir=path.parent / "reports")
    return await job.run(**run)


async def attempt_calls(db: Database, campaign: str) -> list[dict]:
    """Each attempt with the calls rows that carry its call key."""
    async with db.engine.connect() as conn:
        rows = await conn.execute(text(
            "SELECT a.lead_id, a.number, a.outcome, a.call_key, a.amd_result AS attempt_amd,"
            " (SELECT count(*) FROM calls k WHERE k.call_key = a.call_key) AS rows,"
            " k.direction, k.campaign_id = a.campaign_id AS same_campaign, k.lead_id AS call_lead,"
            " k.amd_result, k.dial_outcome, k.agent_interface"
            " FROM lead_attempts a JOIN campaigns c ON c.id = a.campaign_id"
            " LEFT JOIN calls k ON k.call_key = a.call_key WHERE c.name = :name"), {"name": campaign})
        return [dict(row) for row in rows.mappings()]


async def leads_of(db: Database, campaign: str) -> dict[str, dict[str, Any]]:
    """The campaign's leads by number, as stored."""
    async with db.engine.connect() as conn:
        rows = (await conn.execute(text(
            "SELECT l.* FROM leads l JOIN campaigns c ON c.id = l.campaign_id"
            " WHERE c.name = :name ORDER BY l.id"), {"name": campaign})).mappings().all()
    return {row["phone"]: dict(row) for row in rows}


@asynccontextmanager
async def number_held(db: Database, campaign: str, number: str) -> AsyncIterator[None]:
    """A lead of ``number`` in ``campaign``, uncommitted while inside: an import's block that
    holds the number waits for it (its upsert on the campaign's numbers), the blocks before
    it are committed. Rolled back on the way out, so the import then stores the number."""
    async with db.engine.connect() as conn, conn.begin() as transaction:
        ids = (await conn.execute(text(
            "INSERT INTO lead_lists (campaign_id, name, source_file)"
            " SELECT id, 'held', 'held.csv' FROM campaigns WHERE name = :name"
            " RETURNING id AS list_id, campaign_id"), {"name": campaign})).one()
        await conn.execute(text(
            "INSERT INTO leads (list_id, campaign_id, phone, timezones, zone_source)"
            " VALUES (:list_id, :campaign_id, :phone, '{}', 'number')"),
            {**ids._asdict(), "phone": number})
        yield
        await transaction.rollback()


_handed_out: set[str] = set()


def fresh_numbers(count: int, prefix: str = "+44207", length: int = 13) -> list[str]:
    """Valid E.164 numbers of ``length`` characters no other test of the run got (the CRM's
    customers are shared by all), London's unless ``prefix`` says otherwise."""
    found: list[str] = []
    digits = length - len(prefix)
    while len(found) < count:
        number = prefix + str(secrets.randbelow(10 ** digits)).zfill(digits)
        if number not in _handed_out and normalize_number(number, "GB") == number:
            _handed_out.add(number)
            found.append(number)
    return found


async def seed_attempts(db: Database, campaign: str,
                        attempts: Sequence[tuple[str, datetime, str]]) -> None:
    """Attempts (number, placed at, stored outcome) of CAMPAIGN's leads, as if dialed."""
    leads = await leads_of(db, campaign)
    async with db.sessionmaker.begin() as session:
        for number, at, outcome in attempts:
            await session.execute(text(
                "INSERT INTO lead_attempts (lead_id, campaign_id, number, placed_at, outcome)"
                " VALUES (:lead, :campaign, :number, :at, :outcome)"),
                {"lead": leads[number]["id"], "campaign": leads[number]["campaign_id"],
                 "number": number, "at": at, "outcome": outcome})


def zone_at(hour: int, now: datetime) -> str:
    """A fixed-offset zone whose local time is now HOUR o'clock (Etc/GMT's sign is reversed)."""
    offset = (hour - now.hour + 12) % 24 - 12
    return f"Etc/GMT{-offset:+d}" if offset else "Etc/GMT"


async def set_zone(db: Database, campaign: str, numbers: Sequence[str], zone: str) -> None:
    """Put these leads of CAMPAIGN in time zone ZONE."""
    async with db.sessionmaker.begin() as session:
        await session.execute(text(
            "UPDATE leads SET timezones = ARRAY[:zone] FROM campaigns c WHERE c.id = leads.campaign_id"
            " AND c.name = :campaign AND leads.phone = ANY(:numbers)"),
            {"zone": zone, "campaign": campaign, "numbers": list(numbers)})


@asynccontextmanager
async def dialing(cti: Running, db: Database, settings: Settings, queue: str,
                  agents: Sequence[str], customer: DialVariables,
                  **options: Any) -> AsyncIterator[DialerDomain]:
    """A dialer on the running product's AMI link and agents, dialing the sandbox's simulated
    customers (CUSTOMER: a number's channel variables, asterisk_conf.simulation's) with the
    simulated AGENTS in QUEUE; afterwards stopped, the agents out of the queue, and every
    outcome it recorded in the background recorded without an error."""
    tasks: list[asyncio.Future] = []
    dialer = DialerDomain(
        cti.server.bus, cti.server.ami, db, cti.server.feed.agents,
        dial_string=CUSTOMER_DIAL_STRING, context=settings.dialer_context, ring_timeout=15,
        default_region=settings.default_region, poll_interval=0.5,
        background=lambda coro: tasks.append(asyncio.ensure_future(coro)),
        dial_variables=customer, **options)
    await add_members(cti, queue, agents)
    dialer.start()
    try:
        yield dialer
    finally:
        await dialer.stop()
        await remove_members(cti, queue, agents)
    failures = [r for r in await asyncio.gather(*tasks, return_exceptions=True)
                if isinstance(r, BaseException)]
    assert not failures, failures
