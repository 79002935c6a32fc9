"""The demo: simulated agents and a stream of simulated callers, so a newcomer sees calls flow."""
from __future__ import annotations

import asyncio
import csv
import logging
import random
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import phonenumbers
from phonenumbers import timezone as number_timezones

from asterisk_conf.render import QueueSpec, webrtc_endpoint
from asterisk_conf.sandbox_config import srv_dir
from asterisk_conf.simulation import CustomerMix, agent_member, caller_originate, queue_add
from asterisk_conf.simvoices import SAFE_HARBOR, sound
from asterisk_conf.traffic import Handling, TrafficPlan, plan_traffic
from callcenter.errors import NotFound
from callcenter.settings import Settings
from crm_core.db import Database
from crm_core.demo_data import DEMO_CUSTOMERS
from crm_core.queues import create_queue, get_queue
from crm_core.teams import set_led_teams
from crm_core.users import ensure_user
from ctiserver.ami.client import AmiClient, AmiError
from dialer.campaigns import DNC_COUNTRY, CampaignSettings
from dialer.leadrows import ColumnMapping
from dialer.store import Campaigns, ImportStatus, LeadImport, load_national_dnc

log = logging.getLogger(__name__)

DEMO_QUEUES = [QueueSpec("support"), QueueSpec("sales")]
DEMO_AGENTS = {"1001": "Maria Rossi", "1002": "Kenji Watanabe", "1003": "Olga Petrova",
               "1004": "Sam Okafor"}
CAMPAIGN_QUEUE = QueueSpec("outbound")
DEMO_CAMPAIGN_AGENTS = {"1005": "Lena Fischer", "1006": "Ravi Patel", "1007": "陈静"}
"""The campaign's own agents (only in its queue): the inbound traffic is sized to DEMO_AGENTS,
and a predictive dialer keeps its agents busy, so sharing them would starve the queues."""
DEMO_SOFTPHONE_AGENTS = {"2001": "Ana Souza"}
"""Agents whose phone is the browser (a WebRTC endpoint in the sandbox): they log in to the
queues from the console and take the simulated calls in the page."""
UNKNOWN_CALLERS = [("+4930987654", "Fatima Al-Sayed"), ("+33142000000", "Émile Faure"),
                   ("+81312345678", "佐藤 花子"), ("+4915700000", "")]
MENU_CHOICES = {"support": ["Technical problem", "Outage", "Installation"],
                "sales": ["New contract", "Upgrade", "Cancellation"]}
LANGUAGES = ["English", "Deutsch", "Français", "日本語"]
CALL_SHARES = {"support": 0.6, "sales": 0.4}
"""Each demo queue's part of the simulated calls."""
RING_SECONDS = (1.0, 4.0)
TALK_SECONDS = (15.0, 45.0)
"""How long a simulated agent's phone rings before they answer, and a call lasts (uniform)."""
LATE_CALLER = 5.0
"""Seconds after which a caller not placed in time is dropped."""


DEMO_CAMPAIGN = "example-energy"
CUSTOMERS = CustomerMix()
"""The people the demo campaign calls (the sandbox's simulated customers): 30 % answer after
1-8 s of ringing, 40 % of those are answering machines, people talk 15-45 s."""
CAMPAIGN_LEADS = 1500
"""About an hour of dialing for three agents (a tenth of the leads reach a person)."""
LEAD_REGIONS = ("GB", "DE", "ZA", "AE", "IN", "SG", "JP", "NZ", "AR")
"""Countries of one time zone each, so that at any hour some of them are in the calling window."""
LEAD_HOURS = (9, 18)
"""Local hours (from, before) whose countries get the leads: hours of dialing before 21:00."""
LEAD_NAMES = [("Emma", "Clarke"), ("Jürgen", "Weiß"), ("Thandiwe", "Nkosi"), ("Priya", "Sharma"),
              ("Wei", "Tan"), ("Haruto", "Sato"), ("Aroha", "Ngata"), ("Valentina", "Gómez"),
              ("Omar", "Haddad"), ("伟", "张")]
LEAD_MAPPING = ColumnMapping(phone="Phone", first_name="First", last_name="Last")


async def define_demo_queues(db: Database) -> None:
    """The demo queues as the CRM defines them (with wrap-up and targets), unless already there.
    Retry 1 s: the queues share their agents, and a caller whose agent the other queue's
    caller took first tries again a second later, not after app_queue's 5 s (during a burst
    the 5 s let one queue's callers starve, waiting minutes)."""
    for spec in [*DEMO_QUEUES, CAMPAIGN_QUEUE]:
        if await get_queue(db, spec.name) is None:
            await create_queue(db, spec.name, display_name=spec.name.title(), wrapup_seconds=5,
                               retry=1, sl_threshold=20, sl_target=0.8, max_wait_alert=45)


async def demo_traffic(db: Database) -> TrafficPlan:
    """Callers sized to the simulated agents (who take every demo queue's calls) and the demo
    queues as the CRM has them now: their wrap-up, service-level thresholds and targets."""
    queues = [queue for spec in DEMO_QUEUES if (queue := await get_queue(db, spec.name))]
    handling = Handling(ring=RING_SECONDS, talk=TALK_SECONDS,
                        wrapup=max(q.wrapup_seconds for q in queues))
    return plan_traffic(len(DEMO_AGENTS), {q.name: CALL_SHARES[q.name] for q in queues}, handling,
                        threshold=min(q.sl_threshold for q in queues),
                        sl_target=max(q.sl_target for q in queues))


def describe_traffic(plan: TrafficPlan) -> str:
    """A few lines for the console: what the simulated callers do."""
    rates = ", ".join(f"{q} {rate * 60:.1f}" for q, rate in plan.rates.items())
    return (f"Simulated callers a minute: {rates}; every {plan.burst_every / 60:g} minutes"
            f" {plan.burst_calls} more call one queue within {plan.burst_length:g} s.\n{len(DEMO_AGENTS)} simulated agents answer after"
            f" {RING_SECONDS[0]:g}-{RING_SECONDS[1]:g} s, talk {TALK_SECONDS[0]:g}-{TALK_SECONDS[1]:g} s,"
            f" wrap up {plan.handling.wrapup:g} s; a waiting caller hangs up after"
            f" {plan.patience:g} s on average.")


async def create_demo_users(db: Database) -> dict[str, str]:
    """A demo supervisor and agent accounts bound to the simulated agents, with fresh
    passwords on every start. Returns {username: password}."""
    logins = {}
    phones = {**{ext: agent_member(ext)[0] for ext in [*DEMO_AGENTS, *DEMO_CAMPAIGN_AGENTS]},
              **{ext: f"PJSIP/{webrtc_endpoint(ext)}" for ext in DEMO_SOFTPHONE_AGENTS}}
    for ext, name in {**DEMO_AGENTS, **DEMO_CAMPAIGN_AGENTS, **DEMO_SOFTPHONE_AGENTS}.items():
        logins[f"agent{ext}"] = password = secrets.token_urlsafe(9)
        await ensure_user(db, f"agent{ext}", display_name=name, role="agent", extension=ext,
                          interface=phones[ext], team="demo", password=password)
    logins["supervisor"] = password = secrets.token_urlsafe(9)
    supervisor_id, _ = await ensure_user(db, "supervisor", display_name="Demo Supervisor",
                                         role="supervisor", password=password)
    await set_led_teams(db, supervisor_id, ["demo"])
    return logins


def _memberships() -> Iterator[tuple[str, str]]:
    """(queue, ext) of every simulated agent's queue."""
    for queue in DEMO_QUEUES:
        for ext in DEMO_AGENTS:
            yield queue.name, ext
    for ext in DEMO_CAMPAIGN_AGENTS:
        yield CAMPAIGN_QUEUE.name, ext


async def log_in_demo_agents(ami: AmiClient) -> None:
    for queue, ext in _memberships():
        try:
            await ami.send(queue_add(queue, ext))
        except AmiError as exc:  # already a member after a restart of the CTI server
            log.debug("QueueAdd %s %s: %s", queue, ext, exc)


def _ivr_answers(rng: random.Random, queue: str) -> dict[str, str]:
    """What an IVR in front of the queue might have collected; some callers skip it."""
    if rng.random() < 0.3:
        return {}
    answers = {"Reason": rng.choice(MENU_CHOICES.get(queue, ["Other"])),
               "Language": rng.choice(LANGUAGES)}
    if rng.random() < 0.7:
        answers["Account"] = str(rng.randrange(1_000_000, 10_000_000))
    return answers


def _random_caller(rng: random.Random) -> tuple[str, str]:
    if rng.random() < 0.6:
        customer = rng.choice(DEMO_CUSTOMERS)
        return customer.numbers[0].replace(" ", ""), customer.name
    return rng.choice(UNKNOWN_CALLERS)


async def simulate_callers(ami: AmiClient, plan: TrafficPlan, *, seed: int | None = None) -> None:
    """Callers arrive as the plan says (Poisson, with its bursts) into the demo queues, for ever."""
    rng = random.Random(seed)
    loop = asyncio.get_running_loop()
    start = loop.time()
    for at, queue in plan.arrivals(rng):
        await asyncio.sleep(start + at - loop.time())
        await ami.connected.wait()
        if loop.time() - (start + at) > LATE_CALLER:
            continue  # due while Asterisk was away: no pile of callers at the reconnect
        number, name = _random_caller(rng)
        caller = plan.caller(rng)
        action = caller_originate(
            queue, number=number, name=name, patience=caller.patience, talk=caller.talk,
            ring=caller.ring, hangup_by=rng.choice(("caller", "agent")),
            collected=_ivr_answers(rng, queue),
        )
        try:
            await ami.originate(action)
        except AmiError as exc:
            log.warning("simulated caller not placed: %s", exc)


def describe_campaign(leads: ImportStatus) -> str:
    return (f"Campaign {DEMO_CAMPAIGN} (predictive, AMD) dials {leads.loaded} new leads"
            f" ({leads.dnc} on the do-not-call list) with {len(DEMO_CAMPAIGN_AGENTS)} agents of"
            f" its own in queue {CAMPAIGN_QUEUE.name}: {CUSTOMERS.answer:.0%} of the simulated"
            f" customers answer, {CUSTOMERS.machine:.0%} of those are answering machines.")


def _local_hour(region: str, now: datetime) -> int:
    example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.FIXED_LINE)
    return now.astimezone(ZoneInfo(number_timezones.time_zones_for_number(example)[0])).hour


def _random_number(rng: random.Random, region: str) -> str:
    """A valid fixed-line number of REGION: its example number with random last digits."""
    example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.FIXED_LINE)
    national = str(example.national_number)
    while True:
        digits = national[:-5] + str(rng.randrange(10 ** 5)).zfill(5)
        number = phonenumbers.parse(f"+{example.country_code}{digits}")
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def demo_lead_rows(rng: random.Random, now: datetime, count: int) -> list[list[str]]:
    """COUNT leads (phone, first, last) in the countries where it is day now (LEAD_HOURS)."""
    regions = [r for r in LEAD_REGIONS if LEAD_HOURS[0] <= _local_hour(r, now) < LEAD_HOURS[1]]
    return [[_random_number(rng, rng.choice(regions)), *rng.choice(LEAD_NAMES)]
            for _ in range(count)]


def _write_rows(path: Path, rows: list[list[str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as file:
        csv.writer(file).writerows(rows)
    return path


def demo_campaign_settings(settings: Settings) -> CampaignSettings:
    """Predictive, with AMD, under the UK rules; its abandoned calls hear the demo seller's
    message (asterisk_conf/simvoices.py)."""
    return CampaignSettings(rule_set="UK", queue=CAMPAIGN_QUEUE.name, mode="predictive", amd=True,
                            caller_id="+442079460000",
                            safe_harbor_message=sound(srv_dir(settings), SAFE_HARBOR))


async def start_demo_campaign(db: Database, settings: Settings, *,
                              seed: int | None = None) -> ImportStatus:
    """The demo campaign running with a fresh generated list of CAMPAIGN_LEADS leads (some on
    today's national do-not-call list): made on the first start, given a new list and started
    again on the next. Returns the list's import."""
    campaigns = Campaigns(db)
    try:
        row = await campaigns.get(DEMO_CAMPAIGN)
    except NotFound:
        row = await campaigns.create(DEMO_CAMPAIGN, demo_campaign_settings(settings))
    rng = random.Random(seed)
    now = datetime.now(UTC)
    rows = demo_lead_rows(rng, now, CAMPAIGN_LEADS)
    folder = settings.dialer_dir / "demo"
    stamp = now.strftime("%Y%m%d-%H%M%S")
    await load_national_dnc(
        db, _write_rows(folder / f"dnc-{stamp}.csv", [[lead[0]] for lead in rows[::50]]),
        country=DNC_COUNTRY["UK"], released_on=now.date())
    job = await LeadImport.open(
        db, DEMO_CAMPAIGN,
        _write_rows(folder / f"leads-{stamp}.csv", [["Phone", "First", "Last"], *rows]),
        LEAD_MAPPING, default_region=settings.default_region, report_dir=folder / "reports",
        list_name=f"demo {stamp}")
    status = await job.run()
    if row.state != "running":
        await campaigns.change_state(DEMO_CAMPAIGN, "start")
    return status
